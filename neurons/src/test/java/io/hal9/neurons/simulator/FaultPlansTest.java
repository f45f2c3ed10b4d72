package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FaultPlansTest {

    private static final Instant NOON = Instant.parse("2026-11-27T12:00:00Z");

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private static SimulatedRequest request(long sequence) {
        return new SimulatedRequest(sequence, "claude-sonnet-5-5", "system", "content " + sequence);
    }

    private static List<Long> faulted(FaultPlan plan, int requests) {
        return LongStream.rangeClosed(1, requests).filter(i -> plan.next(request(i)).isPresent()).boxed().toList();
    }

    private void start(FaultPlan plan, Duration timeout) {
        fixture.start(SimulatorOptions.defaults().withFaults(plan));
        fixture.client(timeout);
    }

    private NeuronException failureOf(String content) {
        Throwable thrown = catchThrowable(() -> fixture.client()
                .ask(new NeuronRequest(LayerProfile.defaults("L2"), content))
                .get(10, TimeUnit.SECONDS));
        assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(NeuronException.class);
        return (NeuronException) thrown.getCause();
    }

    @Test
    void shouldFailAboutTheGivenShareOfRequests() {
        FaultPlan plan = FaultPlans.errors(0.3, 529, Optional.empty(), 42);

        assertThat(faulted(plan, 1000).size()).isBetween(250, 350);
        assertThat(faulted(FaultPlans.errors(0.0, 500, Optional.empty(), 1), 1000)).isEmpty();
        assertThat(faulted(FaultPlans.errors(1.0, 500, Optional.empty(), 1), 1000)).hasSize(1000);
    }

    @Test
    void shouldPickTheSameRequestsForTheSameSeedWhateverTheOrder() {
        List<Long> inOrder = faulted(FaultPlans.errors(0.3, 529, Optional.empty(), 42), 200);
        FaultPlan again = FaultPlans.errors(0.3, 529, Optional.empty(), 42);
        List<Long> backwards = LongStream.iterate(200, i -> i >= 1, i -> i - 1)
                .filter(i -> again.next(request(i)).isPresent()).sorted().boxed().toList();

        assertThat(backwards).isEqualTo(inOrder);
        assertThat(faulted(FaultPlans.errors(0.3, 529, Optional.empty(), 43), 200)).isNotEqualTo(inOrder);
    }

    @Test
    void shouldAnswerWithAnthropicsErrorTypeAndRetryAfter() {
        SimulatedFault fault = FaultPlans.errors(1.0, 429, Optional.of(Duration.ofSeconds(2)), 1)
                .next(request(1)).orElseThrow();

        assertThat(fault.status()).isEqualTo(429);
        assertThat(fault.errorType()).isEqualTo("rate_limit_error");
        assertThat(fault.retryAfter()).contains(Duration.ofSeconds(2));
        assertThat(FaultPlans.errorType(400)).isEqualTo("invalid_request_error");
        assertThat(FaultPlans.errorType(401)).isEqualTo("authentication_error");
        assertThat(FaultPlans.errorType(402)).isEqualTo("billing_error");
        assertThat(FaultPlans.errorType(403)).isEqualTo("permission_error");
        assertThat(FaultPlans.errorType(404)).isEqualTo("not_found_error");
        assertThat(FaultPlans.errorType(500)).isEqualTo("api_error");
        assertThat(FaultPlans.errorType(529)).isEqualTo("overloaded_error");
        assertThat(FaultPlans.errorType(503)).isEqualTo("api_error");
    }

    @Test
    void shouldReachTheClientAsARateLimitWithItsRetryAfter() {
        start(FaultPlans.errors(1.0, 429, Optional.of(Duration.ofSeconds(2)), 1), Duration.ofSeconds(10));

        NeuronException failure = failureOf("too many");

        assertThat(failure.category()).isEqualTo(FailureCategory.RATE_LIMITED);
        assertThat(failure.httpStatus()).isEqualTo(429);
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(2));
    }

    @Test
    void shouldFailEveryRequestInsideTheOutageWindowOnly() {
        Instant from = NOON;
        Instant until = NOON.plusSeconds(60);

        assertThat(FaultPlans.outage(from, until, 529, Clock.fixed(from.minusMillis(1), ZoneOffset.UTC))
                .next(request(1))).isEmpty();
        assertThat(FaultPlans.outage(from, until, 529, Clock.fixed(from, ZoneOffset.UTC)).next(request(1)))
                .hasValueSatisfying(fault -> {
                    assertThat(fault.status()).isEqualTo(529);
                    assertThat(fault.errorType()).isEqualTo("overloaded_error");
                });
        assertThat(faulted(FaultPlans.outage(from, until, 529, Clock.fixed(from.plusSeconds(30), ZoneOffset.UTC)),
                100)).hasSize(100);
        assertThat(FaultPlans.outage(from, until, 529, Clock.fixed(until, ZoneOffset.UTC)).next(request(1)))
                .isEmpty();
        assertThatThrownBy(() -> FaultPlans.outage(until, from, 529)).hasMessageContaining("before it starts");
    }

    @Test
    void shouldFailRequestsDuringARealTimeOutage() {
        start(FaultPlans.outage(Instant.now().minusSeconds(1), Instant.now().plusSeconds(60), 529),
                Duration.ofSeconds(10));

        NeuronException failure = failureOf("during the outage");

        assertThat(failure.category()).isEqualTo(FailureCategory.OVERLOADED);
        assertThat(failure.httpStatus()).isEqualTo(529);
    }

    @Test
    void shouldHangAboutTheGivenShareAndNeverAnswerThem() {
        assertThat(faulted(FaultPlans.hangs(0.3, 5), 1000).size()).isBetween(250, 350);
        assertThat(FaultPlans.hangs(1.0, 5).next(request(1)))
                .hasValueSatisfying(fault -> assertThat(fault.delay()).isEqualTo(FaultPlans.HANG));
    }

    @Test
    void shouldTimeOutOnAHangAndCloseTheSimulatorWithoutWaitingForIt() {
        start(FaultPlans.hangs(1.0, 5), Duration.ofMillis(300));
        CompletableFuture<NeuronReply> second =
                fixture.client().ask(new NeuronRequest(LayerProfile.defaults("L2"), "hang 2"));

        assertThat(failureOf("hang 1").category()).isEqualTo(FailureCategory.TIMEOUT);
        await().atMost(Duration.ofSeconds(5)).until(second::isDone);
        fixture.closeClient();

        ClaudeSimulator closed = fixture.simulator();
        long started = System.nanoTime();
        fixture.closeSimulator();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(closed.inFlight()).isZero();
    }

    @Test
    void shouldTakeTheFirstPlanThatFaults() {
        FaultPlan plan = FaultPlans.firstOf(
                FaultPlans.when(request -> request.content().contains("7"), SimulatedFault.serverError()),
                FaultPlans.when(request -> request.sequence() % 2 == 0, SimulatedFault.overloaded()),
                FaultPlan.none());

        assertThat(plan.next(request(7))).hasValueSatisfying(fault -> assertThat(fault.status()).isEqualTo(500));
        assertThat(plan.next(request(4))).hasValueSatisfying(fault -> assertThat(fault.status()).isEqualTo(529));
        assertThat(plan.next(request(3))).isEmpty();
        assertThat(FaultPlans.firstOf().next(request(1))).isEmpty();
    }

    @Test
    void shouldRejectRatesAndStatusesThatMakeNoSense() {
        assertThatThrownBy(() -> FaultPlans.errors(1.5, 500, Optional.empty(), 1)).hasMessageContaining("rate");
        assertThatThrownBy(() -> FaultPlans.errors(Double.NaN, 500, Optional.empty(), 1)).hasMessageContaining("rate");
        assertThatThrownBy(() -> FaultPlans.errors(0.5, 200, Optional.empty(), 1)).hasMessageContaining("status");
        assertThatThrownBy(() -> FaultPlans.hangs(-0.1, 1)).hasMessageContaining("rate");
    }

    @Test
    void shouldSpreadPicksEvenlyOverSeeds() {
        double mean = LongStream.range(0, 20)
                .mapToDouble(seed -> faulted(FaultPlans.errors(0.3, 500, Optional.empty(), seed), 500).size() / 500.0)
                .average().orElseThrow();

        assertThat(mean).isCloseTo(0.3, within(0.03));
    }
}
