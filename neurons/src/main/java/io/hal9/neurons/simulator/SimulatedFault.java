package io.hal9.neurons.simulator;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An error the {@link ClaudeSimulator} answers instead of a message: the HTTP status, the
 * Anthropic error type (e.g. {@code rate_limit_error}, {@code overloaded_error}) and message, an
 * optional {@code retry-after} header, how long to wait before answering (a delay longer than
 * the client's timeout simulates a hang), and an optional {@code error.details.error_code} (e.g.
 * {@code enforced_spend_limit_reached}).
 */
public record SimulatedFault(int status, String errorType, String message, Optional<Duration> retryAfter,
        Duration delay, Optional<String> errorCode) {

    /** The error code of a 429 that says the account reached its spend limit. */
    public static final String SPEND_LIMIT_ERROR_CODE = "enforced_spend_limit_reached";

    public SimulatedFault {
        Objects.requireNonNull(errorType, "errorType");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(errorCode, "errorCode");
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status must be an HTTP status, got " + status);
        }
    }

    /** A fault without an error code. */
    public SimulatedFault(int status, String errorType, String message, Optional<Duration> retryAfter,
            Duration delay) {
        this(status, errorType, message, retryAfter, delay, Optional.empty());
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

    /** 404 {@code not_found_error}: the API does not know {@code model} (the message names it, as the API's does). */
    public static SimulatedFault notFoundModel(String model) {
        return of(404, "not_found_error", "model: " + model);
    }

    /** 402 {@code billing_error}: the account cannot pay for calls. */
    public static SimulatedFault billing() {
        return of(402, "billing_error",
                "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade "
                        + "or purchase credits.");
    }

    /**
     * 429 {@code rate_limit_error} with {@code error.details.error_code} {@value #SPEND_LIMIT_ERROR_CODE}
     * and no {@code retry-after}: the account reached its spend limit, which retrying does not clear.
     */
    public static SimulatedFault spendLimit() {
        return new SimulatedFault(429, "rate_limit_error",
                "You have reached your specified API usage limits. You will regain access at the start of next month.",
                Optional.empty(), Duration.ZERO, Optional.of(SPEND_LIMIT_ERROR_CODE));
    }

    public SimulatedFault withDelay(Duration newDelay) {
        return new SimulatedFault(status, errorType, message, retryAfter, newDelay, errorCode);
    }
}
