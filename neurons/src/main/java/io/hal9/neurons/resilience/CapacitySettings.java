package io.hal9.neurons.resilience;

import java.time.Duration;

/**
 * How a layer instance shares Claude's capacity ({@link ClaudeCapacity}).
 *
 * @param ceiling         most calls in flight ({@code hal9.neuron.max.in.flight}); the live limit starts here
 * @param adaptive        false keeps the limit at the ceiling (no adaptation)
 * @param backoffRatio    factor of a decrease of the live limit
 * @param tolerance       drop share above the tolerated one that counts as excess
 * @param minWindow       shortest window the live limit is judged over
 * @param paceBelowShare  share of a rate-limit bucket left under which calls are paced to the bucket's refill
 */
public record CapacitySettings(int ceiling, boolean adaptive, double backoffRatio, double tolerance,
                               Duration minWindow, double paceBelowShare) {

    /** The longest window, whatever the latency. */
    static final Duration MAX_WINDOW = Duration.ofSeconds(5);

    public CapacitySettings {
        if (ceiling < 1) {
            throw new IllegalArgumentException("ceiling must be at least 1, got " + ceiling);
        }
    }

    /** Adaptive, from {@code ceiling}: backoff 0.75, tolerance 0.05, windows of at least 250 ms, pacing below 5 %. */
    public static CapacitySettings defaults(int ceiling) {
        return new CapacitySettings(ceiling, true, 0.75, 0.05, Duration.ofMillis(250), 0.05);
    }
}
