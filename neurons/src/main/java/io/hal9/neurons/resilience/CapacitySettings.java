package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Map;

/**
 * How a layer instance shares Claude's capacity ({@link ClaudeCapacity}). The values come from the
 * configuration, which holds their defaults; this record only checks them.
 *
 * @param ceiling         most calls in flight ({@code hal9.neuron.max.in.flight}); the live limit starts here
 * @param adaptive        false keeps the limit at the ceiling (no adaptation)
 * @param backoffRatio    factor of a decrease of the live limit
 * @param tolerance       drop share above the tolerated one that counts as excess
 * @param minWindow       shortest window the live limit is judged over
 * @param paceBelowShare  share of a rate-limit bucket left under which calls are paced to the bucket's refill
 * @param shares          the partitions of the live limit (kinds of work, e.g. lanes) and the share of it
 *                        each is sure of, 0 to 1 in all; empty for one partition
 */
public record CapacitySettings(int ceiling, boolean adaptive, double backoffRatio, double tolerance,
                               Duration minWindow, double paceBelowShare, Map<String, Double> shares) {

    /** One partition. */
    public CapacitySettings(int ceiling, boolean adaptive, double backoffRatio, double tolerance, Duration minWindow,
                            double paceBelowShare) {
        this(ceiling, adaptive, backoffRatio, tolerance, minWindow, paceBelowShare, Map.of());
    }

    /** The longest window, whatever the latency. */
    static final Duration MAX_WINDOW = Duration.ofSeconds(5);

    public CapacitySettings {
        if (ceiling < 1) {
            throw new IllegalArgumentException("ceiling must be at least 1, got " + ceiling);
        }
        shares = Map.copyOf(shares);
        double total = shares.values().stream().mapToDouble(Double::doubleValue).sum();
        if (shares.values().stream().anyMatch(share -> share < 0) || total > 1.0 + 1e-9) {
            throw new IllegalArgumentException("shares must be at least 0 and at most 1 in all, got " + shares);
        }
    }

    /** The same, the live limit partitioned by {@code newShares}. */
    public CapacitySettings withShares(Map<String, Double> newShares) {
        return new CapacitySettings(ceiling, adaptive, backoffRatio, tolerance, minWindow, paceBelowShare, newShares);
    }
}
