package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The provider's capacity: 529 overloaded_error for a request arriving while all places are taken. */
class ClaudeSimulatorCapacityTest {

    private static final String HOLD = "hold";

    private final ObjectMapper json = new ObjectMapper();
    /** Thinking tokens of one answer: the model's default effort. */
    private static final long THINKING =
            SimulatedThinking.tokens(SimulatorFixture.entry("claude-haiku-5-5").defaultEffort().orElseThrow());

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private CompletableFuture<HttpResponse<String>> post(String content) {
        String body = """
                {"model":"claude-haiku-5-5","max_tokens":1024,"messages":[{"role":"user","content":"%s"}]}"""
                .formatted(content);
        return http.sendAsync(fixture.post("/v1/messages", body, Duration.ofSeconds(30), "x-api-key", "k"),
                HttpResponse.BodyHandlers.ofString());
    }

    private void awaitInFlight(int count) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(fixture.simulator()::inFlight, inFlight -> inFlight == count);
    }

    @Test
    void shouldAnswerOverloadedToARequestArrivingWhileTheCapacityIsTaken() throws Exception {
        // requests holding "hold" wait far beyond the test; close() drops them
        fixture.start(SimulatorOptions.defaults().withCapacity(2)
                .withFaults(FaultPlans.when(request -> request.content().contains(HOLD), SimulatedFault.hang(FaultPlans.HANG))));
        List<CompletableFuture<HttpResponse<String>>> held = List.of(post(HOLD + " 1"), post(HOLD + " 2"));
        awaitInFlight(2);

        HttpResponse<String> third = post(HOLD + " 3").get(10, TimeUnit.SECONDS);

        assertThat(third.statusCode()).isEqualTo(529);
        JsonNode body = json.readTree(third.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(body.path("error").path("message").asText()).isEqualTo("Overloaded");
        assertThat(third.headers().firstValue("retry-after")).isEmpty();
        assertThat(held).noneMatch(CompletableFuture::isDone);
        assertThat(fixture.simulator().stats()).isEqualTo(new SimulatorStats(3, 0, 1, 0));
    }

    @Test
    void shouldServeAgainOnceAPlaceIsFree() throws Exception {
        fixture.start(SimulatorOptions.defaults().withCapacity(1)
                .withFaults(FaultPlans.when(request -> request.content().contains(HOLD),
                        SimulatedFault.hang(Duration.ofSeconds(2)))));
        CompletableFuture<HttpResponse<String>> held = post(HOLD);
        awaitInFlight(1);
        assertThat(post("while held").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(529);

        assertThat(held.get(10, TimeUnit.SECONDS).statusCode()).as("the held request's late answer").isEqualTo(504);
        HttpResponse<String> after = post("after").get(10, TimeUnit.SECONDS);

        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(fixture.simulator().stats().overloaded()).isEqualTo(1);
    }

    @Test
    void shouldNotCountRefusedRequestsAgainstTheCapacity() throws Exception {
        fixture.start(SimulatorOptions.defaults().withCapacity(1).withLimits(new AccountLimits(1, 0, 0)));

        assertThat(post("first").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(post("limited").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(429);

        assertThat(fixture.simulator().stats()).isEqualTo(new SimulatorStats(2, 1, 0, 0, 0, 0, 0, 0, THINKING));
    }
}
