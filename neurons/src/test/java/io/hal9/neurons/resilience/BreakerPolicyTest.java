package io.hal9.neurons.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.testing.TestSettings;

import org.junit.jupiter.api.Test;

/**
 * The breaker's policy on a clock the test moves: when it opens, when it probes, how its waits
 * grow. The delegate answers at once with what the test says Claude answers now; a call "takes"
 * whatever time the test moves the clock by before the next one.
 */
class BreakerPolicyTest {

    private static final LayerProfile L2 = LayerProfile.defaults("L2");
    private static final BreakerSettings DEFAULTS = TestSettings.breaker();

    private final ManualClock clock = new ManualClock();
    /** What Claude answers now: null for an answer, else this failure. */
    private final AtomicReference<NeuronException> claude = new AtomicReference<>();
    private final AtomicLong calls = new AtomicLong();
    private final NeuronClient delegate = new NeuronClient() {
        @Override
        public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
            calls.incrementAndGet();
            NeuronException failure = claude.get();
            return failure == null
                    ? CompletableFuture.completedFuture(new NeuronReply("ok", "model", 1, 1, "end_turn", 1))
                    : CompletableFuture.failedFuture(failure);
        }

        @Override
        public long requestCount() {
            return calls.get();
        }

        @Override
        public void close() {
        }
    };

    private BreakerNeuronClient breaker = new BreakerNeuronClient(delegate, DEFAULTS, "L2", clock, false);

    private static NeuronException serverError() {
        return new NeuronException(FailureCategory.TRANSIENT, 500, "Claude answered HTTP 500: Internal server error",
                null, null);
    }

    /** Asks once and returns the category it failed with, or null when it was answered. */
    private FailureCategory ask() {
        CompletableFuture<NeuronReply> reply = breaker.ask(new NeuronRequest(L2, "work"));
        if (!reply.isCompletedExceptionally()) {
            return null;
        }
        return ((NeuronException) reply.handle((ok, failure) -> failure).join()).category();
    }

    private NeuronException refusal() {
        CompletableFuture<NeuronReply> reply = breaker.ask(new NeuronRequest(L2, "work"));
        return (NeuronException) reply.handle((ok, failure) -> failure).join();
    }

    /** {@code count} calls, one every {@code every}; stops early when the breaker refuses one. */
    private int callEvery(Duration every, int count) {
        for (int i = 0; i < count; i++) {
            if (ask() == FailureCategory.UNAVAILABLE) {
                return i;
            }
            clock.advance(every);
        }
        return count;
    }

    @Test
    void shouldNotOpenOnABurstOfFailuresAmongSuccessesAtANormalCallRate() {
        // Given 10 calls a second, answered
        callEvery(Duration.ofMillis(100), 50);

        // When 6 calls in a row fail (a burst), then Claude answers again, for half a minute
        claude.set(serverError());
        callEvery(Duration.ofMillis(100), 6);
        claude.set(null);
        callEvery(Duration.ofMillis(100), 300);

        // Then the breaker never opened
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.circuitBreaker().getMetrics().getNumberOfNotPermittedCalls()).isZero();
        assertThat(calls.get()).isEqualTo(356);
    }

    @Test
    void shouldNotOpenWhenAThirdOfTheCallsFailAtANormalCallRate() {
        // Given 10 calls a second, every third one a 500, for a minute
        for (int i = 0; i < 600; i++) {
            claude.set(i % 3 == 0 ? serverError() : null);
            assertThat(ask()).as("call %d", i).isNotEqualTo(FailureCategory.UNAVAILABLE);
            clock.advance(Duration.ofMillis(100));
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void shouldOpenWithinTheNoSuccessPeriodWhenEveryCallFailsAtANormalCallRate() {
        // Given 10 calls a second, answered for 5 s: the 10 s window is half successes
        callEvery(Duration.ofMillis(100), 50);

        // When Claude is down and calls keep coming, 10 a second
        claude.set(serverError());
        int failed = callEvery(Duration.ofMillis(100), 200);

        // Then it opens after 5 s without success (0.0 .. 5.0 s: 51 failures), before the rate reaches 80 %
        assertThat(failed).isEqualTo(51);
        assertThat(breaker.open()).isTrue();
        assertThat(calls.get()).isEqualTo(101);
    }

    @Test
    void shouldOpenByTheFailureRateAfterTheMinimumNumberOfCallsWhenAllFail() {
        claude.set(serverError());

        int failed = callEvery(Duration.ofMillis(10), 100);

        assertThat(failed).isEqualTo(DEFAULTS.minimumCalls());
        assertThat(breaker.open()).isTrue();
    }

    @Test
    void shouldOpenAQuietLayerWhenNoCallSucceedsForTheNoSuccessPeriod() {
        // Given a call every 2 s, answered
        callEvery(Duration.ofSeconds(2), 5);

        // When Claude goes down: failures at 0, 2, 4 s are not yet 5 s without success
        claude.set(serverError());
        assertThat(callEvery(Duration.ofSeconds(2), 3)).isEqualTo(3);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);

        // Then the failure at 6 s opens it, far below the 20 calls of the rate rule
        assertThat(ask()).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(breaker.open()).isTrue();
        assertThat(calls.get()).isEqualTo(9);
    }

    @Test
    void shouldWaitLongerWithoutSuccessWhenAnswersAreSlow() {
        // Given answers that take 8 s (the clock moves 8 s between each call's start and end is modelled by
        // the gap: a success's duration is measured from its start, so let each success "take" 8 s)
        BreakerNeuronClient slow = new BreakerNeuronClient(new NeuronClient() {
            @Override
            public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
                NeuronException failure = claude.get();
                if (failure != null) {
                    return CompletableFuture.failedFuture(failure);
                }
                clock.advance(Duration.ofSeconds(8));
                return CompletableFuture.completedFuture(new NeuronReply("ok", "model", 1, 1, "end_turn", 8_000));
            }

            @Override
            public long requestCount() {
                return 0;
            }

            @Override
            public void close() {
            }
        }, DEFAULTS, "L2", clock, false);
        breaker = slow;
        callEvery(Duration.ofSeconds(1), 3);

        // When failures come for 6 s (more than 5 s, less than the 8 s an answer takes)
        claude.set(serverError());
        callEvery(Duration.ofSeconds(1), 7);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);

        // Then it opens once they have lasted as long as a slow answer
        callEvery(Duration.ofSeconds(1), 2);
        assertThat(breaker.open()).isTrue();
    }

    @Test
    void shouldNeverOpenOnRateLimits() {
        for (int i = 0; i < 1_000; i++) {
            claude.set(new NeuronException(FailureCategory.RATE_LIMITED, 429, "Claude answered HTTP 429: rate limited",
                    Duration.ofSeconds(12), null));
            assertThat(ask()).isEqualTo(FailureCategory.RATE_LIMITED);
            clock.advance(Duration.ofMillis(50));
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.lastFailure()).hasValueSatisfying(failure -> assertThat(failure.category())
                .isEqualTo(FailureCategory.RATE_LIMITED));
        assertThat(breaker.lastCountedFailure()).isEmpty();
    }

    @Test
    void shouldNotOpenWhenAnOverloadedClaudeRefusesAThirdOfTheCallsButOpenWhenItRefusesThemAll() {
        // Given 30 % of the calls get 529 for a minute, at 10 calls a second
        for (int i = 0; i < 600; i++) {
            claude.set(i % 10 < 3 ? overloaded() : null);
            assertThat(ask()).as("call %d", i).isNotEqualTo(FailureCategory.UNAVAILABLE);
            clock.advance(Duration.ofMillis(100));
        }
        assertThat(breaker.state()).isEqualTo(State.CLOSED);

        // When every call gets 529, Claude is out for this layer: no success for 5 s opens the breaker, which probes
        int calls = 0;
        while (!breaker.open() && calls < 100) {
            claude.set(overloaded());
            ask();
            calls++;
            clock.advance(Duration.ofMillis(100));
        }
        assertThat(breaker.open()).isTrue();
        assertThat(calls).isLessThanOrEqualTo(51);
        assertThat(breaker.lastCountedFailure()).hasValueSatisfying(failure -> assertThat(failure.category())
                .isEqualTo(FailureCategory.OVERLOADED));
    }

    @Test
    void shouldReopenWhenTrialCallsMeetNothingButOverload() {
        // Given nothing but 529s for 6 s opened the breaker by the no-success rule
        claude.set(overloaded());
        for (int i = 0; i < 60 && !breaker.open(); i++) {
            ask();
            clock.advance(Duration.ofMillis(100));
        }
        assertThat(breaker.open()).isTrue();

        // When its trial calls meet 529s too, they decide (a 529 is not ignored while half-open): it opens again
        clock.advance(DEFAULTS.openDuration().plusMillis(1));
        assertThat(failTrials()).isEqualTo(DEFAULTS.halfOpenCalls());
        assertThat(breaker.open()).isTrue();
        assertThat(breaker.openDuration()).isEqualTo(Duration.ofMillis(1_500));
    }

    private static NeuronException overloaded() {
        return new NeuronException(FailureCategory.OVERLOADED, 529, "Claude answered HTTP 529: Overloaded", null, null);
    }

    @Test
    void shouldProbeAfterTheFirstShortWaitAndWaitLongerWhileProbesFail() {
        claude.set(serverError());
        callEvery(Duration.ZERO, 100);
        assertThat(breaker.open()).isTrue();
        long callsWhenOpened = calls.get();

        // The first opening lasts 1 s: nothing is called before, and the refusal says how long is left
        clock.advance(Duration.ofMillis(500));
        NeuronException refused = refusal();
        assertThat(refused.category()).isEqualTo(FailureCategory.UNAVAILABLE);
        assertThat(refused.retryAfter()).contains(Duration.ofMillis(500));
        assertThat(calls.get()).isEqualTo(callsWhenOpened);

        // then 3 trial calls fail: it opens again, for 1 s × 1.5 = 1.5 s
        clock.advance(Duration.ofMillis(501));
        assertThat(failTrials()).isEqualTo(DEFAULTS.halfOpenCalls());
        assertThat(breaker.open()).isTrue();
        assertThat(breaker.openDuration()).isEqualTo(Duration.ofMillis(1_500));
        clock.advance(Duration.ofMillis(1_499));
        assertThat(ask()).isEqualTo(FailureCategory.UNAVAILABLE);
        clock.advance(Duration.ofMillis(2));
        assertThat(failTrials()).isEqualTo(DEFAULTS.halfOpenCalls());

        // then the longest opening (2 s, not 2.25 s) while trial calls keep failing
        assertThat(breaker.openDuration()).isEqualTo(Duration.ofSeconds(2));
        for (int i = 0; i < 10; i++) {
            clock.advance(breaker.openDuration().plusMillis(1));
            failTrials();
        }
        assertThat(breaker.openDuration()).isEqualTo(DEFAULTS.maxOpenDuration());
    }

    @Test
    void shouldCloseWhenTheTrialsSucceedAndStartTheNextOpeningShortAgain() {
        claude.set(serverError());
        callEvery(Duration.ZERO, 100);
        clock.advance(Duration.ofMillis(1_001));
        failTrials();
        clock.advance(Duration.ofMillis(1_501));
        failTrials();
        assertThat(breaker.openDuration()).isEqualTo(Duration.ofSeconds(2));

        // When Claude is back, the trials after the current wait succeed and it closes
        claude.set(null);
        clock.advance(Duration.ofMillis(2_001));
        for (int i = 0; i < DEFAULTS.halfOpenCalls(); i++) {
            assertThat(ask()).isNull();
        }
        assertThat(breaker.state()).isEqualTo(State.CLOSED);

        // Then the next outage opens it for the first, short wait again
        claude.set(serverError());
        callEvery(Duration.ZERO, 100);
        assertThat(breaker.open()).isTrue();
        assertThat(breaker.openDuration()).isEqualTo(DEFAULTS.openDuration());
    }

    @Test
    void shouldNameTheLastFailureWithItsCategoryMessageAndRetryAfter() {
        assertThat(breaker.lastFailure()).isEmpty();
        claude.set(new NeuronException(FailureCategory.RATE_LIMITED, 429, "Claude answered HTTP 429: rate limited",
                Duration.ofSeconds(12), null));
        ask();
        assertThat(breaker.lastFailure().orElseThrow().describe())
                .isEqualTo("RATE_LIMITED: Claude answered HTTP 429: rate limited, retry-after 12 s");

        claude.set(new NeuronException(FailureCategory.TRANSIENT, 0,
                "I/O failure calling Claude: cannot resolve api.anthropic.com", null, null));
        callEvery(Duration.ZERO, 100);

        assertThat(breaker.lastFailure().orElseThrow().describe())
                .isEqualTo("TRANSIENT: I/O failure calling Claude: cannot resolve api.anthropic.com");
        assertThat(breaker.lastFailure().orElseThrow().at()).isEqualTo(clock.instant());
        assertThat(refusal().getMessage()).contains("cannot resolve api.anthropic.com");
    }

    @Test
    void shouldRejectBadBackoffSettings() {
        assertThatThrownBy(() -> DEFAULTS.withOpenBackoff(Duration.ofSeconds(2), 0.5, Duration.ofSeconds(30)))
                .hasMessageContaining("openBackoffMultiplier");
        assertThatThrownBy(() -> DEFAULTS.withOpenBackoff(Duration.ofSeconds(2), 2, Duration.ofSeconds(1)))
                .hasMessageContaining("maxOpenDuration");
        assertThatThrownBy(() -> DEFAULTS.withNoSuccess(Duration.ZERO, 3)).hasMessageContaining("noSuccess");
        assertThatThrownBy(() -> DEFAULTS.withNoSuccess(Duration.ofSeconds(5), 0))
                .hasMessageContaining("noSuccessFailures");
    }

    @Test
    void shouldAskSignalsRefusedWhileTrialCallsRunToComeBackInHalfAnAnswersTime() {
        // Given answers that take 400 ms, held until the test completes them
        List<CompletableFuture<NeuronReply>> pending = new ArrayList<>();
        NeuronClient slow = new NeuronClient() {
            @Override
            public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
                NeuronException failure = claude.get();
                if (failure != null) {
                    return CompletableFuture.failedFuture(failure);
                }
                CompletableFuture<NeuronReply> answer = new CompletableFuture<>();
                pending.add(answer);
                return answer;
            }

            @Override
            public long requestCount() {
                return 0;
            }

            @Override
            public void close() {
            }
        };
        breaker = new BreakerNeuronClient(slow, DEFAULTS, "L2", clock, false);
        for (int i = 0; i < 5; i++) {
            breaker.ask(new NeuronRequest(L2, "work"));
            clock.advance(Duration.ofMillis(400));
            pending.remove(0).complete(new NeuronReply("ok", "model", 1, 1, "end_turn", 400));
        }

        // When Claude is down long enough to open the breaker, then back, and its trial calls are on their way
        claude.set(serverError());
        callEvery(Duration.ofMillis(500), 100);
        assertThat(breaker.open()).isTrue();
        claude.set(null);
        clock.advance(DEFAULTS.openDuration().plusMillis(1));
        for (int i = 0; i < DEFAULTS.halfOpenCalls(); i++) {
            breaker.ask(new NeuronRequest(L2, "trial " + i));
        }

        // Then a signal refused now comes back in 200 ms, when the trial calls have about decided, not in 1 s
        NeuronException refused = refusal();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(refused.retryAfter()).contains(Duration.ofMillis(200));
    }

    /** Asks until refused; returns how many trial calls were let through (each failing). */
    private int failTrials() {
        int trials = 0;
        while (ask() != FailureCategory.UNAVAILABLE) {
            trials++;
            assertThat(trials).as("trial calls").isLessThanOrEqualTo(DEFAULTS.halfOpenCalls());
        }
        return trials;
    }

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {

        private volatile Instant now = Instant.parse("2026-11-30T12:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
