package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link BreakerNeuronClient}'s circuit breaker decides that Claude is failing.
 *
 * <p>The breaker looks at the calls of the last {@code window} (a time-based window of whole
 * seconds); once it has seen at least {@code minimumCalls} there and at least
 * {@code failureRatePercent} of them failed (429, 5xx, 529, timeouts), it opens: for
 * {@code openDuration} no call is made. Then it lets {@code halfOpenCalls} trial calls through;
 * if they succeed well enough it closes, else it opens again. {@link #defaults()} are HAL9's: 5
 * failures in 60 s open it for 60 s, 3 trial calls close it.
 *
 * @param window             the sliding time window, a whole number of seconds, at least 1 s
 * @param minimumCalls       calls the window must hold before the failure rate is judged, at least 1
 * @param failureRatePercent share of failed calls that opens the breaker, in (0, 100]
 * @param openDuration       how long the breaker stays open before trial calls, positive
 * @param halfOpenCalls      trial calls let through while half-open, at least 1
 */
public record BreakerSettings(Duration window, int minimumCalls, float failureRatePercent, Duration openDuration,
        int halfOpenCalls) {

    public BreakerSettings {
        Objects.requireNonNull(window, "breaker window must not be null");
        Objects.requireNonNull(openDuration, "breaker openDuration must not be null");
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
        if (openDuration.isZero() || openDuration.isNegative()) {
            throw new IllegalArgumentException("breaker openDuration must be positive, got " + openDuration);
        }
        if (halfOpenCalls < 1) {
            throw new IllegalArgumentException("breaker halfOpenCalls must be >= 1, got " + halfOpenCalls);
        }
    }

    /** HAL9: a 60 s window, at least 5 calls, 50 % failures, open 60 s, 3 trial calls. */
    public static BreakerSettings defaults() {
        return new BreakerSettings(Duration.ofSeconds(60), 5, 50f, Duration.ofSeconds(60), 3);
    }

    public BreakerSettings withWindow(Duration newWindow) {
        return new BreakerSettings(newWindow, minimumCalls, failureRatePercent, openDuration, halfOpenCalls);
    }

    public BreakerSettings withMinimumCalls(int calls) {
        return new BreakerSettings(window, calls, failureRatePercent, openDuration, halfOpenCalls);
    }

    public BreakerSettings withFailureRatePercent(float percent) {
        return new BreakerSettings(window, minimumCalls, percent, openDuration, halfOpenCalls);
    }

    public BreakerSettings withOpenDuration(Duration duration) {
        return new BreakerSettings(window, minimumCalls, failureRatePercent, duration, halfOpenCalls);
    }

    public BreakerSettings withHalfOpenCalls(int calls) {
        return new BreakerSettings(window, minimumCalls, failureRatePercent, openDuration, calls);
    }
}
