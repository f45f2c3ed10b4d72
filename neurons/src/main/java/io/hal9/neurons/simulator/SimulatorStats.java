package io.hal9.neurons.simulator;

/**
 * What the {@link ClaudeSimulator} has seen since it started (also served as JSON on
 * {@code GET /sim/stats}).
 *
 * @param calls             requests received on {@code /v1/messages}, whatever their outcome
 * @param rateLimited       429 answers sent (account limits and injected 429s alike)
 * @param overloaded        529 answers sent (capacity and injected 529s alike)
 * @param insideRetryAfter  calls that arrived with an API key while a {@code retry-after} the
 *                          simulator had sent to that key was still running: a client ignoring it
 * @param refused           answers sent with {@code stop_reason} {@code refusal}
 * @param truncated         answers sent with {@code stop_reason} {@code max_tokens}: cut at the
 *                          request's {@code max_tokens}
 * @param promptCacheWrites answers that wrote their prompt prefix to the prompt cache
 *                          ({@code cache_creation_input_tokens} &gt; 0)
 * @param promptCacheReads  answers that read their prompt prefix from the prompt cache
 *                          ({@code cache_read_input_tokens} &gt; 0)
 * @param thinkingTokens    output tokens spent on thinking, over all answers sent
 */
public record SimulatorStats(long calls, long rateLimited, long overloaded, long insideRetryAfter, long refused,
        long truncated, long promptCacheWrites, long promptCacheReads, long thinkingTokens) {

    /** Stats without refused or truncated answers, prompt-cache use or thinking. */
    public SimulatorStats(long calls, long rateLimited, long overloaded, long insideRetryAfter) {
        this(calls, rateLimited, overloaded, insideRetryAfter, 0, 0);
    }

    /** Stats without prompt-cache use or thinking. */
    public SimulatorStats(long calls, long rateLimited, long overloaded, long insideRetryAfter, long refused,
            long truncated) {
        this(calls, rateLimited, overloaded, insideRetryAfter, refused, truncated, 0, 0, 0);
    }
}
