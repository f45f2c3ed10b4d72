package io.hal9.neurons;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClaudeSettingsTest {

    private static final String KEY = "sk-ant-api03-secret-value";

    @Test
    void shouldNeverShowTheKeyInToString() {
        ClaudeSettings settings = new ClaudeSettings(KEY, "http://127.0.0.1:1", Duration.ofSeconds(30), 2);

        assertThat(settings.toString()).doesNotContain(KEY).contains("apiKey=<set>");
        assertThat(settings.withApiKey(null).toString()).contains("apiKey=<unset>");
    }

    @Test
    void shouldReadTheKeyFromTheEnvironmentAndDefaultTheRest() {
        ClaudeSettings settings = ClaudeSettings.fromEnvironment(Map.of("ANTHROPIC_API_KEY", KEY), null);

        assertThat(settings.hasApiKey()).isTrue();
        assertThat(settings.apiKey()).isEqualTo(KEY);
        assertThat(settings.baseUrl()).isEqualTo("https://api.anthropic.com");
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.maxRetries()).isEqualTo(2);
    }

    @Test
    void shouldHaveNoKeyWhenTheEnvironmentHasNone() {
        ClaudeSettings settings = ClaudeSettings.fromEnvironment(Map.of(), "http://127.0.0.1:9");

        assertThat(settings.hasApiKey()).isFalse();
        assertThat(settings.baseUrl()).isEqualTo("http://127.0.0.1:9");
    }
}
