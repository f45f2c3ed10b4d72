package io.hal9.neurons;

/**
 * A neuron's answer: the text of the reply's text blocks joined, the model that answered, the
 * token usage the service reported, its stop reason (e.g. {@code end_turn}, {@code max_tokens})
 * and the wall-clock latency of the call in milliseconds.
 */
public record NeuronReply(String text, String model, long inputTokens, long outputTokens, String stopReason,
        long latencyMs) {
}
