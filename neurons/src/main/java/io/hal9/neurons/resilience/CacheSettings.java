package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Objects;

import io.hal9.neurons.LayerProfile;

/**
 * How a {@link CachedNeuronClient} caches a layer's answers: on or off, how long an answer stays
 * valid after it was written ({@code ttl}), and how many bytes the layer's cache may hold
 * ({@code maxBytes}, an estimate of the retained size of keys and replies; see
 * {@link CachedNeuronClient}).
 *
 * <p>{@link #forLayer(String)} gives HAL9's values: L2 10 min, L3 5 min, L4 2 min, 64 MiB each.
 * Change the TTL when answers of a layer go stale faster or slower than that (a layer whose prompt
 * depends on fast-moving state wants a shorter one); change {@code maxBytes} with the pod's memory
 * limit (the cache is on the heap).
 *
 * @param enabled  whether answers are cached at all; when off the client passes every call through
 * @param ttl      how long an answer is served after it was written, positive
 * @param maxBytes the estimated bytes the cache may retain, positive
 */
public record CacheSettings(boolean enabled, Duration ttl, long maxBytes) {

    /** HAL9's bound per layer: 64 MiB. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

    public CacheSettings {
        Objects.requireNonNull(ttl, "cache ttl must not be null");
        if (ttl.isZero() || ttl.isNegative()) {
            throw new IllegalArgumentException("cache ttl must be positive, got " + ttl);
        }
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("cache maxBytes must be positive, got " + maxBytes);
        }
    }

    /**
     * HAL9's cache of a layer: enabled, TTL L2 10 min, L3 5 min, L4 2 min, {@value #DEFAULT_MAX_BYTES}
     * bytes.
     *
     * @throws IllegalArgumentException for a layer other than L2, L3 or L4
     */
    public static CacheSettings forLayer(String layer) {
        Duration ttl = switch (layer == null ? "" : layer) {
            case "L2" -> Duration.ofMinutes(10);
            case "L3" -> Duration.ofMinutes(5);
            case "L4" -> Duration.ofMinutes(2);
            default -> throw new IllegalArgumentException(
                    "no cache defaults for layer '" + layer + "'; known layers: " + LayerProfile.KNOWN_LAYERS);
        };
        return new CacheSettings(true, ttl, DEFAULT_MAX_BYTES);
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
