package io.hal9.topology.config;

import java.time.Duration;
import java.util.Optional;

import io.hal9.topology.autoscale.ReplicaForecast;

/**
 * How a layer forecasts the replicas it will need ({@code hal9.autoscale.*}; built by
 * {@link Hal9Settings#autoscale(Hal9Config)}).
 *
 * @param sampleInterval how often the layer samples its input's end offsets and lag
 * @param startup        a pod's start-up, from its start to ready; zero: what the process measured of
 *                       its own ({@link #STARTUP_UNTIL_MEASURED} until it has)
 * @param reaction       how long the autoscaler takes to act on a figure (polling plus stabilization)
 * @param forecast       the forecast's smoothing, target utilization and lag drain time
 */
public record AutoscaleSettings(Duration sampleInterval, Duration startup, Duration reaction,
                                ReplicaForecast.Settings forecast) {

    /** The start-up the lead time counts before the process has measured its own. */
    public static final Duration STARTUP_UNTIL_MEASURED = Duration.ofSeconds(60);

    /**
     * The forecast's lead time: from asking for a pod to its being ready, i.e. the start-up (the
     * configured one, else {@code measured}, else {@link #STARTUP_UNTIL_MEASURED}) plus the
     * autoscaler's reaction.
     */
    public Duration lead(Optional<Duration> measured) {
        Duration start = !startup.isZero() ? startup : measured.orElse(STARTUP_UNTIL_MEASURED);
        return start.plus(reaction);
    }
}
