package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Answers that stop early, as the Messages API gives them: capped at the request's {@code max_tokens}
 * ({@code stop_reason} {@code max_tokens}), or refused ({@code stop_reason} {@code refusal}, HTTP 200).
 */
class ClaudeSimulatorStopReasonsTest {

    private static final String SYSTEM = "You are a HAL9 L2 Implementation neuron.\\nBe brief.";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private static final String MODEL = "claude-haiku-5-5";
    /** Output tokens the model thinks before its text, at its default effort. */
    private static final long THINKING =
            SimulatedThinking.tokens(SimulatorFixture.entry(MODEL).defaultEffort().orElseThrow());

    private static String body(long maxTokens, String content) {
        return """
                {"model":"%s","max_tokens":%d,"system":"%s",
                 "messages":[{"role":"user","content":"%s"}]}""".formatted(MODEL, maxTokens, SYSTEM, content);
    }

    private JsonNode ask(long maxTokens, String content) throws Exception {
        HttpResponse<String> response = http.send(fixture.post("/v1/messages", body(maxTokens, content),
                Duration.ofSeconds(10), "x-api-key", "k"), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static String text(JsonNode message) {
        StringBuilder text = new StringBuilder();
        message.get("content").forEach(block -> text.append(block.path("text").asText()));
        return text.toString();
    }

    @Test
    void shouldCapTheAnswerAtMaxTokensAndSayItStoppedThere() throws Exception {
        fixture.start(SimulatorOptions.defaults());
        String full = text(ask(4096, "add a health endpoint to the billing service"));

        JsonNode capped = ask(THINKING + 5, "add a health endpoint to the billing service");

        // 5 tokens left after thinking: the longest start of the whole answer the tokenizer counts as 5 at most
        assertThat(capped.get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(capped.get("usage").get("output_tokens").asLong()).isEqualTo(THINKING + 5);
        String cut = text(capped);
        assertThat(full).startsWith(cut);
        assertThat(SimulatorFixture.entry(MODEL).estimateTokens(cut.length())).isLessThanOrEqualTo(5);
        assertThat(SimulatorFixture.entry(MODEL).estimateTokens(cut.length() + 4)).isGreaterThan(5);
        assertThat(fixture.simulator().stats().truncated()).isEqualTo(1);
    }

    @Test
    void shouldAnswerInFullWithEndTurnWhenTheAnswerFitsMaxTokensExactly() throws Exception {
        fixture.start(SimulatorOptions.defaults());
        JsonNode full = ask(4096, "write the migration");
        long tokens = full.get("usage").get("output_tokens").asLong();

        JsonNode exact = ask(tokens, "write the migration");

        assertThat(full.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(exact.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(text(exact)).isEqualTo(text(full));
        assertThat(fixture.simulator().stats().truncated()).isZero();
    }

    @Test
    void shouldRefuseWithStatus200NoTextAndStopDetails() throws Exception {
        fixture.start(SimulatorOptions.defaults().withRefusals(1.0, 7));

        JsonNode refused = ask(1024, "write the migration");

        assertThat(refused.get("type").asText()).isEqualTo("message");
        assertThat(refused.get("stop_reason").asText()).isEqualTo("refusal");
        assertThat(refused.get("content")).isEmpty();
        assertThat(refused.get("usage").get("input_tokens").asLong()).isPositive();
        assertThat(refused.get("usage").get("output_tokens").asLong()).isZero();
        JsonNode details = refused.get("stop_details");
        assertThat(details.get("type").asText()).isEqualTo("refusal");
        assertThat(details.get("category").isNull()).isTrue();
        assertThat(details.get("explanation").asText()).isEqualTo(ClaudeSimulator.REFUSAL_EXPLANATION);
        assertThat(fixture.simulator().stats().refused()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAboutTheGivenShareAndTheSameRequestsForTheSameSeed() throws Exception {
        List<String> first = stopReasons(0.5, 11, 30);
        List<String> again = stopReasons(0.5, 11, 30);
        List<String> otherSeed = stopReasons(0.5, 12, 30);

        long refusals = first.stream().filter("refusal"::equals).count();
        assertThat(refusals).isBetween(5L, 25L);
        assertThat(first).containsOnly("refusal", "end_turn");
        assertThat(again).isEqualTo(first);
        assertThat(otherSeed).isNotEqualTo(first);
    }

    @Test
    void shouldCountRefusalsAndTruncationsInItsJsonStats() throws Exception {
        fixture.start(SimulatorOptions.defaults().withRefusals(1.0, 7));
        ask(1024, "refused");

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(fixture.baseUrl() + "/sim/stats"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());

        JsonNode stats = json.readTree(response.body());
        assertThat(stats.path("calls").asLong()).isEqualTo(1);
        assertThat(stats.path("refused").asLong()).isEqualTo(1);
        assertThat(stats.path("truncated").asLong()).isZero();
        assertThat(fixture.simulator().stats()).isEqualTo(new SimulatorStats(1, 0, 0, 0, 1, 0));
    }

    @Test
    void shouldRejectARefusalRateOutsideZeroToOne() {
        assertThatThrownBy(() -> SimulatorOptions.defaults().withRefusals(1.5, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refusal rate");
        assertThatThrownBy(() -> SimulatorOptions.defaults().withRefusals(-0.1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refusal rate");
    }

    private List<String> stopReasons(double rate, long seed, int calls) throws Exception {
        fixture.start(SimulatorOptions.defaults().withLatency(Duration.ZERO).withRefusals(rate, seed));
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            reasons.add(ask(1024, "task " + i).get("stop_reason").asText());
        }
        assertThat(fixture.simulator().stats().refused()).isEqualTo(reasons.stream().filter("refusal"::equals).count());
        fixture.closeSimulator();
        return reasons;
    }
}
