package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link BreakerNeuronClient}'s circuit breaker decides that Claude is down, and how it
 * finds out that Claude is back.
 *
 * <p><b>Opening: two rules, either one opens it.</b> Only failures that say Claude is down count
 * (5xx other than 529, I/O failures, timeouts); rate limits (429), overload (529) and our own 4xx
 * never do.
 * <ul>
 *   <li><b>Failure rate</b> (resilience4j's own): of the calls that completed in the last
 *   {@code window}, at least {@code minimumCalls} and at least {@code failureRatePercent} % of them
 *   failed. A busy layer learns of an outage within about {@code minimumCalls} calls; a burst of a
 *   few failures among successes never reaches the rate.</li>
 *   <li><b>No success</b>: at least {@code noSuccessFailures} calls failed and none succeeded for
 *   {@code noSuccess} (or for the duration of the slowest recent successful call, when that is
 *   longer: a slow answer is not an outage). This is what opens it on a quiet layer, whose window
 *   never holds {@code minimumCalls}.</li>
 * </ul>
 *
 * <p><b>While open</b> no call is made. The first opening lasts {@code openDuration}; then
 * {@code halfOpenCalls} trial calls decide: if they fail (at the failure rate) it opens again, for
 * {@code openBackoffMultiplier} times as long, up to {@code maxOpenDuration}; if they succeed it
 * closes and the next opening starts again at {@code openDuration}. An outage of a minute therefore
 * costs about a minute, not a multiple of a fixed open period.
 *
 * <p>The values come from the configuration, which holds their defaults; this record only checks
 * them.
 *
 * @param window                the failure-rate window, a whole number of seconds, at least 1 s
 * @param minimumCalls          calls the window must hold before its failure rate is judged, at least 1
 * @param failureRatePercent    share of failed calls that opens the breaker (and of failed trial calls
 *                              that re-opens it), in (0, 100]
 * @param noSuccess             how long calls may fail without any success before the breaker opens, positive
 * @param noSuccessFailures     failed calls the no-success rule needs, at least 1
 * @param openDuration          how long the first opening lasts before trial calls, positive
 * @param maxOpenDuration       the longest opening while trial calls keep failing, at least {@code openDuration}
 * @param openBackoffMultiplier how much longer each opening lasts than the one before while trial calls
 *                              fail, in [1, 10]
 * @param halfOpenCalls         trial calls let through while half-open, at least 1
 */
public record BreakerSettings(Duration window, int minimumCalls, float failureRatePercent, Duration noSuccess,
        int noSuccessFailures, Duration openDuration, Duration maxOpenDuration, double openBackoffMultiplier,
        int halfOpenCalls) {

    public BreakerSettings {
        Objects.requireNonNull(window, "breaker window must not be null");
        Objects.requireNonNull(noSuccess, "breaker noSuccess must not be null");
        Objects.requireNonNull(openDuration, "breaker openDuration must not be null");
        Objects.requireNonNull(maxOpenDuration, "breaker maxOpenDuration must not be null");
        if (window.getSeconds() < 1 || window.getNano() != 0) {
            throw new IllegalArgumentException(
                    "breaker window must be a whole number of seconds, at least 1 s, got " + window);
        }
        if (window.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("breaker window is too long: " + window);
        }
        if (minimumCalls < 1) {
            throw new IllegalArgumentException("breaker minimumCalls must be >= 1, got " + minimumCalls);
        }
        if (!(failureRatePercent > 0 && failureRatePercent <= 100)) {
            throw new IllegalArgumentException(
                    "breaker failureRatePercent must be in (0, 100], got " + failureRatePercent);
        }
        if (noSuccess.isZero() || noSuccess.isNegative()) {
            throw new IllegalArgumentException("breaker noSuccess must be positive, got " + noSuccess);
        }
        if (noSuccessFailures < 1) {
            throw new IllegalArgumentException("breaker noSuccessFailures must be >= 1, got " + noSuccessFailures);
        }
        if (openDuration.isZero() || openDuration.isNegative()) {
            throw new IllegalArgumentException("breaker openDuration must be positive, got " + openDuration);
        }
        if (maxOpenDuration.compareTo(openDuration) < 0) {
            throw new IllegalArgumentException("breaker maxOpenDuration must be >= openDuration (" + openDuration
                    + "), got " + maxOpenDuration);
        }
        if (!(openBackoffMultiplier >= 1 && openBackoffMultiplier <= 10)) {
            throw new IllegalArgumentException(
                    "breaker openBackoffMultiplier must be in [1, 10], got " + openBackoffMultiplier);
        }
        if (halfOpenCalls < 1) {
            throw new IllegalArgumentException("breaker halfOpenCalls must be >= 1, got " + halfOpenCalls);
        }
    }

    public BreakerSettings withWindow(Duration newWindow) {
        return new BreakerSettings(newWindow, minimumCalls, failureRatePercent, noSuccess, noSuccessFailures,
                openDuration, maxOpenDuration, openBackoffMultiplier, halfOpenCalls);
    }

    public BreakerSettings withMinimumCalls(int calls) {
        return new BreakerSettings(window, calls, failureRatePercent, noSuccess, noSuccessFailures, openDuration,
                maxOpenDuration, openBackoffMultiplier, halfOpenCalls);
    }

    public BreakerSettings withFailureRatePercent(float percent) {
        return new BreakerSettings(window, minimumCalls, percent, noSuccess, noSuccessFailures, openDuration,
                maxOpenDuration, openBackoffMultiplier, halfOpenCalls);
    }

    /** The no-success rule: {@code failures} failed calls and no success for {@code duration}. */
    public BreakerSettings withNoSuccess(Duration duration, int failures) {
        return new BreakerSettings(window, minimumCalls, failureRatePercent, duration, failures, openDuration,
                maxOpenDuration, openBackoffMultiplier, halfOpenCalls);
    }

    /** Opens for {@code first}, then {@code multiplier} times longer per failed trial, up to {@code max}. */
    public BreakerSettings withOpenBackoff(Duration first, double multiplier, Duration max) {
        return new BreakerSettings(window, minimumCalls, failureRatePercent, noSuccess, noSuccessFailures, first, max,
                multiplier, halfOpenCalls);
    }

    /** Every opening lasts {@code duration} (no backoff). */
    public BreakerSettings withOpenDuration(Duration duration) {
        return withOpenBackoff(duration, 1.0, duration);
    }

    public BreakerSettings withHalfOpenCalls(int calls) {
        return new BreakerSettings(window, minimumCalls, failureRatePercent, noSuccess, noSuccessFailures,
                openDuration, maxOpenDuration, openBackoffMultiplier, calls);
    }
}
