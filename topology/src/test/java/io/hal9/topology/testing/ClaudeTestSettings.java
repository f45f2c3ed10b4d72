package io.hal9.topology.testing;

import java.time.Duration;

import io.hal9.neurons.claude.ClaudeSettings;
import io.hal9.neurons.claude.PromptCaching;

/**
 * Claude client settings for tests that talk to a simulator directly, without a {@code Hal9Config}:
 * a 10 s timeout, no SDK retries, the calls of one SDK client (64) at once, 5-minute prompt caching.
 */
public final class ClaudeTestSettings {

    private ClaudeTestSettings() {
    }

    public static ClaudeSettings of(String apiKey, String baseUrl) {
        return new ClaudeSettings(apiKey, baseUrl, Duration.ofSeconds(10), 0, 64, PromptCaching.FIVE_MINUTES);
    }
}
