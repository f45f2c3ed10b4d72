package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CachedNeuronClient} caches a layer's answers: on or off, how long an answer stays
 * valid after it was written ({@code ttl}), and how many bytes the layer's cache may hold
 * ({@code maxBytes}, an estimate of the retained size of keys and replies; see
 * {@link CachedNeuronClient}).
 *
 * <p>The values come from the configuration, which holds their defaults (per layer); this record
 * only checks them. Change the TTL when answers of a layer go stale faster or slower (a layer whose
 * prompt depends on fast-moving state wants a shorter one); change {@code maxBytes} with the pod's
 * memory limit (the cache is on the heap).
 *
 * @param enabled  whether answers are cached at all; when off the client passes every call through
 * @param ttl      how long an answer is served after it was written, positive
 * @param maxBytes the estimated bytes the cache may retain, positive
 */
public record CacheSettings(boolean enabled, Duration ttl, long maxBytes) {

    public CacheSettings {
        Objects.requireNonNull(ttl, "cache ttl must not be null");
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("cache ttl must be positive, got " + ttl);
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("cache maxBytes must be positive, got " + maxBytes);
        }
    }

    public CacheSettings withEnabled(boolean on) {
        return new CacheSettings(on, ttl, maxBytes);
    }

    public CacheSettings withTtl(Duration newTtl) {
        return new CacheSettings(enabled, newTtl, maxBytes);
    }

    public CacheSettings withMaxBytes(long newMaxBytes) {
        return new CacheSettings(enabled, ttl, newMaxBytes);
    }
}
