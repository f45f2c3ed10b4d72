package io.hal9.neurons.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.RateLimits;
import io.hal9.neurons.testing.TestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;

/** The pause, the pacing and the permits of one layer instance, on a clock the test moves. */
class ClaudeCapacityTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final ClaudeCapacity capacity = new ClaudeCapacity(TestSettings.capacity(8), nanos::get);

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    private static NeuronReply reply(RateLimits limits) {
        return new NeuronReply("ok", "claude-haiku-4-5", 100, 50, "end_turn", 500, false, limits);
    }

    private static RateLimits requestsLeft(long limit, long remaining) {
        return new RateLimits(new RateLimits.Bucket(limit, remaining, Instant.parse("2026-11-29T12:00:00Z")), null,
                null, null);
    }

    @Test
    void shouldLetAPartitionBorrowIdleSharesAndOneUnderItsShareStartAtTheLimit() {
        // Given a limit of 10 calls partitioned high 50 %, normal 40 %, bulk 10 %
        ClaudeCapacity lanes = new ClaudeCapacity(TestSettings.capacity(10)
                .withShares(Map.of("high", 0.5, "normal", 0.4, "bulk", 0.1)), nanos::get);

        // When normal alone has work, it takes the whole limit, the others' shares included
        List<ClaudeCapacity.Permit> normal = acquireAll(lanes, "normal");
        assertThat(normal).hasSize(10);

        // Then at the limit, high still starts its 5 and bulk its 1, and no more
        assertThat(acquireAll(lanes, "high")).hasSize(5);
        assertThat(acquireAll(lanes, "bulk")).hasSize(1);
        assertThat(lanes.inFlight()).isEqualTo(16);
        // and normal, above its share, starts nothing until the total is back under the limit
        normal.subList(0, 6).forEach(permit -> permit.finished(reply(RateLimits.NONE), null));
        assertThat(lanes.tryAcquire("normal")).isEmpty();
        normal.get(6).finished(reply(RateLimits.NONE), null);
        assertThat(lanes.tryAcquire("normal")).isPresent();
    }

    private static List<ClaudeCapacity.Permit> acquireAll(ClaudeCapacity capacity, String partition) {
        List<ClaudeCapacity.Permit> permits = new ArrayList<>();
        for (Optional<ClaudeCapacity.Permit> permit = capacity.tryAcquire(partition); permit.isPresent();
             permit = capacity.tryAcquire(partition)) {
            permits.add(permit.get());
        }
        return permits;
    }

    @Test
    void shouldPauseEveryNewCallUntilARateLimitsRetryAfterPassed() {
        ClaudeCapacity.Permit permit = capacity.tryAcquire().orElseThrow();

        // When the account answers 429 with retry-after 2 s
        permit.finished(null, new NeuronException(FailureCategory.RATE_LIMITED, 429, "rate_limit_error",
                Duration.ofSeconds(2), null));

        // Then no call starts for 2 s, however much room the limit has
        assertThat(capacity.paused()).isTrue();
        assertThat(capacity.tryAcquire()).isEmpty();
        advance(Duration.ofMillis(1_999));
        assertThat(capacity.tryAcquire()).isEmpty();
        advance(Duration.ofMillis(1));
        assertThat(capacity.tryAcquire()).isPresent();
        assertThat(capacity.pausedTime()).isEqualTo(Duration.ofSeconds(2));
        assertThat(capacity.throttled(FailureCategory.RATE_LIMITED)).isEqualTo(1);
    }

    @Test
    void shouldPauseOnAnOverloadedClaudesRetryAfterButNotOnAnotherFailures() {
        capacity.tryAcquire().orElseThrow().finished(null, new NeuronException(FailureCategory.TRANSIENT, 500,
                "api_error", Duration.ofSeconds(5), null));
        assertThat(capacity.paused()).isFalse();

        capacity.tryAcquire().orElseThrow().finished(null, new NeuronException(FailureCategory.OVERLOADED, 529,
                "overloaded_error", Duration.ofSeconds(3), null));
        assertThat(capacity.pauseRemaining()).isEqualTo(Duration.ofSeconds(3));
        assertThat(capacity.throttled(FailureCategory.OVERLOADED)).isEqualTo(1);
    }

    @Test
    void shouldPaceCallsToTheBucketsRefillWhenItIsNearlyEmptyAndStopWhenItHasRoom() {
        // Given a response says 100 of 6,000 requests per minute are left (under 5 %)
        capacity.tryAcquire().orElseThrow().finished(reply(requestsLeft(6_000, 100)), null);

        // Then calls start a little slower than the bucket refills (100/s): one every 10.5 ms from the last start
        assertThat(capacity.paceInterval()).isBetween(Duration.ofMillis(10), Duration.ofMillis(11));
        assertThat(capacity.tryAcquire()).isEmpty();
        advance(Duration.ofMillis(11));
        Optional<ClaudeCapacity.Permit> first = capacity.tryAcquire();
        assertThat(first).isPresent();
        assertThat(capacity.tryAcquire()).isEmpty();
        advance(Duration.ofMillis(11));
        assertThat(capacity.tryAcquire()).isPresent();
        assertThat(capacity.lastRateLimits().requests().remaining()).isEqualTo(100);

        // When a response shows 8 % left, pacing goes on (it stops only at twice the 5 % it starts under)
        first.get().finished(reply(requestsLeft(6_000, 480)), null);
        assertThat(capacity.paceInterval()).isPositive();

        // When a later response shows room again, pacing stops
        advance(Duration.ofMillis(11));
        capacity.tryAcquire().orElseThrow().finished(reply(requestsLeft(6_000, 3_000)), null);
        assertThat(capacity.paceInterval()).isZero();
        assertThat(capacity.tryAcquire()).isPresent();
        assertThat(capacity.tryAcquire()).isPresent();
    }

    @Test
    void shouldCountTheCallsStartedSinceAResponseAndThoseInFlightAgainstItsBucket() {
        // Given an account of 20 requests per minute and four calls in flight
        ClaudeCapacity.Permit first = capacity.tryAcquire().orElseThrow();
        capacity.tryAcquire().orElseThrow();
        capacity.tryAcquire().orElseThrow();
        capacity.tryAcquire().orElseThrow();

        // When the first call's answer says 3 requests are left
        first.finished(reply(requestsLeft(20, 3)), null);

        // Then the three calls still in flight may have taken them: the next call waits for the refill
        assertThat(capacity.paceInterval()).isBetween(Duration.ofMillis(3_150), Duration.ofMillis(3_160));
        assertThat(capacity.tryAcquire()).isEmpty();
        advance(Duration.ofMillis(3_158));
        assertThat(capacity.tryAcquire()).isPresent();
        assertThat(capacity.tryAcquire()).isEmpty();
    }

    @Test
    void shouldCountACallStartedEarlierButAdmittedLaterAgainstTheBucket() {
        // Given two calls in flight on an account of 20 requests per minute
        ClaudeCapacity.Permit first = capacity.tryAcquire().orElseThrow();
        ClaudeCapacity.Permit second = capacity.tryAcquire().orElseThrow();

        // When the API admitted the second first (1 left after it), then the first (none left),
        // and the first answers first
        first.finished(reply(requestsLeft(20, 0)), null);
        second.finished(reply(requestsLeft(20, 1)), null);

        // Then the second's figure is not taken at its word: the first, in flight when the second
        // started, may have taken the last request; the bucket counts as empty and calls are paced
        assertThat(capacity.paceInterval()).isPositive();
        assertThat(capacity.tryAcquire()).isEmpty();
    }

    @Test
    void shouldReadTheRateLimitFiguresOfA429AndPaceOnceItsRetryAfterPassed() {
        // Given the bucket had plenty of room
        capacity.tryAcquire().orElseThrow().finished(reply(requestsLeft(60, 50)), null);
        assertThat(capacity.paceInterval()).isZero();

        // When another client of the account empties it and a call gets 429, retry-after 1 s, 0 left
        capacity.tryAcquire().orElseThrow().finished(null, new NeuronException(FailureCategory.RATE_LIMITED, 429,
                "rate_limit_error", Duration.ofSeconds(1), requestsLeft(60, 0), null));

        // Then after the pause calls start one per refill (about one a second), not all at once
        assertThat(capacity.lastRateLimits().requests().remaining()).isZero();
        advance(Duration.ofSeconds(1));
        assertThat(capacity.paused()).isFalse();
        assertThat(capacity.paceInterval()).isBetween(Duration.ofMillis(1_050), Duration.ofMillis(1_060));
        advance(Duration.ofMillis(60));
        assertThat(capacity.tryAcquire()).isPresent();
        assertThat(capacity.tryAcquire()).isEmpty();
        advance(Duration.ofMillis(1_060));
        assertThat(capacity.tryAcquire()).isPresent();
    }

    @Test
    void shouldLetTheBreakersTrialCallsGoTogetherAndComeBackToItsLevelWhenItCloses() {
        CircuitBreaker breaker = CircuitBreaker.of("L2", CircuitBreakerConfig.custom()
                .permittedNumberOfCallsInHalfOpenState(3).build());
        capacity.follow(breaker);

        // Given an outage (nothing but 529s) brought the live limit down to one call
        for (int i = 0; i < 100 && capacity.limit() > 1; i++) {
            capacity.tryAcquire().orElseThrow().finished(null, new NeuronException(FailureCategory.OVERLOADED, 529,
                    "overloaded_error", null, null));
            advance(Duration.ofMillis(10));
        }
        assertThat(capacity.limit()).isEqualTo(1);

        // When the breaker lets its 3 trial calls through, they go together
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        assertThat(capacity.limit()).isEqualTo(3);

        // and when it closes, the limit is back at its level before the outage
        breaker.transitionToClosedState();
        assertThat(capacity.limit()).isEqualTo(8);
    }

    @Test
    void shouldPublishTheLimitThePauseAndTheRateLimitFigures() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        capacity.bindMetrics(registry, "L2");
        capacity.tryAcquire().orElseThrow().finished(reply(requestsLeft(6_000, 4_321)), null);

        assertThat(registry.get(ClaudeCapacity.LIMIT_GAUGE).tag("layer", "L2").gauge().value()).isEqualTo(8);
        assertThat(registry.get(ClaudeCapacity.PAUSED_GAUGE).tag("layer", "L2").gauge().value()).isZero();
        assertThat(registry.get(ClaudeCapacity.RATELIMIT_REMAINING).tags("layer", "L2", "bucket", "requests").gauge()
                .value()).isEqualTo(4_321);
        assertThat(registry.get(ClaudeCapacity.RATELIMIT_REMAINING).tags("layer", "L2", "bucket", "tokens").gauge()
                .value()).isNaN();
        assertThat(registry.get(ClaudeCapacity.THROTTLED).tags("layer", "L2", "reason", "rate_limited")
                .functionCounter().count()).isZero();
    }

    @Test
    void shouldKeepARefusedCallsPlaceForAboutOneCallLatency() {
        // Given calls take 300 ms
        capacity.tryAcquire().orElseThrow().finished(new NeuronReply("ok", "m", 1, 1, "end_turn", 300, false,
                RateLimits.NONE), null);

        // When a call is refused at once with 529
        long started = System.nanoTime();
        capacity.tryAcquire().orElseThrow().finished(null, new NeuronException(FailureCategory.OVERLOADED, 529,
                "overloaded_error", null, null));

        // Then its place stays taken as if it had been answered, then frees
        assertThat(capacity.inFlight()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> capacity.inFlight() == 0);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
    }

    @Test
    void shouldNotLetCachedAnswersMoveTheLimitOrThePacing() {
        capacity.tryAcquire().orElseThrow().finished(reply(requestsLeft(6_000, 10)).asCached(), null);

        assertThat(capacity.paceInterval()).isZero();
        assertThat(capacity.limit()).isEqualTo(8);
        assertThat(capacity.inFlight()).isZero();
    }
}
