package io.hal9.neurons.simulator;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An error the {@link ClaudeSimulator} answers instead of a message: the HTTP status, the
 * Anthropic error type (e.g. {@code rate_limit_error}, {@code overloaded_error}) and message, an
 * optional {@code retry-after} header, and how long to wait before answering (a delay longer than
 * the client's timeout simulates a hang).
 */
public record SimulatedFault(int status, String errorType, String message, Optional<Duration> retryAfter,
        Duration delay) {

    public SimulatedFault {
        Objects.requireNonNull(errorType, "errorType");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(delay, "delay");
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be an HTTP status, got " + status);
        }
    }

    /** An immediate error answer without {@code retry-after}. */
    public static SimulatedFault of(int status, String errorType, String message) {
        return new SimulatedFault(status, errorType, message, Optional.empty(), Duration.ZERO);
    }

    /** 429 {@code rate_limit_error} asking the client to come back after {@code retryAfter}. */
    public static SimulatedFault rateLimited(Duration retryAfter) {
        return new SimulatedFault(429, "rate_limit_error", "Number of requests has exceeded your rate limit",
                Optional.of(retryAfter), Duration.ZERO);
    }

    /** 529 {@code overloaded_error}. */
    public static SimulatedFault overloaded() {
        return of(529, "overloaded_error", "Overloaded");
    }

    /** 500 {@code api_error}. */
    public static SimulatedFault serverError() {
        return of(500, "api_error", "Internal server error");
    }

    /** A normal-looking error that arrives only after {@code delay}; longer than a timeout, it is a hang. */
    public static SimulatedFault hang(Duration delay) {
        return new SimulatedFault(504, "timeout_error", "Request timed out", Optional.empty(), delay);
    }

    public SimulatedFault withDelay(Duration newDelay) {
        return new SimulatedFault(status, errorType, message, retryAfter, newDelay);
    }
}
