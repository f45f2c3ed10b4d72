package io.hal9.neurons.claude;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach Claude: API key, base URL, per-request timeout and the SDK's own retry count.
 *
 * <p>Both the timeout and the retry count are always passed to the SDK explicitly (its own
 * defaults are a 10-minute timeout and 2 retries). {@link #toString()} never shows the key. The
 * values come from the configuration, which holds their defaults; this record only checks them.
 *
 * <p>{@code maxConcurrency} is how many calls the {@link ClaudeNeuronClient} built from these
 * settings must carry at the same time (the neuron stage's {@code hal9.neuron.max.in.flight});
 * the client sizes its HTTP layer from it.
 *
 * @param apiKey         the Anthropic API key, {@code null} or blank when none is configured
 * @param baseUrl        the Messages API base URL: Anthropic's API or a simulator's
 * @param timeout        the timeout of one HTTP request
 * @param maxRetries     how often the SDK itself retries 408/409/429/5xx before the call fails
 * @param maxConcurrency how many calls the client must carry in flight at once, at least 1
 * @param promptCaching  whether requests turn on automatic prompt caching for the system prompt
 */
public record ClaudeSettings(String apiKey, String baseUrl, Duration timeout, int maxRetries, int maxConcurrency,
        PromptCaching promptCaching) {

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
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException(
                    "maxConcurrency (calls in flight per client) must be >= 1, got " + maxConcurrency);
        }
        Objects.requireNonNull(promptCaching, "promptCaching");
    }

    /** Whether a non-blank key is configured. */
    public boolean hasApiKey() {
        return apiKey != null && !apiKey.isBlank();
    }

    public ClaudeSettings withApiKey(String key) {
        return new ClaudeSettings(key, baseUrl, timeout, maxRetries, maxConcurrency, promptCaching);
    }

    public ClaudeSettings withTimeout(Duration newTimeout) {
        return new ClaudeSettings(apiKey, baseUrl, newTimeout, maxRetries, maxConcurrency, promptCaching);
    }

    public ClaudeSettings withMaxRetries(int retries) {
        return new ClaudeSettings(apiKey, baseUrl, timeout, retries, maxConcurrency, promptCaching);
    }

    /**
     * The same settings for a client that carries {@code calls} calls in flight at once.
     *
     * @throws IllegalArgumentException when {@code calls} is below 1
     */
    public ClaudeSettings withMaxConcurrency(int calls) {
        return new ClaudeSettings(apiKey, baseUrl, timeout, maxRetries, calls, promptCaching);
    }

    /** The same settings with {@code caching} for the system prompt. */
    public ClaudeSettings withPromptCaching(PromptCaching caching) {
        return new ClaudeSettings(apiKey, baseUrl, timeout, maxRetries, maxConcurrency, caching);
    }

    /** Shows whether a key is set, never the key itself. */
    @Override
    public String toString() {
        return "ClaudeSettings[apiKey=" + (hasApiKey() ? "<set>" : "<unset>") + ", baseUrl=" + baseUrl
                + ", timeout=" + timeout + ", maxRetries=" + maxRetries + ", maxConcurrency=" + maxConcurrency + ", promptCaching=" + promptCaching + "]";
    }
}
