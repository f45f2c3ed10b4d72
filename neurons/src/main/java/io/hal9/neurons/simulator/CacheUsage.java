package io.hal9.neurons.simulator;

/**
 * Fixed prompt-cache figures for every answer of the {@link ClaudeSimulator}
 * ({@link SimulatorOptions#withCacheUsage(CacheUsage)}), in place of its simulated prompt cache:
 * {@code cache_creation_input_tokens} (input tokens written to the cache, reported as 5-minute
 * writes in {@code cache_creation}) and {@code cache_read_input_tokens} (input tokens read from
 * it), besides {@code input_tokens}.
 */
public record CacheUsage(long creationInputTokens, long readInputTokens) {

    /** No cache use: both 0, as the API reports for a request without {@code cache_control}. */
    public static final CacheUsage NONE = new CacheUsage(0, 0);

    public CacheUsage {
        if (creationInputTokens < 0 || readInputTokens < 0) {
            throw new IllegalArgumentException("cache tokens must be 0 or more, got " + creationInputTokens
                    + " written and " + readInputTokens + " read");
        }
    }
}
