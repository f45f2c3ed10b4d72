package io.hal9.topology.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.hal9.topology.node.admin.Health;

import org.junit.jupiter.api.Test;

class DemoReportTest {

    private static Health.LayerHealth layer(String name, String neuron, String breaker, String lastFailure) {
        return new Health.LayerHealth(name, "normal", "hal9-" + name.toLowerCase(), "RUNNING", neuron, breaker, 0.0, 0, 3,
                lastFailure);
    }

    @Test
    void shouldSayWhySignalsAreUnfinishedForEachLayerWithAFailure() {
        List<String> why = DemoReport.whyUnfinished(List.of(
                // a layer with nothing to report is left out
                layer("L2", "OK", "CLOSED", null),
                layer("L3", "OK", "OPEN", "TRANSIENT: I/O failure calling Claude: cannot resolve api.anthropic.com"),
                layer("L4", "OK", "CLOSED", "RATE_LIMITED: Claude answered HTTP 429: slow down, retry-after 12 s"),
                layer("GAME", Health.NONE, Health.NONE, null)));

        assertThat(why).containsExactly(
                "L3: breaker OPEN, last failure TRANSIENT: I/O failure calling Claude: cannot resolve api.anthropic.com",
                "L4: last failure RATE_LIMITED: Claude answered HTTP 429: slow down, retry-after 12 s");
    }

    @Test
    void shouldNameARejectedKey() {
        assertThat(DemoReport.whyUnfinished(List.of(layer("L2", "KEY_REJECTED", "CLOSED",
                "AUTH: Claude answered HTTP 401: invalid x-api-key"))))
                .containsExactly("L2: key rejected, last failure AUTH: Claude answered HTTP 401: invalid x-api-key");
    }

    @Test
    void shouldNameABillingRefusalAndAnUnknownModel() {
        assertThat(DemoReport.whyUnfinished(List.of(
                layer("L2", "BILLING_BLOCKED", "CLOSED", null),
                layer("L3", "MODEL_NOT_FOUND", "CLOSED", null))))
                .containsExactly("L2: billing blocked", "L3: model not found");
    }

    @Test
    void shouldSayNothingWhenNoLayerFailed() {
        assertThat(DemoReport.whyUnfinished(List.of(layer("L2", "OK", "CLOSED", null)))).isEmpty();
    }
}
