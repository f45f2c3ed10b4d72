package io.hal9.topology.layer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import io.hal9.neurons.NeuronReply;
import io.hal9.topology.config.Lane;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of one layer's neuron stage. Meter names are the constants below; Prometheus renders
 * them as {@code hal9_signals_read_total}, {@code hal9_signals_processed_total},
 * {@code hal9_claude_request_duration_seconds}, {@code hal9_claude_tokens_total},
 * {@code hal9_claude_cost_usd_total}, {@code hal9_claude_incomplete_total} and
 * {@code hal9_signal_duration_seconds}. Every series, with every tag value (each
 * {@link ClaudeOutcome}, each signal outcome, each token type: {@code input}, {@code output},
 * {@code cache_creation} and {@code cache_read}; each
 * {@link #INCOMPLETE_REASONS reason an answer stops early}), is registered by the constructor:
 * dashboards and alerts read zero from start-up, never "no data".
 */
public final class LayerMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(LayerMetrics.class);

    /**
     * Buckets of the Claude request histogram, from a cached-fast error to the 30 s timeout and
     * beyond. Fixed, so that every layer's eight outcome series exist from start-up at a bounded
     * cost (16 buckets each, not Micrometer's ~70 percentile buckets).
     */
    static final Duration[] REQUEST_BUCKETS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000,
            10_000, 20_000, 30_000, 60_000, 120_000).map(Duration::ofMillis).toArray(Duration[]::new);

    public static final String SIGNALS_PROCESSED = "hal9.signals.processed";
    /** Records the lane read from its input topic, malformed ones included: each took an offset there. */
    public static final String SIGNALS_READ = "hal9.signals.read";
    public static final String SIGNAL_DURATION = "hal9.signal.duration";
    public static final String CLAUDE_REQUEST_DURATION = "hal9.claude.request.duration";
    public static final String CLAUDE_TOKENS = "hal9.claude.tokens";
    public static final String CLAUDE_COST = "hal9.claude.cost.usd";
    public static final String CLAUDE_INCOMPLETE = "hal9.claude.incomplete";
    /** Lookups in the layer's answer store ({@code hal9.cache.routing=content}), by {@code result} hit or miss. */
    public static final String ANSWER_STORE_LOOKUPS = "hal9.cache.store.lookups";
    /** Serialized bytes of the unexpired answers this instance's tasks hold in their answer stores. */
    public static final String ANSWER_STORE_BYTES = "hal9.cache.store.bytes";
    /** Answers this instance's tasks hold in their answer stores. */
    public static final String ANSWER_STORE_ENTRIES = "hal9.cache.store.entries";
    /** Answers evicted from the answer stores to keep them within {@code hal9.cache.max.bytes}. */
    public static final String ANSWER_STORE_EVICTIONS = "hal9.cache.store.evictions";
    /**
     * RocksDB memory of this instance's state stores (answers and signals in flight, every task):
     * block cache, memtables and table readers ({@code hal9_cache_store_memory_bytes}).
     */
    public static final String STORE_MEMORY = "hal9.cache.store.memory";
    /** {@code hal9.rocksdb.memory.bytes}, the bound of {@link #STORE_MEMORY}, when one is set. */
    public static final String STORE_MEMORY_BOUND = "hal9.cache.store.memory.bound";

    /**
     * The stop reasons of answers that stopped early, the {@code reason} tag of {@link #CLAUDE_INCOMPLETE}:
     * cut at the request's max tokens, cut at the model's context window, refused.
     */
    public static final List<String> INCOMPLETE_REASONS = List.of(NeuronReply.MAX_TOKENS,
            NeuronReply.MODEL_CONTEXT_WINDOW_EXCEEDED, NeuronReply.REFUSAL);

    public static final String OUTCOME_FORWARDED = "forwarded";
    public static final String OUTCOME_CACHED = "cached";
    public static final String OUTCOME_DEAD_LETTERED = "dead_lettered";

    private final MeterRegistry registry;
    private final String layer;
    private final Tags tags;
    private final Counter read;
    private final InputReads inputReads = new InputReads();
    private final Counter forwarded;
    private final Counter cached;
    private final Counter cost;
    private final ClaudePrices prices;
    private final Set<String> unpricedModels = ConcurrentHashMap.newKeySet();
    private final Counter deadLettered;
    private final Counter inputTokens;
    private final Counter outputTokens;
    private final Counter cacheCreationTokens;
    private final Counter cacheReadTokens;
    private final Timer signalDuration;
    private final Map<ClaudeOutcome, Timer> requestDurations = new EnumMap<>(ClaudeOutcome.class);
    private final Map<String, Counter> incomplete = new HashMap<>();
    private final Counter storeHits;
    private final Counter storeMisses;
    private final AtomicLong storeBytes = new AtomicLong();
    private final AtomicLong storeEntries = new AtomicLong();
    private final Counter storeEvictions;

    /** A layer's meters, its calls priced by the bundled model catalog. */
    public LayerMetrics(MeterRegistry registry, String layer) {
        this(registry, layer, Map.of());
    }

    /**
     * @param prices model → {input, output} US dollars per million tokens, over the catalog's; a
     *               dated snapshot id without an entry of its own takes its alias's
     */
    public LayerMetrics(MeterRegistry registry, String layer, Map<String, double[]> prices) {
        this(registry, layer, Lane.NORMAL, new ClaudePrices(io.hal9.neurons.models.ModelCatalog.bundled(), prices));
    }

    /** The meters of one lane of a layer: every one tagged {@code layer} and {@code lane}. */
    public LayerMetrics(MeterRegistry registry, String layer, Lane lane, ClaudePrices prices) {
        this.registry = registry;
        this.layer = layer;
        this.tags = Tags.of("layer", layer, "lane", lane.label());
        this.prices = prices;
        this.read = Counter.builder(SIGNALS_READ)
                .description("Records a layer read from its input topic, malformed ones included")
                .tags(tags)
                .register(registry);
        this.forwarded = processed(OUTCOME_FORWARDED);
        this.cached = processed(OUTCOME_CACHED);
        this.cost = Counter.builder(CLAUDE_COST)
                .description("What the layer's Claude calls cost, from the configured price table")
                .tags(tags)
                .register(registry);
        this.deadLettered = processed(OUTCOME_DEAD_LETTERED);
        this.inputTokens = tokens("input");
        this.outputTokens = tokens("output");
        this.cacheCreationTokens = tokens("cache_creation");
        this.cacheReadTokens = tokens("cache_read");
        this.signalDuration = Timer.builder(SIGNAL_DURATION)
                .description("Time from a signal's creation by its producer to its forwarding by this layer")
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        for (String reason : INCOMPLETE_REASONS) {
            incomplete.put(reason, Counter.builder(CLAUDE_INCOMPLETE)
                    .description("Signals whose Claude answer stopped early, by stop reason: cut at a limit "
                            + "(forwarded, marked in the hop) or refused (dead-lettered)")
                    .tags(tags).tag("reason", reason)
                    .register(registry));
        }
        this.storeHits = lookups("hit");
        this.storeMisses = lookups("miss");
        Gauge.builder(ANSWER_STORE_BYTES, storeBytes, AtomicLong::get)
                .description("Serialized bytes of the answers held in this instance's answer stores")
                .tags(tags)
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder(ANSWER_STORE_ENTRIES, storeEntries, AtomicLong::get)
                .description("Answers held in this instance's answer stores")
                .tags(tags)
                .register(registry);
        this.storeEvictions = Counter.builder(ANSWER_STORE_EVICTIONS)
                .description("Answers evicted, closest to expiry first, to keep the answer stores within their bound")
                .tags(tags)
                .register(registry);
        for (ClaudeOutcome outcome : ClaudeOutcome.values()) {
            requestDurations.put(outcome, Timer.builder(CLAUDE_REQUEST_DURATION)
                    .description("Duration of Claude requests, SDK retries included")
                    .tags(tags).tag("outcome", outcome.tag())
                    .serviceLevelObjectives(REQUEST_BUCKETS)
                    .register(registry));
        }
    }

    /** A record was read from the lane's input topic, before it is decoded: malformed ones count. */
    public void read() {
        read.increment();
    }

    /** A derived signal went out; {@code fromCache} when its answer came from the cache. */
    public void forwarded(long millisSinceCreation, boolean fromCache) {
        (fromCache ? cached : forwarded).increment();
        signalDuration.record(Math.max(0, millisSinceCreation), TimeUnit.MILLISECONDS);
    }

    /**
     * What a call cost, by the prices of the model the response named (the catalog's, or the
     * setting's for a model it lists), prompt-cache writes (by lifetime) and reads included; a model
     * without a price costs 0 and is logged once.
     */
    public void cost(NeuronReply reply) {
        if (prices.of(reply.model()).isEmpty()) {
            if (unpricedModels.add(reply.model())) {
                LOG.warn("layer {}: model {} is neither in the model catalog nor in hal9.claude.prices.usd.per.mtok; "
                        + "its cost counts as 0", layer, reply.model());
            }
            return;
        }
        cost.increment(prices.cost(reply));
    }

    /** What a call without prompt-cache tokens cost (see {@link #cost(NeuronReply)}). */
    public void cost(String model, long inputTokens, long outputTokens) {
        cost(new NeuronReply("", model, inputTokens, outputTokens, "", 0));
    }

    /** A signal's answer stopped early ({@link NeuronReply#complete()} false): counted by its stop reason. */
    public void incomplete(NeuronReply reply) {
        Counter counter = incomplete.get(reply.stopReason());
        if (counter != null) {
            counter.increment();
        }
    }

    public void deadLettered() {
        deadLettered.increment();
    }

    /** One Claude request finished with {@code outcome}; tokens are those of an answered request. */
    public void claudeRequest(ClaudeOutcome outcome, long latencyMs, long input, long output) {
        requestDurations.get(outcome).record(latencyMs, TimeUnit.MILLISECONDS);
        inputTokens.increment(input);
        outputTokens.increment(output);
    }

    /** One Claude request was answered with {@code reply}: its latency and every kind of token it used. */
    public void claudeRequest(ClaudeOutcome outcome, NeuronReply reply) {
        claudeRequest(outcome, reply.latencyMs(), reply.inputTokens(), reply.outputTokens());
        cacheCreationTokens.increment(reply.cacheCreationInputTokens());
        cacheReadTokens.increment(reply.cacheReadInputTokens());
    }

    /** A signal's cache key was looked up in the answer store: found (unexpired) or not. */
    public void storeLookup(boolean hit) {
        (hit ? storeHits : storeMisses).increment();
    }

    /** The answer stores of this instance gained (or, negative, lost) entries and bytes. */
    public void storeHolds(long entries, long bytes) {
        storeEntries.addAndGet(entries);
        storeBytes.addAndGet(bytes);
    }

    /** Answers were evicted from an answer store to make room within its bound. */
    public void storeEvicted(int answers) {
        storeEvictions.increment(answers);
    }

    /** Records this lane read from its input topic, malformed ones included. */
    public long signalsRead() {
        return (long) read.count();
    }

    /** What this lane's tasks have read from its input, task by task (the replica forecast's record share). */
    public InputReads inputReads() {
        return inputReads;
    }

    /** Signals this lane finished: forwarded, answered from the cache, or dead-lettered. */
    public long finished() {
        return (long) (forwarded.count() + cached.count() + deadLettered.count());
    }

    /** Claude calls of this lane that were answered (outcome {@code ok}): the calls the latency below sums. */
    public long answeredCalls() {
        return requestDurations.get(ClaudeOutcome.OK).count();
    }

    /** The summed latency of the answered Claude calls, in seconds. */
    public double answeredCallSeconds() {
        return requestDurations.get(ClaudeOutcome.OK).totalTime(TimeUnit.SECONDS);
    }

    /** Answers evicted from the answer stores. */
    public long storeEvictions() {
        return (long) storeEvictions.count();
    }

    /** Lookups in the answer store that found an unexpired answer. */
    public long storeHits() {
        return (long) storeHits.count();
    }

    /** Lookups in the answer store that found none. */
    public long storeMisses() {
        return (long) storeMisses.count();
    }

    /** Serialized bytes of the answers this instance's tasks hold. */
    public long storeBytes() {
        return storeBytes.get();
    }

    /**
     * Registers the RocksDB memory of application {@code name} (a layer, or the game) as
     * {@link #STORE_MEMORY}, read from {@code inUse} at every scrape, and its bound (0: none) as
     * {@link #STORE_MEMORY_BOUND}.
     */
    public static void bindStoreMemory(MeterRegistry registry, Tags tags, LongSupplier inUse, long boundBytes) {
        Gauge.builder(STORE_MEMORY, inUse, LongSupplier::getAsLong)
                .description("RocksDB memory of this instance's state stores: block cache, memtables, table readers")
                .tags(tags)
                .baseUnit("bytes")
                .strongReference(true)
                .register(registry);
        if (boundBytes > 0) {
            Gauge.builder(STORE_MEMORY_BOUND, () -> boundBytes)
                    .description("Bound of this instance's RocksDB memory (hal9.rocksdb.memory.bytes)")
                    .tags(tags)
                    .baseUnit("bytes")
                    .register(registry);
        }
    }

    private Counter lookups(String result) {
        return Counter.builder(ANSWER_STORE_LOOKUPS)
                .description("Lookups of signals' cache keys in the layer's answer store, by result")
                .tags(tags).tag("result", result)
                .register(registry);
    }

    private Counter processed(String outcome) {
        return Counter.builder(SIGNALS_PROCESSED)
                .description("Signals a layer finished, by outcome")
                .tags(tags).tag("outcome", outcome)
                .register(registry);
    }

    private Counter tokens(String type) {
        return Counter.builder(CLAUDE_TOKENS)
                .description("Claude tokens used, by type")
                .tags(tags).tag("type", type)
                .register(registry);
    }
}
