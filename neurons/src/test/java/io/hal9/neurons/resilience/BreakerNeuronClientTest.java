package io.hal9.neurons.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.FaultPlan;
import io.hal9.neurons.simulator.FaultPlans;
import io.hal9.neurons.simulator.SimulatedFault;
import io.hal9.neurons.simulator.SimulatorFixture;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.neurons.testing.TestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** BreakerNeuronClient over the real SDK (ClaudeNeuronClient, no SDK retries) against the simulator over HTTP. */
class BreakerNeuronClientTest {

    /** L3 on a model the simulator answers today (the bundled default may be a retired one). */
    private static final LayerProfile L3 = LayerProfile.defaults("L3").withModel("claude-sonnet-5-5");
    private static final Duration OPEN = Duration.ofSeconds(1);
    /** A quick breaker: 50 % of 5 calls open it (the policy's defaults are judged in BreakerPolicyTest). */
    private static final BreakerSettings SETTINGS = TestSettings.breaker().withMinimumCalls(5)
            .withFailureRatePercent(50).withOpenDuration(OPEN);
    private static final String BAD_REQUEST = "[bad-request]";
    private static final String BAD_KEY = "[bad-key]";

    /** While true the simulator answers every request with 500: Claude is down. */
    private final AtomicBoolean outage = new AtomicBoolean();
    private final FaultPlan faults = FaultPlans.firstOf(
            FaultPlans.when(request -> request.content().contains(BAD_REQUEST),
                    SimulatedFault.of(400, "invalid_request_error", "bad")),
            FaultPlans.when(request -> request.content().contains(BAD_KEY),
                    SimulatedFault.of(401, "authentication_error", "invalid x-api-key")),
            request -> outage.get() ? Optional.of(SimulatedFault.serverError()) : Optional.empty());

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();
    private BreakerNeuronClient breaker;

    private void start(SimulatorOptions options, Duration timeout) {
        fixture.start(options);
        breaker = fixture.closing(new BreakerNeuronClient(fixture.client(timeout), SETTINGS, "L3"));
    }

    private void start() {
        start(SimulatorOptions.defaults().withFaults(faults), Duration.ofSeconds(10));
    }

    private static NeuronException failureOf(CompletableFuture<NeuronReply> future) {
        Throwable thrown = catchThrowable(() -> future.get(10, TimeUnit.SECONDS));
        assertThat(thrown).isInstanceOf(ExecutionException.class);
        assertThat(thrown.getCause()).isInstanceOf(NeuronException.class);
        return (NeuronException) thrown.getCause();
    }

    private NeuronException failureOf(String content) {
        return failureOf(breaker.ask(new NeuronRequest(L3, content)));
    }

    private NeuronReply ask(String content) throws Exception {
        return breaker.ask(new NeuronRequest(L3, content)).get(10, TimeUnit.SECONDS);
    }

    /** 500s until the breaker opens, which takes at most the minimum number of calls (5); returns how many. */
    private int openByOutage() {
        outage.set(true);
        int failed = 0;
        while (!breaker.open()) {
            assertThat(failed).as("failed calls before the breaker opened").isLessThan(5);
            assertThat(failureOf("during the outage " + failed).category()).isEqualTo(FailureCategory.TRANSIENT);
            failed++;
        }
        return failed;
    }

