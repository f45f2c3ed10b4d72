package io.hal9.neurons.models;

/**
 * How a model thinks before it answers (platform.claude.com, the model's overview page and
 * migration guide).
 */
public enum Thinking {
    /**
     * Adaptive thinking, on by default: the model decides how much to think, steered by
     * {@code output_config.effort}; thinking tokens count against {@code max_tokens}, and a
     * response may begin with a thinking block even when the request says nothing of thinking.
     */
    ADAPTIVE,
    /**
     * Adaptive thinking when the request asks for it ({@code {"type":"adaptive"}}), no thinking
     * otherwise (the 4.6 models).
     */
    ADAPTIVE_ON_REQUEST,
    /** Extended thinking: off unless the request turns it on with a token budget. */
    EXTENDED,
    /** The model does not think before it answers. */
    NONE;

    /** Whether an answer spends output tokens on thinking when the request says nothing of it. */
    public boolean onByDefault() {
        return this == ADAPTIVE;
    }
}
