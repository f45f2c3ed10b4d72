package io.hal9.topology.layer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.RateLimits;
import io.hal9.schemas.v1.CachedAnswer;
import io.hal9.topology.kafka.CachedAnswerSerde;

import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The answers one task of a layer keeps ({@code hal9.cache.routing=content}): a persistent,
 * changelogged key-value store {@code <layer>-neuron-cache}, cache key (hex SHA-256, as
 * {@link io.hal9.neurons.resilience.CachedNeuronClient#keyOf}) → {@link CachedAnswer}.
 *
 * <p><b>How to use.</b> {@link #storeBuilder} declares the store in the layer topology; the neuron
 * stage wraps the task's store in one of these at {@code init()}, asks {@link #find} before it
 * calls Claude, {@link #keep}s every whole answer it gets, and calls {@link #purgeExpired} from a
 * punctuator. Stream thread only. Every answer kept or found here, and every deletion, is passed on
 * to the instance's {@link LocalAnswers}, which the route stage reads.
 *
 * <p><b>Expiry.</b> An answer is served until {@code storedAt + ttl} (the layer's
 * {@code hal9.<layer>.cache.ttl.ms}) as the stage's clock tells; from then on it is never served: a
 * lookup that finds it expired deletes it, and the punctuator deletes every expired answer of the
 * task. Each deletion is a tombstone in the changelog.
 *
 * <p><b>The changelog</b> ({@code <application.id>-<layer>-neuron-cache-changelog}) is
 * {@code cleanup.policy=compact,delete} with {@code retention.ms} = the TTL: a changelog record older
 * than the TTL can only hold an expired answer, so the broker may drop it by time, and compaction
 * keeps one record per key within it. {@code segment.ms} is the TTL too (at least a minute), since
 * only closed segments are deleted: the changelog holds at most about two TTLs of answers, and a
 * restore reads no more than that. Changelog records carry the timestamp of the input record being
 * processed, so answers stored while old records are replayed age out of the changelog early; they
 * are then missing after a restore, never wrong.
 *
 * <p><b>Exactly-once.</b> Writes go to the changelog inside the task's transaction. An answer kept
 * while its derived signal's transaction aborted stays valid (it is Claude's answer to the same
 * request, just not yet sent on): the replayed signal finds it and goes out as a cache hit.
 *
 * <p><b>Bound.</b> Entries count their serialized key and value bytes; the instance's total (all
 * tasks of the layer) is {@link LayerMetrics#storeBytes()}, and it never exceeds {@code maxBytes}.
 * When a new answer would pass the bound, the task keeping it first evicts its own answers closest
 * to expiry (with one TTL per layer, the oldest) until the answer fits, and a tenth of what the task
 * holds besides, so that a full store is scanned once per tenth of its answers rather than once per
 * answer. A task holding too little to make room (one just assigned to a full instance) does not
 * store the answer; the other tasks make room as they keep theirs, and purges as answers expire.
 * Each eviction is a tombstone in the changelog, counted in {@code hal9_cache_store_evictions_total}.
 * The order is by expiry, not by use: recording each hit would write the changelog on every read.
 * Kafka Streams has no store bounded in bytes, so the eviction is written here.
 */
public final class NeuronAnswers {

    /** The most often expired answers are purged. */
    static final Duration MAX_PURGE_INTERVAL = Duration.ofMinutes(1);
    /** The shortest changelog segment. */
    static final Duration MIN_SEGMENT = Duration.ofMinutes(1);
    /** A task at the bound evicts, besides room for the new answer, this fraction (1/n) of what it holds. */
    private static final int EVICTED_SHARE = 10;

    private static final Serializer<CachedAnswer> SIZER = new CachedAnswerSerde().serializer();

    private final KeyValueStore<String, CachedAnswer> store;
    private final Duration ttl;
    private final long maxBytes;
    private final LayerMetrics metrics;
    private final LocalAnswers local;
    private long entries;
    private long bytes;

    /** @param local the instance's in-memory view, told of every answer kept, found and deleted here */
    NeuronAnswers(KeyValueStore<String, CachedAnswer> store, Duration ttl, long maxBytes, LayerMetrics metrics,
                  LocalAnswers local) {
        this.store = store;
        this.ttl = ttl;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
        this.local = local;
    }

    /** The store name of a layer's answers, e.g. {@code l3-neuron-cache}. */
    public static String storeName(LayerSpec spec) {
        return spec.prefix() + "-neuron-cache";
    }

    /** The persistent, changelogged store of a layer's answers, its changelog sized by the TTL. */
    public static StoreBuilder<KeyValueStore<String, CachedAnswer>> storeBuilder(LayerSpec spec) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName(spec)), Serdes.String(),
                        new CachedAnswerSerde())
                .withLoggingEnabled(changelogConfig(spec.cacheTtl()));
    }

    /** The answer store's changelog settings for a TTL (see the class comment). */
    public static Map<String, String> changelogConfig(Duration ttl) {
        long segment = Math.max(ttl.toMillis(), MIN_SEGMENT.toMillis());
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(ttl.toMillis()),
                TopicConfig.SEGMENT_MS_CONFIG, Long.toString(segment));
    }

    /** How often a task purges expired answers: the TTL, at most {@link #MAX_PURGE_INTERVAL}. */
    static Duration purgeInterval(Duration ttl) {
        return ttl.compareTo(MAX_PURGE_INTERVAL) < 0 ? ttl : MAX_PURGE_INTERVAL;
    }

    /**
     * Counts what the task's store holds (after a restore, say), deleting what expired meanwhile.
     *
     * @return the answers kept
     */
    long open(long nowMs) {
        entries = 0;
        bytes = 0;
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, CachedAnswer> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, CachedAnswer> entry = all.next();
                if (entry.value.getExpiresAt() <= nowMs) {
                    expired.add(entry.key);
                } else {
                    entries++;
                    bytes += size(entry.key, entry.value);
                }
            }
        }
        expired.forEach(store::delete);
        metrics.storeHolds(entries, bytes);
        return entries;
    }

    /** The unexpired answer to a cache key, marked cached; an expired one is deleted and not served. */
    Optional<NeuronReply> find(String key, long nowMs) {
        CachedAnswer answer = store.get(key);
        if (answer != null && answer.getExpiresAt() <= nowMs) {
            forget(key, size(key, answer));
            answer = null;
        }
        metrics.storeLookup(answer != null);
        if (answer == null) {
            return Optional.empty();
        }
        NeuronReply reply = reply(answer);
        local.hold(key, reply, answer.getExpiresAt());
        return Optional.of(reply);
    }

    /** Whether an unexpired answer to the key is held (no lookup is counted). */
    boolean holds(String key, long nowMs) {
        CachedAnswer answer = store.get(key);
        return answer != null && answer.getExpiresAt() > nowMs;
    }

    /**
     * Stores a whole answer for the TTL, evicting the task's answers closest to expiry if it would
     * pass the instance's bound (see the class comment); an answer that stopped early is never stored.
     *
     * @return whether it was stored
     */
    boolean keep(String key, NeuronReply reply, long nowMs) {
        if (!reply.complete()) {
            return false;
        }
        CachedAnswer answer = CachedAnswer.newBuilder()
                .setText(reply.text())
                .setModel(reply.model())
                .setInputTokens(reply.inputTokens())
                .setOutputTokens(reply.outputTokens())
                .setCacheCreationInputTokens(reply.cacheCreationInputTokens())
                .setCacheReadInputTokens(reply.cacheReadInputTokens())
                .setStopReason(reply.stopReason())
                .setLatencyMs(reply.latencyMs())
                .setStoredAt(nowMs)
                .setExpiresAt(nowMs + ttl.toMillis())
                .build();
        long size = size(key, answer);
        CachedAnswer previous = store.get(key);
        if (previous != null) {
            forget(key, size(key, previous));
        }
        long excess = metrics.storeBytes() + size - maxBytes;
        if (size > maxBytes || excess > 0 && !evict(excess)) {
            return false;
        }
        store.put(key, answer);
        local.hold(key, reply(answer), answer.getExpiresAt());
        entries++;
        bytes += size;
        metrics.storeHolds(1, size);
        return true;
    }

    /**
     * Evicts the task's answers closest to expiry: at least {@code needed} bytes and a tenth of what
     * the task holds, or none when the task holds less than {@code needed}.
     *
     * @return whether {@code needed} bytes were freed
     */
    private boolean evict(long needed) {
        if (bytes < needed) {
            return false;
        }
        long target = needed + bytes / EVICTED_SHARE;
        record Held(String key, long expiresAt, long size) {
        }
        List<Held> held = new ArrayList<>();
        try (KeyValueIterator<String, CachedAnswer> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, CachedAnswer> entry = all.next();
                held.add(new Held(entry.key, entry.value.getExpiresAt(), size(entry.key, entry.value)));
            }
        }
        held.sort(Comparator.comparingLong(Held::expiresAt));
        long freed = 0;
        int evicted = 0;
        for (Held answer : held) {
            if (freed >= target) {
                break;
            }
            forget(answer.key(), answer.size());
            freed += answer.size();
            evicted++;
        }
        metrics.storeEvicted(evicted);
        return freed >= needed;
    }

    /**
     * Deletes every expired answer of the task.
     *
     * @return how many
     */
    int purgeExpired(long nowMs) {
        List<KeyValue<String, CachedAnswer>> expired = new ArrayList<>();
        try (KeyValueIterator<String, CachedAnswer> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, CachedAnswer> entry = all.next();
                if (entry.value.getExpiresAt() <= nowMs) {
                    expired.add(entry);
                }
            }
        }
        expired.forEach(entry -> forget(entry.key, size(entry.key, entry.value)));
        return expired.size();
    }

    /** The task stops holding its answers here (closed or moved): they leave the instance's figures. */
    void close() {
        metrics.storeHolds(-entries, -bytes);
        entries = 0;
        bytes = 0;
    }

    /** Answers the task holds. */
    long entries() {
        return entries;
    }

    private void forget(String key, long size) {
        store.delete(key);
        local.forget(key);
        entries--;
        bytes -= size;
        metrics.storeHolds(-1, -size);
    }

    private static long size(String key, CachedAnswer answer) {
        return key.length() + SIZER.serialize(null, answer).length;
    }

    private static NeuronReply reply(CachedAnswer answer) {
        return new NeuronReply(answer.getText(), answer.getModel(), answer.getInputTokens(), answer.getOutputTokens(),
                answer.getStopReason(), answer.getLatencyMs(), true, RateLimits.NONE,
                answer.getCacheCreationInputTokens(), answer.getCacheReadInputTokens(), null);
    }
}
