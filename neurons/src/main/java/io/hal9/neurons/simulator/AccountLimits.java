package io.hal9.neurons.simulator;

/**
 * An account's limits in the {@link ClaudeSimulator}, per API key, as Anthropic states them: requests,
 * input tokens and output tokens per minute. Each is a token bucket holding up to the per-minute
 * figure and refilling continuously at a sixtieth of it per second; 0 means no limit (and no
 * {@code anthropic-ratelimit-*} headers for that bucket).
 */
public record AccountLimits(long requestsPerMinute, long inputTokensPerMinute, long outputTokensPerMinute) {

    public AccountLimits {
        if (requestsPerMinute < 0 || inputTokensPerMinute < 0 || outputTokensPerMinute < 0) {
            throw new IllegalArgumentException("rate limits must be 0 (no limit) or more, got " + requestsPerMinute
                    + " requests, " + inputTokensPerMinute + " input tokens, " + outputTokensPerMinute
                    + " output tokens per minute");
        }
    }

    /** No limit at all. */
    public static AccountLimits none() {
        return new AccountLimits(0, 0, 0);
    }

    /** Whether any limit is set. */
    public boolean any() {
        return requestsPerMinute > 0 || inputTokensPerMinute > 0 || outputTokensPerMinute > 0;
    }
}
