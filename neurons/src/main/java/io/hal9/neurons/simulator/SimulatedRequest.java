package io.hal9.neurons.simulator;

/**
 * A Messages request as the {@link ClaudeSimulator} understood it, handed to a {@link FaultPlan}:
 * its 1-based arrival number among {@code /v1/messages} requests, the model, the system prompt
 * (empty when none) and the text of the first user message.
 */
public record SimulatedRequest(long sequence, String model, String system, String content) {
}
