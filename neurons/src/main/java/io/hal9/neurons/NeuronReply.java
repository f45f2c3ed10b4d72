package io.hal9.neurons;

/**
 * A neuron's answer: the text of the reply's text blocks joined, the model that answered (as the
 * API names it: the dated snapshot, e.g. {@code claude-sonnet-4-5-20250929}), the token usage the
 * service reported, its stop reason (e.g. {@code end_turn}, {@code max_tokens}), the wall-clock
 * latency of the call in milliseconds, whether it was served by a cache without a call of its own
 * ({@code cached}; usage and latency are then those of the call that produced the cached answer),
 * the account's rate limits as the response reported them ({@link RateLimits#NONE} for a cached
 * answer or a response without them), and the input tokens written to and read from Anthropic's
 * prompt cache ({@code cache_creation_input_tokens}, {@code cache_read_input_tokens}; billed apart
 * from {@code inputTokens}, which excludes them; 0 when the response reported none).
 */
public record NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
        long latencyMs, boolean cached, RateLimits rateLimits, long cacheCreationInputTokens,
        long cacheReadInputTokens) {

    public NeuronReply {
        rateLimits = rateLimits == null ? RateLimits.NONE : rateLimits;
    }

    /** A reply without prompt-cache tokens. */
    public NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
            long latencyMs, boolean cached, RateLimits rateLimits) {
        this(text, model, inputTokens, outputTokens, stopReason, latencyMs, cached, rateLimits, 0, 0);
    }

    /** A reply fresh from a call ({@code cached} false), without rate-limit figures. */
    public NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
            long latencyMs) {
        this(text, model, inputTokens, outputTokens, stopReason, latencyMs, false, RateLimits.NONE);
    }

    /** A reply, without rate-limit figures. */
    public NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
            long latencyMs, boolean cached) {
        this(text, model, inputTokens, outputTokens, stopReason, latencyMs, cached, RateLimits.NONE);
    }

    /** The same reply marked as served from the cache: it says nothing about the account's limits now. */
    public NeuronReply asCached() {
        return cached ? this : new NeuronReply(text, model, inputTokens, outputTokens, stopReason, latencyMs, true,
                RateLimits.NONE, cacheCreationInputTokens, cacheReadInputTokens);
    }
}
