package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Optional;

/**
 * The breaker's second opening rule: calls keep failing and none succeeds for a while.
 *
 * <p>Why not resilience4j alone: its rule is a failure <i>rate</i> over a window, judged only once
 * the window holds a minimum number of calls. A quiet layer (a call every few seconds) never reaches
 * a minimum that makes a rate meaningful, and lowering the minimum to a handful of calls is what made
 * the breaker trip on bursts. "No success for a few seconds while calls fail" needs no minimum rate,
 * and resilience4j has no notion of time since the last success, so this small rule sits beside it
 * and opens the breaker by hand ({@code transitionToOpenState}).
 *
 * <p>The quiet period is the configured one or, when longer, the slowest of the last
 * {@value #SUCCESSES_KEPT} successful calls: when answers take 20 s, 5 s without one says nothing.
 * Thread-safe: calls complete on any thread.
 */
final class NoSuccessRule {

    static final int SUCCESSES_KEPT = 16;

    private final long noSuccessMillis;
    private final int minFailures;
    private final long[] successMillis = new long[SUCCESSES_KEPT];
    private int nextSuccess;
    /** When the first failure since the last success happened; meaningful while {@link #failures} > 0. */
    private long streakStartMillis;
    private int failures;

    NoSuccessRule(Duration noSuccess, int minFailures) {
        this.noSuccessMillis = noSuccess.toMillis();
        this.minFailures = minFailures;
    }

    /** A call succeeded after {@code durationMillis}: the streak of failures ends. */
    synchronized void success(long durationMillis) {
        successMillis[nextSuccess] = durationMillis;
        nextSuccess = (nextSuccess + 1) % SUCCESSES_KEPT;
        failures = 0;
    }

    /**
     * A call that counts against the breaker failed at {@code nowMillis}.
     *
     * @return why the breaker should open now, or empty
     */
    synchronized Optional<String> failure(long nowMillis) {
        if (failures == 0) {
            streakStartMillis = nowMillis;
        }
        failures++;
        long failingFor = nowMillis - streakStartMillis;
        long quiet = quietMillis();
        if (failures >= minFailures && failingFor >= quiet) {
            return Optional.of(String.format("no call succeeded for %.1f s, %d failed", failingFor / 1000.0,
                    failures));
        }
        return Optional.empty();
    }

    /** Forget the streak (the breaker opened or closed: a new period begins). */
    synchronized void reset() {
        failures = 0;
    }

    /** The average time of the last successful calls kept, 0 before any. */
    synchronized long typicalSuccessMillis() {
        long sum = 0;
        int kept = 0;
        for (long success : successMillis) {
            if (success > 0) {
                sum += success;
                kept++;
            }
        }
        return kept == 0 ? 0 : sum / kept;
    }

    /** How long calls must fail without a success before this rule opens the breaker. */
    synchronized long quietMillis() {
        long quiet = noSuccessMillis;
        for (long success : successMillis) {
            quiet = Math.max(quiet, success);
        }
        return quiet;
    }
}
