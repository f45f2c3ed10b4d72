package io.hal9.topology.config;

import java.time.Duration;

/**
 * How a layer's neuron stage runs (the {@code hal9.neuron.*} settings; built by
 * {@link Hal9Settings#stage(Hal9Config)}).
 *
 * @param async          true for the non-blocking stage, false for the blocking baseline
 * @param maxInFlight    Claude calls in flight at once per instance
 * @param maxPending     signals in flight plus waiting per instance before back-pressure
 * @param orderByKey     true when a signal waits for the previous one with the same key
 * @param maxAttempts    Claude calls a signal may make before a retryable failure dead-letters it
 * @param backoff        first retry delay, doubled per attempt
 * @param maxBackoff     longest retry delay
 * @param shutdownGrace  how long in-flight calls may finish on close
 * @param authRetry      how long signals wait after Claude rejected the API key
 * @param contentRouting true when the layer routes signals by their cache key and keeps its answers
 *                       in a changelogged store ({@code hal9.cache.routing=content} with the cache on
 *                       and the async stage)
 * @param cacheMaxBytes  the bytes the answer stores of one layer instance may hold ({@code hal9.cache.max.bytes})
 */
public record StageSettings(boolean async, int maxInFlight, int maxPending, boolean orderByKey, int maxAttempts,
                            Duration backoff, Duration maxBackoff, Duration shutdownGrace, Duration authRetry,
                            boolean contentRouting, long cacheMaxBytes) {
}
