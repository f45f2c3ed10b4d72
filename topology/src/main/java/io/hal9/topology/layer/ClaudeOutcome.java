package io.hal9.topology.layer;

import java.util.Locale;

import io.hal9.neurons.FailureCategory;
import io.hal9.schemas.v1.ErrorCategory;

/**
 * How one Claude request of a layer ended: the {@code outcome} tag of
 * {@code hal9_claude_request_duration_seconds}. Every value is registered when the layer starts, so
 * each series reads zero until its first request instead of being missing.
 */
public enum ClaudeOutcome {
    /** Claude answered. */
    OK,
    /** 429: the account's rate limit. */
    RATE_LIMITED,
    /** 529: Anthropic is overloaded. */
    OVERLOADED,
    /** Other 5xx, I/O errors. */
    TRANSIENT,
    /** No answer within {@code hal9.claude.timeout.ms}. */
    TIMEOUT,
    /** Our request was wrong (400, 409, 422), or named a model Claude does not know (404). */
    CLIENT_ERROR,
    /** The key was rejected (401, 403). */
    AUTH,
    /** The account may not spend (402, or a 429 for the reached spend limit). */
    BILLING,
    /** The breaker was open: no call was made. */
    UNAVAILABLE,
    /** A failure that fits none of the above. */
    UNKNOWN;

    /** The tag value: the name in lower case, e.g. {@code rate_limited}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The outcome of a request that failed with {@code category}. */
    public static ClaudeOutcome of(FailureCategory category) {
        return switch (category) {
            case RATE_LIMITED -> RATE_LIMITED;
            case OVERLOADED -> OVERLOADED;
            case TRANSIENT -> TRANSIENT;
            case TIMEOUT -> TIMEOUT;
            case CLIENT_ERROR, MODEL_NOT_FOUND -> CLIENT_ERROR;
            case AUTH -> AUTH;
            case BILLING -> BILLING;
            case UNAVAILABLE -> UNAVAILABLE;
            case UNKNOWN -> UNKNOWN;
        };
    }

    /**
     * The outcome of a request whose signal was retried or dead-lettered with {@code category}.
     * Categories of input that never reaches Claude (undecodable, invalid) count as {@link #UNKNOWN}; a
     * refusal is an answer ({@link #OK}).
     */
    public static ClaudeOutcome of(ErrorCategory category) {
        return switch (category) {
            case RATE_LIMITED -> RATE_LIMITED;
            case TRANSIENT -> TRANSIENT;
            case TIMEOUT -> TIMEOUT;
            case CLIENT_ERROR -> CLIENT_ERROR;
            case AUTH -> AUTH;
            case DESERIALIZATION, INVALID_INPUT, UNKNOWN -> UNKNOWN;
            // Claude answered (HTTP 200) and declined: the request itself succeeded
            case REFUSED -> OK;
        };
    }
}
