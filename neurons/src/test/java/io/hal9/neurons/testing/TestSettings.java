package io.hal9.neurons.testing;

import java.time.Duration;

import io.hal9.neurons.claude.ClaudeSettings;
import io.hal9.neurons.claude.PromptCaching;
import io.hal9.neurons.resilience.BreakerSettings;
import io.hal9.neurons.resilience.CacheSettings;
import io.hal9.neurons.resilience.CapacitySettings;

/**
 * Settings for the tests of this module, with the values of HAL9's defaults ({@code Hal9Config}
 * in the topology module, which this module cannot see; {@code Hal9ConfigTest} there checks that
 * Hal9Settings builds the same from the defaults). Production code gets its settings from the
 * configuration only.
 */
public final class TestSettings {

    /** The calls one anthropic-java client carries at once. */
    public static final int ONE_SDK_CLIENT = 64;

    private TestSettings() {
    }

    /** Claude at {@code baseUrl}, carrying {@value #ONE_SDK_CLIENT} calls at once, with 5-minute prompt caching. */
    public static ClaudeSettings claude(String apiKey, String baseUrl, Duration timeout, int maxRetries) {
        return claude(apiKey, baseUrl, timeout, maxRetries, ONE_SDK_CLIENT);
    }

    /** Claude at {@code baseUrl}, carrying {@code maxConcurrency} calls at once, with 5-minute prompt caching. */
    public static ClaudeSettings claude(String apiKey, String baseUrl, Duration timeout, int maxRetries,
                                        int maxConcurrency) {
        return new ClaudeSettings(apiKey, baseUrl, timeout, maxRetries, maxConcurrency, PromptCaching.FIVE_MINUTES);
    }

    /**
     * HAL9's breaker: a 10 s window, at least 20 calls, 80 % failed; or 3 failures and no success
     * for 5 s; open 1 s first, then 1.5 times longer per failed trial, up to 2 s; 3 trial calls.
     */
    public static BreakerSettings breaker() {
        return new BreakerSettings(Duration.ofSeconds(10), 20, 80f, Duration.ofSeconds(5), 3, Duration.ofSeconds(1),
                Duration.ofSeconds(2), 1.5, 3);
    }

    /**
     * HAL9's cache of a bundled layer: enabled, TTL L2 10 min, L3 5 min, L4 2 min, 64 MiB.
     *
     * @throws IllegalArgumentException for a layer other than L2, L3 or L4
     */
    public static CacheSettings cache(String layer) {
        Duration ttl = switch (layer) {
            case "L2" -> Duration.ofMinutes(10);
            case "L3" -> Duration.ofMinutes(5);
            case "L4" -> Duration.ofMinutes(2);
            default -> throw new IllegalArgumentException("no cache settings for layer " + layer);
        };
        return new CacheSettings(true, ttl, 64L * 1024 * 1024);
    }

    /** HAL9's adaptive capacity from {@code ceiling}: backoff 0.75, tolerance 0.05, windows of at least 250 ms, pacing below 5 %. */
    public static CapacitySettings capacity(int ceiling) {
        return new CapacitySettings(ceiling, true, 0.75, 0.05, Duration.ofMillis(250), 0.05);
    }
}
