package io.hal9.neurons.resilience;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.Weigher;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.Futures;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * A {@link NeuronClient} that answers identical work from a per-layer cache: the cache comes
 * before the call.
 *
 * <p><b>How to use:</b> one per layer, around the layer's breaker-guarded client:
 * {@code new CachedNeuronClient(new BreakerNeuronClient(claude, breakerSettings, "L3"),
 * cacheSettings, "L3")}. The order of decoration is
 * <b>CachedNeuronClient → {@link BreakerNeuronClient} → {@link io.hal9.neurons.claude.ClaudeNeuronClient}</b>: the cache is
 * consulted before the breaker, so a cached answer is still served while Claude is down and the
 * breaker open; only misses reach the breaker. Call {@link #bindMetrics} once to publish Caffeine's
 * {@code cache.*} meters (tags {@code cache=<layer>-neuron-cache}, {@code layer}).
 *
 * <p><b>Key:</b> the hex SHA-256 over the request's layer, model, prompt version, max tokens, its
 * <i>normalized</i> content (trimmed, every run of whitespace collapsed to one space; case is kept,
 * since case can change the meaning) and its features sorted by name. Nothing that identifies the
 * signal (id, key, offset) is part of it, so the same work from two signals is one entry. The system
 * prompt itself is represented by its version.
 *
 * <p><b>Identical requests in flight at once make one call:</b> the cache is a Caffeine
 * {@link AsyncCache} holding the call's future, and {@link #ask} uses
 * {@code cache.get(key, (k, executor) -> delegate.ask(request))}, which runs the call at most once
 * per key in flight; every other request for that key gets the same future. A call that fails is
 * never kept: Caffeine removes a future that completes exceptionally, so the next ask calls again
 * (and a failed future found before Caffeine's removal callback ran is dropped and called again;
 * Caffeine's statistics then count that ask as a hit and a miss; so for an answer that stopped
 * early, below).
 * Answers expire {@code ttl} after they were written (for an in-flight call: after it completed).
 *
 * <p><b>Only whole answers are kept.</b> An answer that stopped early — cut at {@code max_tokens} or
 * refused ({@link NeuronReply#complete()} false) — expires the moment its call completes (Caffeine's
 * per-entry expiry gives it no lifetime; one found before Caffeine applied that is dropped and called
 * again, like a failure), so the next ask calls again: a retry, or the same work from another signal,
 * may get the whole answer. Asks that joined its call while it was in flight share it, as they share
 * any answer of the call they joined.
 *
 * <p><b>The {@code cached} flag</b> of a reply is true exactly when this request made no call of its
 * own: the future was already in the cache when this request looked it up, whether completed (a
 * plain hit) or still in flight (the request joined another request's call and waited for it). It is
 * decided atomically, inside Caffeine's lookup (the mapping function runs on the asking thread only
 * when this request installs the call), so there is no window between "is it there?" and "load it";
 * it agrees exactly with Caffeine's own hit/miss statistics ({@code cache.gets{result=hit}}). A
 * joined reply carries the usage and latency of the call it joined; the caller's own wall-clock wait
 * is its business.
 *
 * <p><b>Memory bound:</b> {@code maximumWeight(maxBytes)} with a weigher estimating the retained
 * bytes of an entry: every {@code String} counts 64 bytes of object overhead (object header, fields,
 * array header, padding) plus 2 bytes per char (UTF-16; compact Latin-1 strings are smaller, so this
 * over-estimates ASCII text); the reply record counts 64 bytes plus its strings (text, model, stop
 * reason, stop details when present); the entry itself (Caffeine's node, the completed
 * {@code CompletableFuture}, the hash-table slot) counts 3 × 64 bytes; the key is a 64-char hex
 * string. In-flight calls weigh nothing until they complete.
 * {@link #estimatedBytes()} is the sum of these weights; Caffeine evicts asynchronously, so the
 * bound holds after its maintenance has run ({@link #cleanUp()} runs it now).
 *
 * <p><b>Requirements:</b> the delegate must not block in {@link NeuronClient#ask} (it runs inside
 * Caffeine's per-key compute) and must not use this cache.
 *
 * <p><b>Current limitations:</b> the cache is per instance (not shared between pods) and on the
 * heap. {@link #close()} drops the entries but does <b>not</b> close the delegate: the delegate (the
 * breaker and the Claude client under it) is shared and closed by its owner. With {@code enabled}
 * false every ask passes straight through and {@link #bindMetrics} registers nothing.
 */
public final class CachedNeuronClient implements NeuronClient {

    /**
     * Caffeine logs every failed asynchronous load with its stack trace (through the JDK's
     * platform logging). A failed Claude call is expected here and reported by the neuron stage
     * with its category, so those records are turned off. Held strongly: the JDK keeps loggers
     * only weakly.
     */
    private static final java.util.logging.Logger FAILED_LOAD_LOG = quietFailedLoads();

    private static java.util.logging.Logger quietFailedLoads() {
        java.util.logging.Logger logger =
                java.util.logging.Logger.getLogger("com.github.benmanes.caffeine.cache.LocalAsyncCache");
        logger.setLevel(java.util.logging.Level.OFF);
        return logger;
    }

    /** Estimated bytes of one Java object's header, fields and padding (see the class comment). */
    static final int OBJECT_OVERHEAD_BYTES = 64;
    /** Estimated bytes of the cache's own bookkeeping per entry: node, future, table slot. */
    static final int ENTRY_OVERHEAD_BYTES = 3 * OBJECT_OVERHEAD_BYTES;

    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final byte[] KEY_FORMAT = "hal9-neuron-cache-key-v2".getBytes(StandardCharsets.UTF_8);

    private final NeuronClient delegate;
    private final CacheSettings settings;
    private final String layer;
    /** {@code null} when the cache is disabled. */
    private final AsyncCache<String, NeuronReply> cache;
    /** Whether finished answers stay for the TTL; false when only calls in flight are shared. */
    private final boolean keepAnswers;

    /**
     * @param delegate what answers misses (normally a {@link BreakerNeuronClient}); not closed by this client
     * @param settings TTL, byte bound, on/off
     * @param layer    the layer this cache serves, e.g. {@code L3}: names its metrics
     */
    public CachedNeuronClient(NeuronClient delegate, CacheSettings settings, String layer) {
        this(delegate, settings, layer, Ticker.systemTicker(), true);
    }

    /**
     * A client that only joins identical requests in flight: a finished answer stays
     * {@link #JOIN_GRACE} (or the TTL, if shorter) on {@code ticker}, long enough for a request
     * that arrives between the call's completion and its caller storing the answer to join it, then
     * leaves. For a layer that keeps its answers elsewhere (the answer store of content routing), so
     * that no answer is held twice in memory or served past that store's expiry.
     */
    public static CachedNeuronClient joiningOnly(NeuronClient delegate, CacheSettings settings, String layer,
                                                 Ticker ticker) {
        return new CachedNeuronClient(delegate, settings, layer, ticker, false);
    }

    /** How long a {@link #joiningOnly} client keeps a finished answer. */
    public static final Duration JOIN_GRACE = Duration.ofSeconds(1);

    /** As the public constructor, with the TTL measured on {@code ticker} (tests move it by hand). */
    CachedNeuronClient(NeuronClient delegate, CacheSettings settings, String layer, Ticker ticker) {
        this(delegate, settings, layer, ticker, true);
    }

    private CachedNeuronClient(NeuronClient delegate, CacheSettings settings, String layer, Ticker ticker,
                               boolean keepAnswers) {
        this.keepAnswers = keepAnswers;
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.layer = Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(ticker, "ticker");
        this.cache = settings.enabled()
                ? Caffeine.newBuilder()
                        .ticker(ticker)
                        // a whole answer lives ttl from when it was written; one that stopped early, not at all
                        .expireAfter(Expiry.writing((String key, NeuronReply reply) ->
                                lifetime(reply, keepAnswers ? settings.ttl() : min(JOIN_GRACE, settings.ttl()))))
                        .maximumWeight(settings.maxBytes())
                        .weigher((Weigher<String, NeuronReply>) CachedNeuronClient::weigh)
                        .recordStats()
                        .buildAsync()
                : null;
    }

    @Override
    public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
        Objects.requireNonNull(request, "request");
        if (cache == null) {
            return delegate.ask(request);
        }
        String key = keyOf(request);
        // Set by the mapping function, which Caffeine runs on this thread, and only when this request
        // installs the call; otherwise the future was already there (completed or in flight).
        boolean[] called = {false};
        CompletableFuture<NeuronReply> entry = cache.get(key, (k, executor) -> {
            called[0] = true;
            return call(request);
        });
        if (!called[0] && unfit(entry)) {
            // A failed call, or an answer that stopped early, that Caffeine has not dropped yet (it removes a
            // failure, and gives an answer its expiry, in a completion callback that may run after the caller
            // saw the outcome): never serve it; drop it and call again.
            cache.asMap().remove(key, entry);
            entry = cache.get(key, (k, executor) -> {
                called[0] = true;
                return call(request);
            });
        }
        return called[0] ? Futures.relay(entry, reply -> reply) : Futures.relay(entry, NeuronReply::asCached);
    }

    /** Whether a completed entry must not be served: its call failed, or its answer stopped early. */
    private static boolean unfit(CompletableFuture<NeuronReply> entry) {
        return entry.isCompletedExceptionally() || entry.isDone() && !entry.join().complete();
    }

    /**
     * How long an answer stays: {@code ttl}, or nothing at all for an answer that stopped early (cut at
     * {@code max_tokens}, refused) — asked again, it may come back whole.
     */
    static Duration lifetime(NeuronReply reply, Duration ttl) {
        return reply.complete() ? ttl : Duration.ZERO;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private CompletableFuture<NeuronReply> call(NeuronRequest request) {
        try {
            CompletableFuture<NeuronReply> future = delegate.ask(request);
            return future != null ? future
                    : CompletableFuture.failedFuture(
                            new NeuronException(FailureCategory.UNKNOWN, "the neuron client returned no future"));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * How long ago the answer to {@code request} was written into the cache, as its ticker tells;
     * empty when there is none, or while its call is still running (tests wait on it before they
     * move the ticker).
     */
    Optional<Duration> age(NeuronRequest request) {
        if (cache == null) {
            return Optional.empty();
        }
        // the expiry is per entry (an answer that stopped early gets none), so the age is the TTL less
        // what is left of it; a call still running has no expiry of its own yet (Caffeine gives it ages)
        Duration ttl = settings.ttl();
        return cache.synchronous().policy().expireVariably()
                .flatMap(expiry -> expiry.getExpiresAfter(keyOf(request)))
                .filter(left -> left.compareTo(ttl) <= 0)
                .map(ttl::minus);
    }

    /**
     * The cache key of a request: hex SHA-256 over layer, model, prompt version, max tokens, effort,
     * normalized content and the features sorted by name (each field length-prefixed, so no two
     * different requests share an encoding).
     */
    public static String keyOf(NeuronRequest request) {
        LayerProfile profile = request.profile();
        MessageDigest digest = sha256();
        digest.update(KEY_FORMAT);
        update(digest, profile.layer());
        update(digest, profile.model());
        update(digest, profile.promptVersion());
        digest.update(ByteBuffer.allocate(Long.BYTES).putLong(profile.maxTokens()).array());
        update(digest, profile.effort());
        update(digest, normalize(request.content()));
        Map<String, Double> features = new TreeMap<>(request.features());
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(features.size()).array());
        for (Map.Entry<String, Double> feature : features.entrySet()) {
            update(digest, feature.getKey());
            double value = feature.getValue() == 0.0 ? 0.0 : feature.getValue(); // -0.0 is 0.0
            digest.update(ByteBuffer.allocate(Long.BYTES).putLong(Double.doubleToLongBits(value)).array());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Content as the key sees it: runs of whitespace collapsed to one space, then trimmed; case kept.
     * Content whose only whitespace is single spaces (most signals) has no run to collapse and skips
     * the pattern.
     */
    static String normalize(String content) {
        return (hasWhitespaceToCollapse(content) ? WHITESPACE.matcher(content).replaceAll(" ") : content).strip();
    }

    /** Whether {@link #WHITESPACE} would change {@code content}: it holds whitespace other than single spaces. */
    private static boolean hasWhitespaceToCollapse(String content) {
        boolean afterWhitespace = false;
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            boolean whitespace = isWhiteSpace(c);
            if (whitespace && (c != ' ' || afterWhitespace)) {
                return true;
            }
            afterWhitespace = whitespace;
        }
        return false;
    }

    /**
     * Unicode's White_Space property, as {@code \s} reads it under
     * {@link Pattern#UNICODE_CHARACTER_CLASS}: space, line and paragraph separators, tab to carriage
     * return, and next line. No character outside the Basic Multilingual Plane has it.
     */
    private static boolean isWhiteSpace(char c) {
        return Character.isSpaceChar(c) || c >= '\t' && c <= '\r' || c == '\u0085';
    }

    private static void update(MessageDigest digest, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /** Estimated retained bytes of an entry (see the class comment), capped at {@code Integer.MAX_VALUE}. */
    public static int weigh(String key, NeuronReply reply) {
        long bytes = ENTRY_OVERHEAD_BYTES + stringBytes(key) + OBJECT_OVERHEAD_BYTES + stringBytes(reply.text())
                + stringBytes(reply.model()) + stringBytes(reply.stopReason()) + stringBytes(reply.stopDetails());
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }

    private static long stringBytes(String value) {
        return value == null ? 0 : OBJECT_OVERHEAD_BYTES + 2L * value.length();
    }

    /** Calls started by the delegate (this client makes none of its own). */
    @Override
    public long requestCount() {
        return delegate.requestCount();
    }

    /** Asks answered without a call of their own (see the class comment); 0 when disabled. */
    public long hits() {
        return cache == null ? 0 : cache.synchronous().stats().hitCount();
    }

    /** Asks that started a call; 0 when disabled. */
    public long misses() {
        return cache == null ? 0 : cache.synchronous().stats().missCount();
    }

    /** The sum of the estimated sizes of the answers held now, in bytes; 0 when disabled. */
    public long estimatedBytes() {
        if (cache == null) {
            return 0;
        }
        return cache.synchronous().policy().eviction().orElseThrow().weightedSize().orElse(0);
    }

    /** Runs Caffeine's pending maintenance (expiry, eviction) now instead of on a later access. */
    public void cleanUp() {
        if (cache != null) {
            cache.synchronous().cleanUp();
        }
    }

    /** The settings this cache was built with. */
    public CacheSettings settings() {
        return settings;
    }

    /** The layer this cache serves. */
    public String layer() {
        return layer;
    }

    /** The name of this cache in metrics: {@code <layer lower-case>-neuron-cache}. */
    public String cacheName() {
        return layer.toLowerCase(Locale.ROOT) + "-neuron-cache";
    }

    /**
     * Publishes Caffeine's Micrometer meters ({@code cache.gets{result=hit|miss}},
     * {@code cache.puts}, {@code cache.evictions}, {@code cache.size}, ...) tagged
     * {@code cache=<layer>-neuron-cache} and {@code layer=<layer>}. Does nothing when disabled.
     */
    public void bindMetrics(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (cache != null) {
            CaffeineCacheMetrics.monitor(registry, cache, cacheName(), "layer", layer);
        }
    }

    /** Drops the cached answers. Does <b>not</b> close the delegate, which is shared (see the class comment). */
    @Override
    public void close() {
        if (cache != null) {
            cache.synchronous().invalidateAll();
            cache.synchronous().cleanUp();
        }
    }

    @Override
    public String toString() {
        return "CachedNeuronClient[" + cacheName() + ", " + settings + "]";
    }
}
