package io.hal9.topology.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters of the start-up {@link ModelCheck}: {@code hal9_model_retirement_timestamp_seconds
 * {layer,model}}, when the model a layer asks retires (seconds since the epoch), for each layer
 * whose model has a retirement date, registered at start-up. An alert on
 * {@code hal9_model_retirement_timestamp_seconds - time() < 30 * 86400} gives a month's notice.
 */
public final class ModelMetrics {

    /** When a layer's model retires: the moment from which the API answers it with 404 ({@code _seconds}, epoch). */
    public static final String RETIREMENT = "hal9.model.retirement.timestamp";

    private ModelMetrics() {
    }

    /** Publishes the retirement time of every layer's model in {@code report} that has one and still answers. */
    public static void bind(MeterRegistry registry, ModelCheck.Report report) {
        for (ModelCheck.Finding finding : report.findings()) {
            if (finding.verdict() == ModelCheck.Verdict.REFUSED || finding.retires().isEmpty()) {
                continue;
            }
            long seconds = finding.retires().get().getEpochSecond();
            Gauge.builder(RETIREMENT, () -> seconds)
                    .description("When the layer's model retires (the API answers it with 404 from then on), "
                            + "seconds since the epoch; only for models with a retirement date")
                    .baseUnit("seconds")
                    .tag("layer", finding.layer())
                    .tag("model", finding.model())
                    .strongReference(true)
                    .register(registry);
        }
    }
}
