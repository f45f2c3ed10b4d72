package io.hal9.neurons.claude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.hal9.neurons.testing.TestSettings;

import org.junit.jupiter.api.Test;

class ClaudeSettingsTest {

    private static final String KEY = "sk-ant-api03-secret-value";

    @Test
    void shouldNeverShowTheKeyInToString() {
        ClaudeSettings settings = TestSettings.claude(KEY, "http://127.0.0.1:1", Duration.ofSeconds(30), 2);

        assertThat(settings.toString()).doesNotContain(KEY).contains("apiKey=<set>");
        assertThat(settings.withApiKey(null).toString()).contains("apiKey=<unset>");
    }

    @Test
    void shouldChangeOnlyTheConcurrencyWithMaxConcurrency() {
        ClaudeSettings settings = TestSettings.claude(KEY, "http://127.0.0.1:1", Duration.ofSeconds(5), 1);

        ClaudeSettings wide = settings.withMaxConcurrency(1024);

        assertThat(wide).isEqualTo(TestSettings.claude(KEY, "http://127.0.0.1:1", Duration.ofSeconds(5), 1, 1024));
        assertThat(wide.withApiKey("other").maxConcurrency()).isEqualTo(1024);
        assertThat(wide.withTimeout(Duration.ofSeconds(9)).maxConcurrency()).isEqualTo(1024);
        assertThat(wide.withMaxRetries(0).maxConcurrency()).isEqualTo(1024);
        assertThat(settings.withMaxConcurrency(1).maxConcurrency()).isEqualTo(1);
    }

    @Test
    void shouldRejectAConcurrencyBelowOne() {
        ClaudeSettings settings = TestSettings.claude(KEY, "http://127.0.0.1:1", Duration.ofSeconds(30), 2);

        assertThatThrownBy(() -> settings.withMaxConcurrency(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxConcurrency (calls in flight per client) must be >= 1, got 0");
        assertThatThrownBy(() -> TestSettings.claude(KEY, "http://127.0.0.1:1", Duration.ofSeconds(30), 2, -5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxConcurrency")
                .hasMessageContaining("got -5");
    }

    @Test
    void shouldShowTheConcurrencyButNeverTheKey() {
        ClaudeSettings settings = TestSettings.claude(KEY, "http://127.0.0.1:1", Duration.ofSeconds(30), 2)
                .withMaxConcurrency(300);

        assertThat(settings.toString()).doesNotContain(KEY).contains("apiKey=<set>").contains("maxConcurrency=300");
        assertThat(settings.withApiKey(null).toString()).contains("apiKey=<unset>");
    }
}
