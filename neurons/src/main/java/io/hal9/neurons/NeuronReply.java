package io.hal9.neurons;

import io.hal9.neurons.resilience.CachedNeuronClient;

/**
 * A neuron's answer: the text of the reply's text blocks joined, the model that answered, the
 * token usage the service reported, its stop reason (e.g. {@code end_turn}, {@code max_tokens}),
 * the wall-clock latency of the call in milliseconds, and whether it was served by a
 * {@link CachedNeuronClient} without a call of its own ({@code cached}; usage and latency are then
 * those of the call that produced the cached answer).
 */
public record NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
        long latencyMs, boolean cached) {

    /** A reply fresh from a call ({@code cached} false). */
    public NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
            long latencyMs) {
        this(text, model, inputTokens, outputTokens, stopReason, latencyMs, false);
    }

    /** The same reply marked as served from the cache. */
    public NeuronReply asCached() {
        return cached ? this : new NeuronReply(text, model, inputTokens, outputTokens, stopReason, latencyMs, true);
    }
}
