package io.hal9.topology.node;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of predictive scaling. Per layer, tagged {@code layer} only (the figures are the
 * layer's, all lanes together), read from its {@link ForecastSampler} at every scrape:
 * {@code hal9_desired_replicas}, {@code hal9_arrival_rate}, {@code hal9_input_record_share},
 * {@code hal9_arrival_rate_forecast}, {@code hal9_instance_capacity} and
 * {@code hal9_autoscale_lead_seconds}. Per process, without tags: {@code hal9_startup_seconds}.
 * All exist from start-up.
 */
public final class AutoscaleMetrics {

    /** The replicas the layer will need once a pod asked for now is ready (0: not known, other triggers decide). */
    public static final String DESIRED_REPLICAS = "hal9.desired.replicas";
    /** Smoothed signals per second arriving on the layer's input topics, all lanes. */
    public static final String ARRIVAL_RATE = "hal9.arrival.rate";
    /**
     * The share of the input's new offsets that are records (the rest: transaction markers and
     * aborted records), learnt from what this instance's tasks read; the arrival rate counts that share.
     */
    public static final String INPUT_RECORD_SHARE = "hal9.input.record.share";
    /** The arrival rate forecast at the lead time, signals per second. */
    public static final String ARRIVAL_RATE_FORECAST = "hal9.arrival.rate.forecast";
    /** Signals per second one instance of the layer can finish now (0: not known). */
    public static final String INSTANCE_CAPACITY = "hal9.instance.capacity";
    /** The forecast's lead time: pod start-up plus the autoscaler's reaction ({@code _seconds}). */
    public static final String LEAD = "hal9.autoscale.lead";
    /** The process's start-up: JVM start to the first moment it was ready ({@code _seconds}; NaN until then). */
    public static final String STARTUP = "hal9.startup";

    private AutoscaleMetrics() {
    }

    /** Publishes {@code sampler}'s figures, tagged with its layer. */
    public static void bind(MeterRegistry registry, ForecastSampler sampler) {
        bind(registry, sampler.layer(), sampler::figures);
    }

    /** Publishes the figures of layer {@code layer}, read from {@code figures} at every scrape. */
    public static void bind(MeterRegistry registry, String layer, Supplier<ForecastSampler.Figures> figures) {
        gauge(registry, DESIRED_REPLICAS, layer, figures, f -> f.desiredReplicas(), null,
                "Replicas the layer will need once a pod asked for now is ready: the arrival rate forecast at the "
                        + "lead time plus the lag to drain, over the instance capacity at the target utilization, at "
                        + "most the input's partitions; 0 when not known");
        gauge(registry, ARRIVAL_RATE, layer, figures, ForecastSampler.Figures::arrivalRate, null,
                "Smoothed signals per second arriving on the layer's input topics, all lanes");
        gauge(registry, INPUT_RECORD_SHARE, layer, figures, ForecastSampler.Figures::recordShare, null,
                "Share of the layer's new input offsets that are records, not transaction markers or aborted "
                        + "records: the records this instance's tasks read over the offsets they spanned, smoothed; "
                        + "1 while not known. The arrival rate counts this share of the end offsets' growth");
        gauge(registry, ARRIVAL_RATE_FORECAST, layer, figures, ForecastSampler.Figures::forecastRate, null,
                "Signals per second forecast to arrive at the lead time (Holt's linear trend)");
        gauge(registry, INSTANCE_CAPACITY, layer, figures, ForecastSampler.Figures::capacity, null,
                "Signals per second one instance of the layer can finish now: the lower of its live Claude limit "
                        + "over the mean call latency and its measured rate at that limit; 0 when not known");
        gauge(registry, LEAD, layer, figures, f -> f.lead().toMillis() / 1000.0, "seconds",
                "Lead time of the forecast: pod start-up plus the autoscaler's reaction");
    }

    private static void gauge(MeterRegistry registry, String name, String layer,
                              Supplier<ForecastSampler.Figures> figures, ToDoubleFunction<ForecastSampler.Figures> value,
                              String unit, String description) {
        Gauge.builder(name, figures, f -> value.applyAsDouble(f.get()))
                .description(description)
                .baseUnit(unit)
                .tag("layer", layer)
                .strongReference(true)
                .register(registry);
    }

    /** Publishes the process's start-up, NaN until it has been ready. */
    public static void bindStartup(MeterRegistry registry, Supplier<Optional<Duration>> startup) {
        Gauge.builder(STARTUP, startup, s -> s.get().map(d -> d.toMillis() / 1000.0).orElse(Double.NaN))
                .description("Start-up of this process: from the JVM's start to the first moment it was ready "
                        + "(every layer running, its stores restored); NaN until then")
                .baseUnit("seconds")
                .strongReference(true)
                .register(registry);
    }
}
