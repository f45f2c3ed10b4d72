package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulator's in-flight gauge and its capacity, spoken to directly with java.net.http. */
class ClaudeSimulatorConcurrencyTest {

    private static final String VALID_BODY = """
            {"model":"claude-haiku-4-5","max_tokens":64,
             "system":"You are a HAL9 L2 Implementation neuron.",
             "messages":[{"role":"user","content":"add a health endpoint"}]}""";

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private void start(SimulatorOptions options) {
        fixture.start(options);
    }

    private CompletableFuture<HttpResponse<String>> post(String path, String... headers) {
        HttpRequest request = fixture.post(path, VALID_BODY, Duration.ofSeconds(30), headers);
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private List<CompletableFuture<HttpResponse<String>>> postMessages(int count) {
        return IntStream.range(0, count).mapToObj(i -> post("/v1/messages", "x-api-key", "k")).toList();
    }

    private static void awaitAll(List<CompletableFuture<HttpResponse<String>>> calls, int status) throws Exception {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        assertThat(calls).allSatisfy(call -> assertThat(call.join().statusCode()).isEqualTo(status));
    }

    @Test
    void shouldCountRequestsInFlightUntilTheirAnswersAreSent() throws Exception {
        start(SimulatorOptions.defaults().withLatency(Duration.ofMillis(1500)));
        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(fixture.simulator().maxInFlightSeen()).isZero();

        List<CompletableFuture<HttpResponse<String>>> calls = postMessages(20);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 20);
        assertThat(calls).noneMatch(CompletableFuture::isDone);
        awaitAll(calls, 200);
        // A client that has its answer no longer finds it counted.
        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(20);
    }

    @Test
    void shouldCountErrorAnswersAndDelayedFaultsButNotOtherPaths() throws Exception {
        start(SimulatorOptions.defaults().withFaults(request -> Optional.of(SimulatedFault.hang(Duration.ofMillis(800)))));

        CompletableFuture<HttpResponse<String>> hung = post("/v1/messages", "x-api-key", "k");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 1);
        HttpResponse<String> unauthorized = post("/v1/messages").get(10, TimeUnit.SECONDS);
        HttpResponse<String> notFound = post("/v1/complete", "x-api-key", "k").get(10, TimeUnit.SECONDS);

        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(fixture.simulator().inFlight()).isEqualTo(1);
        assertThat(hung.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(2);
    }

    @Test
    void shouldStopCountingAnswersDroppedByClose() {
        start(SimulatorOptions.defaults().withLatency(Duration.ofSeconds(30)));

        postMessages(3);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 3);
        fixture.simulator().close();

        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(3);
    }

    /** 1,024 requests wait at once and are all answered about one latency later. */
    @Test
    void shouldHold1024RequestsInFlightAtOnce() throws Exception {
        start(SimulatorOptions.defaults().withLatency(Duration.ofMillis(2000)));

        long started = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = postMessages(1024);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 1024);
        long allReceivedMs = (System.nanoTime() - started) / 1_000_000;
        awaitAll(calls, 200);
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;

        System.out.printf("simulator, 1024 requests at 2000 ms over java.net.http: all in flight after %d ms, "
                + "all answered after %d ms%n", allReceivedMs, elapsedMs);
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(1024);
        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(elapsedMs).isLessThan(20_000);
    }
}
