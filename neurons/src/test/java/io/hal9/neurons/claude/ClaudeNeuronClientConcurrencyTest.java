package io.hal9.neurons.claude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.simulator.SimulatorFixture;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.neurons.testing.TestSettings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ClaudeNeuronClient carrying more calls at once than one anthropic-java client (64), through the
 * real SDK against the simulator over HTTP.
 */
class ClaudeNeuronClientConcurrencyTest {

    /** L3 on a model the simulator answers today (the bundled default may be a retired one). */
    private static final LayerProfile L3 = LayerProfile.defaults("L3").withModel("claude-sonnet-5-5");

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private void start(Duration latency, int maxConcurrency) {
        fixture.start(SimulatorOptions.defaults().withLatency(latency));
        fixture.client(TestSettings.claude(SimulatorFixture.KEY, fixture.baseUrl(), Duration.ofSeconds(30), 0)
                .withMaxConcurrency(maxConcurrency));
    }

    private List<CompletableFuture<NeuronReply>> ask(int calls) {
        return IntStream.range(0, calls)
                .mapToObj(i -> fixture.client().ask(new NeuronRequest(L3, "task " + i)))
                .toList();
    }

    private static void awaitAll(List<CompletableFuture<NeuronReply>> calls, Duration atMost) throws Exception {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(atMost.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(calls).allSatisfy(call -> assertThat(call.join().text()).startsWith("L3 Operational:"));
    }

    @Test
    void shouldHoldOneSdkClientPer64CallsInFlight() {
        assertThat(ClaudeNeuronClient.sdkClientsFor(1)).isEqualTo(1);
        assertThat(ClaudeNeuronClient.sdkClientsFor(64)).isEqualTo(1);
        assertThat(ClaudeNeuronClient.sdkClientsFor(65)).isEqualTo(2);
        assertThat(ClaudeNeuronClient.sdkClientsFor(256)).isEqualTo(4);
        assertThat(ClaudeNeuronClient.sdkClientsFor(300)).isEqualTo(5);
        assertThat(ClaudeNeuronClient.sdkClientsFor(1024)).isEqualTo(16);

        ClaudeSettings settings =
                TestSettings.claude(SimulatorFixture.KEY, "http://127.0.0.1:9", Duration.ofSeconds(5), 0);
        try (ClaudeNeuronClient defaults = new ClaudeNeuronClient(settings);
                ClaudeNeuronClient wide = new ClaudeNeuronClient(settings.withMaxConcurrency(300));
                ClaudeNeuronClient keyless = new ClaudeNeuronClient(settings.withApiKey(null).withMaxConcurrency(300))) {
            assertThat(defaults.sdkClientCount()).isEqualTo(1);
            assertThat(wide.sdkClientCount()).isEqualTo(5);
            assertThat(keyless.sdkClientCount()).isZero();
        }
    }

    @Test
    void shouldCarryMoreThan64CallsAtOnce() throws Exception {
        start(Duration.ZERO, 300);
        // no answer leaves the simulator until all 300 calls are there, however slow the machine
        fixture.simulator().holdAnswers();

        List<CompletableFuture<NeuronReply>> calls = ask(300);

        // All 300 wait for their answer at the same time: nothing queues behind a 64-request cap.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 300);
        assertThat(calls).noneMatch(CompletableFuture::isDone);
        fixture.simulator().releaseAnswers();
        awaitAll(calls, Duration.ofSeconds(30));
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(300);
        assertThat(fixture.simulator().requestCount()).isEqualTo(300);
        assertThat(fixture.client().requestCount()).isEqualTo(300);
        await().atMost(Duration.ofSeconds(5)).until(fixture.simulator()::inFlight, inFlight -> inFlight == 0);
        // The five SDK clients share one completion executor instead of up to 64 threads each.
        assertThat(threadsNamed(ClaudeNeuronClient.COMPLETION_THREAD_NAME))
                .isPositive().isLessThanOrEqualTo(ClaudeNeuronClient.COMPLETION_THREADS);
        assertThat(threadsNamed("anthropic-completion-thread")).isZero();
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().startsWith(prefix))
                .count();
    }

    @Test
    void shouldRunAtMost64CallsAtOnceWithTheDefaultConcurrency() throws Exception {
        // The premise of the round-robin: one SDK client never has more than 64 requests out.
        start(Duration.ZERO, TestSettings.ONE_SDK_CLIENT);
        fixture.simulator().holdAnswers();

        List<CompletableFuture<NeuronReply>> calls = ask(100);

        // With every answer held, 64 arrive and stay 64: the other 36 wait inside the SDK client.
        // (A machine too slow to send a 65th within the second only makes this weaker, never fail.)
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 64);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 64);
        assertThat(fixture.simulator().requestCount()).isEqualTo(64);
        fixture.simulator().releaseAnswers();
        awaitAll(calls, Duration.ofSeconds(30));
        assertThat(fixture.client().sdkClientCount()).isEqualTo(1);
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(64);
        assertThat(fixture.simulator().requestCount()).isEqualTo(100);
    }

    @Test
    void shouldCloseEverySdkClient() {
        start(Duration.ofMillis(20), 300);
        fixture.client().close();

        // Five asks reach each of the five SDK clients once; none of them may still send.
        List<CompletableFuture<NeuronReply>> calls = ask(5);

        assertThat(calls).allSatisfy(call -> {
            Throwable thrown = catchThrowable(() -> call.get(10, TimeUnit.SECONDS));
            assertThat(thrown).isInstanceOf(ExecutionException.class);
            assertThat(thrown.getCause()).isInstanceOf(NeuronException.class);
        });
        assertThat(fixture.simulator().requestCount()).isZero();
    }

    /**
     * A measurement, not a test of speed: 1,024 calls at 500 ms with maxConcurrency 1,024, three
     * times (the first run pays for new connections, threads and JIT). Only a generous bound is checked.
     */
    @Test
    void shouldComplete1024CallsAt500MsLatency() throws Exception {
        start(Duration.ofMillis(500), 1024);

        for (int run = 1; run <= 3; run++) {
            long started = System.nanoTime();
            List<CompletableFuture<NeuronReply>> calls = ask(1024);
            long issuedMs = (System.nanoTime() - started) / 1_000_000;
            awaitAll(calls, Duration.ofSeconds(20));
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("1024 calls at 500 ms, maxConcurrency 1024, run %d: all done in %d ms "
                    + "(%.0f calls/s; asks issued in %d ms; at most %d in flight at the simulator so far)%n",
                    run, elapsedMs, 1024 * 1000.0 / elapsedMs, issuedMs, fixture.simulator().maxInFlightSeen());
            assertThat(elapsedMs).isLessThan(20_000);
        }
        assertThat(fixture.simulator().requestCount()).isEqualTo(3 * 1024);
    }
}
