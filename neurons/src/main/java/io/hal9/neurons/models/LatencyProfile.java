package io.hal9.neurons.models;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a model takes to answer: the time to the first token and the rate of output tokens
 * after it. Anthropic publishes latency classes ("Fastest", "Fast", "Moderate", "Slower"), not
 * figures; {@code source} says where the figures of an entry come from.
 */
public record LatencyProfile(long firstTokenMs, double outputTokensPerSecond, String source) {

    public LatencyProfile {
        Objects.requireNonNull(source, "source");
        if (firstTokenMs < 0) {
            throw new IllegalArgumentException("first token time must be >= 0 ms, got " + firstTokenMs);
        }
        if (!(outputTokensPerSecond > 0) || Double.isInfinite(outputTokensPerSecond)) {
            throw new IllegalArgumentException("output tokens per second must be > 0, got " + outputTokensPerSecond);
        }
    }

    /** How long an answer of {@code outputTokens} tokens (thinking included) takes: first token, then the rest. */
    public Duration answerTime(long outputTokens) {
        return Duration.ofMillis(firstTokenMs + Math.round(Math.max(0, outputTokens) * 1000.0 / outputTokensPerSecond));
    }
}
