package io.hal9.neurons;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How to reach Claude: API key, base URL, per-request timeout and the SDK's own retry count.
 *
 * <p>Both the timeout and the retry count are always passed to the SDK explicitly (its own
 * defaults are a 10-minute timeout and 2 retries). {@link #toString()} never shows the key.
 *
 * @param apiKey     the Anthropic API key, {@code null} or blank when none is configured
 * @param baseUrl    the Messages API base URL, e.g. {@value #DEFAULT_BASE_URL} or a simulator's
 * @param timeout    the timeout of one HTTP request
 * @param maxRetries how often the SDK itself retries 408/409/429/5xx before the call fails
 */
public record ClaudeSettings(String apiKey, String baseUrl, Duration timeout, int maxRetries) {

    /** The public Anthropic API. */
    public static final String DEFAULT_BASE_URL = "https://api.anthropic.com";
    /** A neuron call that takes longer than this counts as a timeout (HAL9: 30 s). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Retries inside the SDK; the neuron stage adds its own backoff on top. */
    public static final int DEFAULT_MAX_RETRIES = 2;
    /** The environment variable holding the key. */
    public static final String API_KEY_ENV = "ANTHROPIC_API_KEY";

    public ClaudeSettings {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
        }
    }

    /**
     * Settings with the key from {@code ANTHROPIC_API_KEY}, the given base URL (the public API
     * when {@code null}), the default timeout and retries.
     */
    public static ClaudeSettings fromEnvironment(String baseUrlOrNull) {
        return fromEnvironment(System.getenv(), baseUrlOrNull);
    }

    static ClaudeSettings fromEnvironment(Map<String, String> environment, String baseUrlOrNull) {
        String baseUrl = baseUrlOrNull == null || baseUrlOrNull.isBlank() ? DEFAULT_BASE_URL : baseUrlOrNull;
        return new ClaudeSettings(environment.get(API_KEY_ENV), baseUrl, DEFAULT_TIMEOUT, DEFAULT_MAX_RETRIES);
    }

    /** Whether a non-blank key is configured. */
    public boolean hasApiKey() {
        return apiKey != null && !apiKey.isBlank();
    }

    public ClaudeSettings withApiKey(String key) {
        return new ClaudeSettings(key, baseUrl, timeout, maxRetries);
    }

    public ClaudeSettings withTimeout(Duration newTimeout) {
        return new ClaudeSettings(apiKey, baseUrl, newTimeout, maxRetries);
    }

    public ClaudeSettings withMaxRetries(int retries) {
        return new ClaudeSettings(apiKey, baseUrl, timeout, retries);
    }

    /** Shows whether a key is set, never the key itself. */
    @Override
    public String toString() {
        return "ClaudeSettings[apiKey=" + (hasApiKey() ? "<set>" : "<unset>") + ", baseUrl=" + baseUrl
                + ", timeout=" + timeout + ", maxRetries=" + maxRetries + "]";
    }
}