    @Test
    void shouldOpenAfterFiveFailedCallsAndThenFailFastWithoutCalling() {
        start();

        assertThat(openByOutage()).isEqualTo(5);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.open()).isTrue();
        assertThat(fixture.simulator().requestCount()).isEqualTo(5);
        NeuronException refused = failureOf("while open");
        assertThat(refused.category()).isEqualTo(FailureCategory.UNAVAILABLE);
        assertThat(refused.category().retryable()).isFalse();
        assertThat(refused.category().countsAgainstBreaker()).isFalse();
        assertThat(refused.retryAfter()).hasValueSatisfying(
                after -> assertThat(after).isPositive().isLessThanOrEqualTo(OPEN));
        assertThat(refused.getMessage()).contains("l3-claude");
        assertThat(fixture.simulator().requestCount()).isEqualTo(5);
        assertThat(breaker.requestCount()).isEqualTo(5);
    }

    @Test
    void shouldLetOnlyTheTrialCallsThroughWhenHalfOpenAndReopenIfTheyFail() {
        start();
        openByOutage();

        await().atMost(Duration.ofSeconds(5)).until(() -> breaker.state() == State.HALF_OPEN);
        List<CompletableFuture<NeuronReply>> asks = IntStream.range(0, 10)
                .mapToObj(i -> breaker.ask(new NeuronRequest(L3, "trial " + i)))
                .toList();
        List<FailureCategory> outcomes = asks.stream().map(ask -> failureOf(ask).category()).toList();

        assertThat(fixture.simulator().requestCount()).isEqualTo(5 + SETTINGS.halfOpenCalls());
        assertThat(outcomes).filteredOn(category -> category == FailureCategory.TRANSIENT)
                .hasSize(SETTINGS.halfOpenCalls());
        assertThat(outcomes).filteredOn(category -> category == FailureCategory.UNAVAILABLE)
                .hasSize(10 - SETTINGS.halfOpenCalls());
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void shouldCloseWhenTheTrialCallsSucceedAfterTheOutage() throws Exception {
        start();
        openByOutage();

        outage.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> breaker.state() == State.HALF_OPEN);
        for (int i = 0; i < SETTINGS.halfOpenCalls(); i++) {
            assertThat(ask("after the outage " + i).text()).isNotEmpty();
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(ask("business as usual").text()).isNotEmpty();
        assertThat(fixture.simulator().requestCount()).isEqualTo(5 + SETTINGS.halfOpenCalls() + 1);
    }

    @Test
    void shouldNotOpenOnOurOwnMistakes() {
        start();

        for (int i = 0; i < 10; i++) {
            assertThat(failureOf(BAD_REQUEST + i).category()).isEqualTo(FailureCategory.CLIENT_ERROR);
            assertThat(failureOf(BAD_KEY + i).category()).isEqualTo(FailureCategory.AUTH);
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(fixture.simulator().requestCount()).isEqualTo(20);
    }

    @Test
    void shouldNotSpendATrialSlotOnAnIgnoredError() throws Exception {
        start();
        openByOutage();
        outage.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> breaker.state() == State.HALF_OPEN);

        // more 400s than there are trial slots: each releases its permission
        for (int i = 0; i < SETTINGS.halfOpenCalls() + 2; i++) {
            assertThat(failureOf(BAD_REQUEST + i).category()).isEqualTo(FailureCategory.CLIENT_ERROR);
        }
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        for (int i = 0; i < SETTINGS.halfOpenCalls(); i++) {
            ask("trial " + i);
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void shouldCountAHangPastTheTimeoutAsATimeoutAndABreakerFailure() {
        start(SimulatorOptions.defaults().withFaults(FaultPlans.hangs(1.0, 7)), Duration.ofMillis(300));

        NeuronException failure = failureOf("never answered");

        assertThat(failure.category()).isEqualTo(FailureCategory.TIMEOUT);
        assertThat(breaker.timeouts()).isEqualTo(1);
        assertThat(breaker.circuitBreaker().getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(breaker.circuitBreaker().getMetrics().getNumberOfSlowCalls()).isZero();
    }

    @Test
    void shouldOpenOnRepeatedTimeouts() {
        start(SimulatorOptions.defaults().withFaults(FaultPlans.hangs(1.0, 7)), Duration.ofMillis(300));

        for (int i = 0; i < 5; i++) {
            assertThat(failureOf("hang " + i).category()).isEqualTo(FailureCategory.TIMEOUT);
        }

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.timeouts()).isEqualTo(5);
    }

    @Test
    void shouldPublishBreakerStateOpenGaugeAndTimeouts() {
        start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        breaker.bindMetrics(registry);
        assertThat(registry.get(BreakerNeuronClient.OPEN_GAUGE).tag("layer", "L3").gauge().value()).isZero();

        openByOutage();

        assertThat(registry.get(BreakerNeuronClient.OPEN_GAUGE).tag("layer", "L3").gauge().value()).isEqualTo(1);
        assertThat(registry.get("resilience4j.circuitbreaker.state").tag("name", "l3-claude").tag("state", "open")
                .gauge().value()).isEqualTo(1);
        assertThat(registry.get("resilience4j.circuitbreaker.state").tag("state", "closed").tag("layer", "L3")
                .gauge().value()).isZero();
        assertThat(registry.get(BreakerNeuronClient.TIMEOUTS_COUNTER).tag("layer", "L3").functionCounter().count())
                .isZero();
    }

    @Test
    void shouldServeCachedAnswersWhileTheBreakerIsOpen() throws Exception {
        start();
        CachedNeuronClient cache = new CachedNeuronClient(breaker, TestSettings.cache("L3"), "L3");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        cache.bindMetrics(registry);
        NeuronReply answered = cache.ask(new NeuronRequest(L3, "asked before the outage")).get(10, TimeUnit.SECONDS);

        int failed = openByOutage();
        NeuronReply served = cache.ask(new NeuronRequest(L3, "asked before the outage")).get(10, TimeUnit.SECONDS);
        NeuronException uncached = failureOf(cache.ask(new NeuronRequest(L3, "new work during the outage")));

        assertThat(served).isEqualTo(answered.asCached());
        assertThat(uncached.category()).isEqualTo(FailureCategory.UNAVAILABLE);
        assertThat(failed).isEqualTo(4); // 1 success + 4 failures: 80 % of 5 calls
        assertThat(fixture.simulator().requestCount()).isEqualTo(1 + failed);
        assertThat(registry.get("cache.gets").tag("cache", "l3-neuron-cache").tag("result", "hit")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("cache.gets").tag("layer", "L3").tag("result", "miss").functionCounter().count())
                .isEqualTo(2);
        // the refused call was not cached: the next ask goes to the breaker again
        assertThat(failureOf(cache.ask(new NeuronRequest(L3, "new work during the outage"))).category())
                .isEqualTo(FailureCategory.UNAVAILABLE);
        cache.close();
    }

    @Test
    void shouldRejectBadSettings() {
        BreakerSettings defaults = TestSettings.breaker();
        assertThatThrownBy(() -> defaults.withWindow(Duration.ofMillis(1500))).hasMessageContaining("window");
        assertThatThrownBy(() -> defaults.withMinimumCalls(0)).hasMessageContaining("minimumCalls");
        assertThatThrownBy(() -> defaults.withFailureRatePercent(0)).hasMessageContaining("failureRatePercent");
        assertThatThrownBy(() -> defaults.withFailureRatePercent(101)).hasMessageContaining("failureRatePercent");
        assertThatThrownBy(() -> defaults.withOpenDuration(Duration.ZERO)).hasMessageContaining("openDuration");
        assertThatThrownBy(() -> defaults.withHalfOpenCalls(0)).hasMessageContaining("halfOpenCalls");
    }
}
