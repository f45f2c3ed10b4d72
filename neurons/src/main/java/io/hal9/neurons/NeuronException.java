package io.hal9.neurons;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A failed call to Claude, classified.
 *
 * <p>Carries the {@link FailureCategory}, the HTTP status when the service answered (0 when it
 * did not, e.g. on a timeout), the {@code retry-after} delay when the service sent one, and the
 * account's rate-limit figures the error answer carried. The message never contains the API key.
 */
public final class NeuronException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final FailureCategory category;
    private final int httpStatus;
    private final transient Duration retryAfter;
    private final transient RateLimits rateLimits;

    /**
     * @param category   why the call failed
     * @param httpStatus the HTTP status of the answer, 0 when there was none
     * @param message    what happened, free of secrets
     * @param retryAfter how long the service asked us to wait, or {@code null}
     * @param cause      the underlying failure, or {@code null}
     */
    public NeuronException(FailureCategory category, int httpStatus, String message, Duration retryAfter,
            Throwable cause) {
        this(category, httpStatus, message, retryAfter, RateLimits.NONE, cause);
    }

    /**
     * @param rateLimits the {@code anthropic-ratelimit-*} figures of the error answer (a 429 has them)
     */
    public NeuronException(FailureCategory category, int httpStatus, String message, Duration retryAfter,
            RateLimits rateLimits, Throwable cause) {
        super(message, cause);
        this.category = Objects.requireNonNull(category, "category");
        this.httpStatus = httpStatus;
        this.retryAfter = retryAfter;
        this.rateLimits = Objects.requireNonNull(rateLimits, "rateLimits");
    }

    /** A failure without HTTP status, retry-after or cause. */
    public NeuronException(FailureCategory category, String message) {
        this(category, 0, message, null, null);
    }

    public FailureCategory category() {
        return category;
    }

    /** The HTTP status of the failed answer, 0 when no answer arrived. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The delay the service asked for in its {@code retry-after} header, if any. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** The account's rate-limit figures the error answer carried, {@link RateLimits#NONE} when none. */
    public RateLimits rateLimits() {
        return rateLimits == null ? RateLimits.NONE : rateLimits;
    }
}
