package io.hal9.neurons;

/**
 * Why a call to Claude failed, as far as the neuron stage needs to know.
 *
 * <p>The category decides what happens to the signal: retryable categories are retried with
 * backoff, and those that say Claude is down (not merely busy) count towards opening the circuit
 * breaker; {@link #UNAVAILABLE} means no call was
 * made because the breaker is open (wait, don't dead-letter); the others are our own mistakes (a bad
 * request, an unknown model, a wrong key, an account that may not spend) and never touch the breaker:
 * a bad request goes to the dead-letter topic, while signals wait out an unknown model, a rejected
 * key or a billing refusal (the signal is not at fault).
 */
public enum FailureCategory {
    /** The request was rejected as malformed (400, 409, 413, 422, other 4xx). */
    CLIENT_ERROR(false),
    /**
     * 404 {@code not_found_error}: the model asked for does not exist, or not for this key (on the
     * Messages endpoint a 404 says nothing else, unless the base URL is wrong): retired or withdrawn.
     * Every call with this model fails the same way until the model setting changes, so it is no
     * attempt of the signal's: the caller waits, as for {@link #AUTH}.
     */
    MODEL_NOT_FOUND(false),
    /** The key is missing, invalid or not allowed (401, 403). */
    AUTH(false),
    /**
     * The account may not spend: 402 {@code billing_error}, or a 429 whose
     * {@code error.details.error_code} is {@code enforced_spend_limit_reached} (the spend limit is
     * reached; it carries no {@code retry-after} and retrying does not clear it). Like {@link #AUTH}
     * every call fails until someone acts, so it is no rate limit: it neither asks for fewer calls nor
     * counts against the breaker, and the caller waits instead of spending attempts.
     */
    BILLING(false),
    /**
     * Too many requests (429): the account's limit. The reply may say when to come back. Retried;
     * it says how much Claude this account may use, not that Claude is down, so it does not count
     * against the breaker.
     */
    RATE_LIMITED(true, false),
    /**
     * Anthropic is overloaded for everyone (529). Retried, and it asks for fewer calls (the live
     * concurrency limit), so it does not count towards the breaker's failure rate; only a stretch
     * with no success at all while 529s come back opens the breaker (its no-success rule): that is
     * an outage, and probing it every few seconds costs far fewer calls than retrying.
     */
    OVERLOADED(true, false),
    /** The service or the network failed in a way that may pass (other 5xx, I/O). */
    TRANSIENT(true),
    /** No answer arrived within the configured timeout (or 408). */
    TIMEOUT(true),
    /** Anything that fits none of the above. */
    UNKNOWN(false),
    /**
     * The circuit breaker is open: no call was made. Not a failure of this signal: the caller waits
     * for {@link NeuronException#retryAfter()} (when the breaker lets trial calls through) without
     * spending an attempt. Neither retryable (as an attempt) nor counted against the breaker.
     */
    UNAVAILABLE(false);

    private final boolean retryable;
    private final boolean countsAgainstBreaker;

    FailureCategory(boolean retryable) {
        this(retryable, retryable);
    }

    FailureCategory(boolean retryable, boolean countsAgainstBreaker) {
        this.retryable = retryable;
        this.countsAgainstBreaker = countsAgainstBreaker;
    }

    /** Whether trying the same call again later may succeed. */
    public boolean retryable() {
        return retryable;
    }

    /** Whether this failure says Claude is down and so counts towards opening the breaker. */
    public boolean countsAgainstBreaker() {
        return countsAgainstBreaker;
    }

    /** Whether this failure asks for fewer calls at once: an account limit, an overload or a timeout. */
    public boolean asksForLessConcurrency() {
        return this == RATE_LIMITED || this == OVERLOADED || this == TIMEOUT;
    }
}
