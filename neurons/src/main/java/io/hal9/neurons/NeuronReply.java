package io.hal9.neurons;

/**
 * A neuron's answer: the text of the reply's text blocks joined, the model that answered (as the
 * API names it: for an alias, the dated snapshot, e.g. {@code claude-haiku-4-5-20251001}), the token usage the
 * service reported, its stop reason (e.g. {@code end_turn}, {@code max_tokens}), the wall-clock
 * latency of the call in milliseconds, whether it was served by a cache without a call of its own
 * ({@code cached}; usage and latency are then those of the call that produced the cached answer),
 * the account's rate limits as the response reported them ({@link RateLimits#NONE} for a cached
 * answer or a response without them), the input tokens written to and read from Anthropic's
 * prompt cache ({@code cache_creation_input_tokens}, {@code cache_read_input_tokens}; billed apart
 * from {@code inputTokens}, which excludes them; 0 when the response reported none), and what the
 * service said about why it stopped ({@code stopDetails}: a refusal's category and explanation,
 * {@code null} when it said nothing), the part of the cache writes with a 1-hour lifetime
 * ({@code cacheWrite1hInputTokens}, of {@code cache_creation.ephemeral_1h_input_tokens}; the rest
 * of {@code cacheCreationInputTokens} has the 5-minute one, each priced apart) and the output tokens
 * spent thinking before the answer ({@code thinkingTokens}, part of {@code outputTokens}: adaptive
 * thinking counts against {@code max_tokens}).
 *
 * <p><b>Answers that stop early.</b> Claude answers HTTP 200 with a stop reason that says whether
 * the answer is whole: {@link #MAX_TOKENS} (or {@link #MODEL_CONTEXT_WINDOW_EXCEEDED}) means the
 * output was cut off at its limit ({@link #truncated()}), {@link #REFUSAL} that Claude declined to
 * answer ({@link #refused()}); either way the answer is not {@link #complete()}. Any other stop reason
 * ({@link #END_TURN}, {@code stop_sequence}, an empty one) is a whole answer.
 */
public record NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
        long latencyMs, boolean cached, RateLimits rateLimits, long cacheCreationInputTokens,
        long cacheReadInputTokens, String stopDetails, long cacheWrite1hInputTokens, long thinkingTokens) {

    /** The model ended its answer. */
    public static final String END_TURN = "end_turn";
    /** The answer reached the request's {@code max_tokens} and was cut there. */
    public static final String MAX_TOKENS = "max_tokens";
    /** The answer reached the model's context window and was cut there. */
    public static final String MODEL_CONTEXT_WINDOW_EXCEEDED = "model_context_window_exceeded";
    /** Claude declined to answer (its safety policy); the text is empty or partial. */
    public static final String REFUSAL = "refusal";

    public NeuronReply {
        rateLimits = rateLimits == null ? RateLimits.NONE : rateLimits;
    }

    /** A reply whose cache writes all have the 5-minute lifetime, without thinking tokens. */
    public NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
            long latencyMs, boolean cached, RateLimits rateLimits, long cacheCreationInputTokens,
            long cacheReadInputTokens, String stopDetails) {
        this(text, model, inputTokens, outputTokens, stopReason, latencyMs, cached, rateLimits,
                cacheCreationInputTokens, cacheReadInputTokens, stopDetails, 0, 0);
    }

    /** Input tokens written to the prompt cache with the 5-minute lifetime. */
    public long cacheWrite5mInputTokens() {
        return Math.max(0, cacheCreationInputTokens - cacheWrite1hInputTokens);
    }

    /** A reply without prompt-cache tokens or stop details. */
    public NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
            long latencyMs, boolean cached, RateLimits rateLimits) {
        this(text, model, inputTokens, outputTokens, stopReason, latencyMs, cached, rateLimits, 0, 0, null);
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

    /** Whether the answer was cut off at an output limit: stop reason {@code max_tokens} or the context window. */
    public boolean truncated() {
        return MAX_TOKENS.equals(stopReason) || MODEL_CONTEXT_WINDOW_EXCEEDED.equals(stopReason);
    }

    /** Whether Claude declined to answer: stop reason {@code refusal}. */
    public boolean refused() {
        return REFUSAL.equals(stopReason);
    }

    /** Whether this is a whole answer: neither {@link #truncated()} nor {@link #refused()}. */
    public boolean complete() {
        return !truncated() && !refused();
    }

    /** The same reply marked as served from the cache: it says nothing about the account's limits now. */
    public NeuronReply asCached() {
        return cached ? this : new NeuronReply(text, model, inputTokens, outputTokens, stopReason, latencyMs, true,
                RateLimits.NONE, cacheCreationInputTokens, cacheReadInputTokens, stopDetails, cacheWrite1hInputTokens,
                thinkingTokens);
    }
}
