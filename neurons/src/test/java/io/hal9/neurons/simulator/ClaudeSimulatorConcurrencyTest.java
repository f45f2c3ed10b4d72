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
            {"model":"claude-haiku-5-5","max_tokens":1024,
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
        // no latency: only the hold keeps the answers back
        start(SimulatorOptions.defaults().withLatency(Duration.ZERO));
        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(fixture.simulator().maxInFlightSeen()).isZero();
        fixture.simulator().holdAnswers();

        List<CompletableFuture<HttpResponse<String>>> calls = postMessages(20);

        // Held, the 20 are all in flight at once however long they take to arrive.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 20);
        assertThat(calls).noneMatch(CompletableFuture::isDone);
        fixture.simulator().releaseAnswers();
        awaitAll(calls, 200);
        // A client that has its answer no longer finds it counted.
        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(20);
    }

    @Test
    void shouldCountErrorAnswersAndDelayedFaultsButNotOtherPaths() throws Exception {
        start(SimulatorOptions.defaults().withLatency(Duration.ZERO)
                .withFaults(request -> Optional.of(SimulatedFault.serverError())));
        fixture.simulator().holdAnswers();

        // A fault answer, held until released: in flight for as long as the test needs.
        CompletableFuture<HttpResponse<String>> held = post("/v1/messages", "x-api-key", "k");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 1);
        HttpResponse<String> unauthorized = post("/v1/messages").get(10, TimeUnit.SECONDS);
        HttpResponse<String> notFound = post("/v1/complete", "x-api-key", "k").get(10, TimeUnit.SECONDS);

        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(fixture.simulator().inFlight()).isEqualTo(1);
        assertThat(held).isNotDone();
        fixture.simulator().releaseAnswers();
        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(500);
        assertThat(fixture.simulator().inFlight()).isZero();
        // the 401 counted while it was answered; the 404 never did
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(2);
    }

    @Test
    void shouldStopCountingAnswersDroppedByClose() {
        start(SimulatorOptions.defaults().withLatency(Duration.ZERO));
        fixture.simulator().holdAnswers();

        List<CompletableFuture<HttpResponse<String>>> calls = postMessages(3);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 3);
        fixture.simulator().close();

        assertThat(fixture.simulator().inFlight()).isZero();
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(3);
        // and releasing after the close sends nothing: the answers were dropped
        fixture.simulator().releaseAnswers();
        await().atMost(Duration.ofSeconds(30)).until(() -> calls.stream().allMatch(CompletableFuture::isDone));
        assertThat(calls).allMatch(CompletableFuture::isCompletedExceptionally);
    }

    /** 1,024 requests wait at once, held until all have arrived, and are all answered once released. */
    @Test
    void shouldHold1024RequestsInFlightAtOnce() throws Exception {
        start(SimulatorOptions.defaults().withLatency(Duration.ofMillis(500)));
        fixture.simulator().holdAnswers();

        long started = System.nanoTime();
        List<CompletableFuture<HttpResponse<String>>> calls = postMessages(1024);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == 1024);
        long allReceivedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(calls).noneMatch(CompletableFuture::isDone);
        long released = System.nanoTime();
        fixture.simulator().releaseAnswers();
        awaitAll(calls, 200);
        long answeredMs = (System.nanoTime() - released) / 1_000_000;

        System.out.printf("simulator, 1024 requests at 500 ms over java.net.http: all in flight after %d ms, "
                + "all answered %d ms after the release%n", allReceivedMs, answeredMs);
        assertThat(fixture.simulator().maxInFlightSeen()).isEqualTo(1024);
        assertThat(fixture.simulator().inFlight()).isZero();
    }
}
