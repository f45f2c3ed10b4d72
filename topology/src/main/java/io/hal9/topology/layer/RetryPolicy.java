package io.hal9.topology.layer;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.Futures;
import io.hal9.neurons.NeuronException;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.topology.config.StageSettings;
import io.hal9.topology.kafka.DeadLetters;

/**
 * Decides what happens to a signal whose Claude call failed: try again later (spending an
 * attempt), wait without spending one (the model is unavailable, not the signal at fault), or
 * give up and dead-letter it.
 */
@FunctionalInterface
public interface RetryPolicy {

    /**
     * @param failure      what the call failed with
     * @param attemptsMade calls made for this signal, this one included
     */
    Decision decide(Throwable failure, int attemptsMade);

    /** What to do with the signal. */
    sealed interface Decision {
    }

    /** Call again after {@code delay}; the failed call counts as an attempt. */
    record Retry(Duration delay, ErrorCategory category, String reason) implements Decision {
    }

    /**
     * Call again after {@code delay} without spending an attempt: the model is unavailable (the
     * breaker is open), the account or Anthropic is busy, our key is rejected, the account may not
     * spend, or Claude no longer knows the layer's model; the signal is not at fault.
     *
     * @param category why the call failed: {@link FailureCategory#UNAVAILABLE},
     *                 {@link FailureCategory#RATE_LIMITED}, {@link FailureCategory#OVERLOADED},
     *                 {@link FailureCategory#AUTH}, {@link FailureCategory#BILLING} or
     *                 {@link FailureCategory#MODEL_NOT_FOUND}
     */
    record Wait(Duration delay, FailureCategory category, String reason) implements Decision {
    }

    /** Dead-letter the signal. */
    record GiveUp(ErrorCategory category, String reason) implements Decision {
    }

    /** How long a signal waits when the breaker is open and cannot say for how long. */
    Duration UNAVAILABLE_WAIT = Duration.ofSeconds(1);

    /**
     * The default. An open breaker: wait until it lets trial calls through, without spending an
     * attempt. A rejected key (401/403), an account that may not spend (402, or a 429 for the
     * reached spend limit, which has no {@code retry-after} and does not clear by retrying) or a
     * model Claude answers 404 for (retired or withdrawn while the layer runs): wait
     * {@code authRetry}, without spending an attempt — the key, the account or the layer's model is
     * at fault, not the signal, and dead-lettering would turn a retirement into a stream of dead
     * letters. A rate limit (429) or an overloaded Claude (529): wait for its
     * {@code retry-after}, if any, without spending an attempt either — the account or Anthropic
     * is busy, the signal is not at fault — and otherwise after a short jitter (up to a quarter of
     * the first backoff), when the layer's live limit and pause let a call through. Transient errors and timeouts: retry with
     * exponential backoff and full jitter (a longer {@code retry-after} wins) until
     * {@code maxAttempts} calls were made. Everything else (400/409/422, unknown failures):
     * dead-letter at once. The limits are the {@code hal9.neuron.*} settings.
     */
    public static RetryPolicy from(StageSettings settings) {
        return exponentialBackoff(settings.maxAttempts(), settings.backoff(), settings.maxBackoff(),
                settings.authRetry());
    }

    /** The default policy with explicit limits (see {@link #from(StageSettings)}). */
    static RetryPolicy exponentialBackoff(int maxAttempts, Duration base, Duration max, Duration authRetry) {
        return (failure, attemptsMade) -> {
            Throwable cause = Futures.unwrap(failure);
            String reason = "Claude call failed: " + DeadLetters.reason(cause);
            if (!(cause instanceof NeuronException ne)) {
                return new GiveUp(ErrorCategory.UNKNOWN, reason);
            }
            if (ne.category() == FailureCategory.UNAVAILABLE) {
                return new Wait(ne.retryAfter().filter(d -> !d.isNegative() && !d.isZero()).orElse(UNAVAILABLE_WAIT),
                        FailureCategory.UNAVAILABLE, reason);
            }
            if (ne.category() == FailureCategory.AUTH || ne.category() == FailureCategory.BILLING
                    || ne.category() == FailureCategory.MODEL_NOT_FOUND) {
                return new Wait(authRetry, ne.category(), reason);
            }
            if (ne.category() == FailureCategory.RATE_LIMITED || ne.category() == FailureCategory.OVERLOADED) {
                // the account's limit or Anthropic's load, not this signal: wait without spending an attempt,
                // for its retry-after if it said one, else a short jitter (up to a quarter of the first backoff)
                // so that refused signals do not all come back in the same instant; the layer's live limit and
                // pause decide the rest
                return new Wait(backoff(1, base.dividedBy(4), max, ne.retryAfter()), ne.category(), reason);
            }
            ErrorCategory category = deadLetterCategory(ne.category());
            if (!ne.category().retryable()) {
                return new GiveUp(category, reason);
            }
            if (attemptsMade >= maxAttempts) {
                return new GiveUp(category, reason + " (gave up after " + attemptsMade + " attempts)");
            }
            return new Retry(backoff(attemptsMade, base, max, ne.retryAfter()), category, reason);
        };
    }

    /**
     * The dead letter's category for a failure: the same name, except that an overloaded Claude
     * (529) is a {@code TRANSIENT} failure in the dead-letter contract, and an open breaker, which
     * never dead-letters a signal, would be one too; an unknown model (404) is a {@code CLIENT_ERROR}
     * (our request named it), and a billing refusal, which the async stage never dead-letters
     * either, an {@code AUTH} one (the account is refused, as a key is).
     */
    static ErrorCategory deadLetterCategory(FailureCategory category) {
        return switch (category) {
            case OVERLOADED, UNAVAILABLE -> ErrorCategory.TRANSIENT;
            case MODEL_NOT_FOUND -> ErrorCategory.CLIENT_ERROR;
            case BILLING -> ErrorCategory.AUTH;
            default -> ErrorCategory.valueOf(category.name());
        };
    }

    /** Full-jitter exponential delay for the {@code attempt}-th failure, at least {@code retryAfter}. */
    static Duration backoff(int attempt, Duration base, Duration max, Optional<Duration> retryAfter) {
        long ceiling = Math.min(max.toMillis(), base.toMillis() << Math.min(Math.max(attempt - 1, 0), 30));
        long jittered = ThreadLocalRandom.current().nextLong(Math.max(ceiling, 1) + 1);
        long delay = Math.max(jittered, retryAfter.map(Duration::toMillis).orElse(0L));
        return Duration.ofMillis(delay);
    }

}
