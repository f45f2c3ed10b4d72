package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.hal9.topology.config.Hal9Config;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.junit.jupiter.api.Test;

/** The retirement time of each layer's model, as Prometheus scrapes it. */
class ModelMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void shouldPublishTheRetirementTimeOfADeprecatedModelPerLayer() {
        // Given L3 asks Sonnet 4.5 a month before it retires (2026-11-30), L2 and L4 current models
        ModelCheck.Report report = check(Map.of("hal9.l3.model", "claude-sonnet-4-5"), "2026-11-01T09:00:00Z");

        // When the process registers its meters
        ModelMetrics.bind(registry, report);

        // Then L3's gauge holds the start of its retirement day (1795996800 s), and no other layer has one
        String scrape = registry.scrape();
        assertThat(scrape).contains("hal9_model_retirement_timestamp_seconds{layer=\"L3\",model=\"claude-sonnet-4-5\"} "
                + "1.7959968E9");
        assertThat(registry.find(ModelMetrics.RETIREMENT).gauges()).hasSize(1);
        assertThat(registry.get(ModelMetrics.RETIREMENT).tag("layer", "L3").gauge().value())
                .isEqualTo(Instant.parse("2026-11-30T00:00:00Z").getEpochSecond());
    }

    @Test
    void shouldPublishNothingForModelsWithoutARetirementDate() {
        // legacy Haiku 4.5 has no announced date; the current models none either
        ModelMetrics.bind(registry, check(Map.of("hal9.l2.model", "claude-haiku-4-5"), "2026-12-07T09:00:00Z"));

        assertThat(registry.find(ModelMetrics.RETIREMENT).gauges()).isEmpty();
        assertThat(registry.scrape()).doesNotContain("hal9_model_retirement");
    }

    private static ModelCheck.Report check(Map<String, Object> settings, String now) {
        Hal9Config config = Hal9Config.of(settings);
        return ModelCheck.of(config, null, Clock.fixed(Instant.parse(now), ZoneOffset.UTC)).check(List.of("L2", "L3", "L4"));
    }
}
