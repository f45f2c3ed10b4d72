package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulator's account limits and capacity as the real SDK, through ClaudeNeuronClient, sees them. */
class ClaudeSimulatorClientLimitsTest {

    private static final LayerProfile L2 = LayerProfile.defaults("L2");

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private CompletableFuture<NeuronReply> ask(String content) {
        return fixture.client().ask(new NeuronRequest(L2, content));
    }

    private static NeuronException failureOf(CompletableFuture<NeuronReply> call) {
        Throwable thrown = catchThrowable(() -> call.get(10, TimeUnit.SECONDS));
        assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(NeuronException.class);
        return (NeuronException) thrown.getCause();
    }

    @Test
    void shouldReachTheClientAsRateLimitedWithTheBucketsRetryAfter() throws Exception {
        fixture.start(SimulatorOptions.defaults().withLimits(new AccountLimits(2, 0, 0))
                .withClock(new MovableClock(Instant.parse("2026-11-29T12:00:00Z"))));
        fixture.client(Duration.ofSeconds(10));
        ask("one").get(10, TimeUnit.SECONDS);
        ask("two").get(10, TimeUnit.SECONDS);

        NeuronException failure = failureOf(ask("three"));

        assertThat(failure.category()).isEqualTo(FailureCategory.RATE_LIMITED);
        assertThat(failure.httpStatus()).isEqualTo(429);
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(30)); // 2 per minute: one back every 30 s
    }

    @Test
    void shouldReachTheClientAsOverloadedWhenTheCapacityIsTaken() {
        fixture.start(SimulatorOptions.defaults().withCapacity(1).withLatency(Duration.ofSeconds(5)));
        fixture.client(Duration.ofSeconds(10));
        CompletableFuture<NeuronReply> held = ask("held");
        // the held request has its place (in flight alone is not enough: it counts before it takes one)
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::serving, serving -> serving == 1);

        NeuronException failure = failureOf(ask("refused"));

        assertThat(failure.category()).isEqualTo(FailureCategory.OVERLOADED);
        assertThat(failure.httpStatus()).isEqualTo(529);
        assertThat(failure.retryAfter()).isEmpty();
        assertThat(held).isNotDone();
    }
}
