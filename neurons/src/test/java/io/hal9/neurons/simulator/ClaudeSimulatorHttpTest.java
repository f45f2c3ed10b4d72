package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulator's HTTP contract, spoken to directly with java.net.http. */
class ClaudeSimulatorHttpTest {

    private static final String MODEL = "claude-haiku-5-5";
    private static final String VALID_BODY = """
            {"model":"claude-haiku-5-5","max_tokens":1024,
             "system":"You are a HAL9 L2 Implementation neuron.\\nBe brief.",
             "messages":[{"role":"user","content":"add a health endpoint"}]}""";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicReference<SimulatedRequest> seenByFaultPlan = new AtomicReference<>();
    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    @BeforeEach
    void startSimulator() {
        fixture.start(SimulatorOptions.defaults().withFaults(request -> {
            seenByFaultPlan.set(request);
            return Optional.empty();
        }));
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest request = fixture.post(path, body, Duration.ofSeconds(10), headers);
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode errorOf(HttpResponse<String> response) throws Exception {
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("type").asText()).isEqualTo("error");
        return body.get("error");
    }

    @Test
    void shouldAcceptAnXApiKey() throws Exception {
        HttpResponse<String> response = post("/v1/messages", VALID_BODY, "x-api-key", "k1");

        JsonNode message = json.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(message.get("id").asText()).startsWith("msg_sim_");
        assertThat(message.get("type").asText()).isEqualTo("message");
        assertThat(message.get("role").asText()).isEqualTo("assistant");
        assertThat(message.get("model").asText()).isEqualTo(MODEL);
        JsonNode text = message.get("content").get(message.get("content").size() - 1);
        assertThat(text.get("type").asText()).isEqualTo("text");
        assertThat(text.get("text").asText()).startsWith("L2 Implementation:").contains("add a health endpoint");
        assertThat(message.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(message.get("stop_sequence").isNull()).isTrue();
        assertThat(message.get("usage").get("input_tokens").asLong()).isPositive();
        assertThat(message.get("usage").get("output_tokens").asLong()).isPositive();
        assertThat(fixture.simulator().lastRequest().orElseThrow().header("X-Api-Key")).contains("k1");
    }

    @Test
    void shouldAnswerWithTheDatedSnapshotOfTheAliasAskedFor() throws Exception {
        // the API answers claude-sonnet-4-5-20250929 for claude-sonnet-4-5: the snapshot that served the request
        HttpResponse<String> response = post("/v1/messages", VALID_BODY.replace(MODEL, "claude-haiku-4-5"),
                "x-api-key", "k");

        assertThat(json.readTree(response.body()).get("model").asText()).isEqualTo("claude-haiku-4-5-20250929");
    }

    @Test
    void shouldAnswerAModelWithADatelessCatalogIdAsAsked() throws Exception {
        // from the 4.6 models on, a dateless id is itself a pinned snapshot
        HttpResponse<String> response = post("/v1/messages", VALID_BODY, "x-api-key", "k");

        assertThat(json.readTree(response.body()).get("model").asText()).isEqualTo(MODEL);
    }

    @Test
    void shouldAnswerWithTheSnapshotDateItIsGivenAndADatedModelAsAsked() throws Exception {
        fixture.closeSimulator();
        fixture.start(SimulatorOptions.defaults().withSnapshotDate("20251001"));

        HttpResponse<String> alias = post("/v1/messages", VALID_BODY.replace(MODEL, "claude-haiku-4-5"),
                "x-api-key", "k");
        HttpResponse<String> dated = post("/v1/messages", VALID_BODY.replace(MODEL, "claude-haiku-5-5-20261101"),
                "x-api-key", "k");

        assertThat(json.readTree(alias.body()).get("model").asText()).isEqualTo("claude-haiku-4-5-20251001");
        assertThat(json.readTree(dated.body()).get("model").asText()).isEqualTo("claude-haiku-5-5-20261101");
    }

    @Test
    void shouldAnswerTheModelAsAskedWithoutASnapshotDate() throws Exception {
        fixture.closeSimulator();
        fixture.start(SimulatorOptions.defaults().withSnapshotDate(""));

        HttpResponse<String> response = post("/v1/messages", VALID_BODY.replace(MODEL, "claude-haiku-4-5"),
                "x-api-key", "k");

        assertThat(json.readTree(response.body()).get("model").asText()).isEqualTo("claude-haiku-4-5");
    }

    @Test
    void shouldAcceptABearerToken() throws Exception {
        HttpResponse<String> response = post("/v1/messages", VALID_BODY, "authorization", "Bearer k2");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(fixture.simulator().lastRequest().orElseThrow().header("authorization")).contains("Bearer k2");
    }

    @Test
    void shouldRejectARequestWithoutKey() throws Exception {
        HttpResponse<String> response = post("/v1/messages", VALID_BODY);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(errorOf(response).get("type").asText()).isEqualTo("authentication_error");
        assertThat(seenByFaultPlan.get()).isNull();
    }

    @Test
    void shouldRejectAnEmptyBearerToken() throws Exception {
        HttpResponse<String> response = post("/v1/messages", VALID_BODY, "authorization", "Bearer  ");

        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void shouldNameTheFieldOfAnInvalidRequest() throws Exception {
        String zeroMaxTokens = VALID_BODY.replace("\"max_tokens\":1024", "\"max_tokens\":0");
        String noMessages = VALID_BODY.replaceAll("\"messages\":\\[.*]", "\"messages\":[]");

        HttpResponse<String> badTokens = post("/v1/messages", zeroMaxTokens, "x-api-key", "k");
        HttpResponse<String> badMessages = post("/v1/messages", noMessages, "x-api-key", "k");
        HttpResponse<String> notJson = post("/v1/messages", "{nope", "x-api-key", "k");

        assertThat(badTokens.statusCode()).isEqualTo(400);
        assertThat(errorOf(badTokens).get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(errorOf(badTokens).get("message").asText()).contains("max_tokens");
        assertThat(badMessages.statusCode()).isEqualTo(400);
        assertThat(errorOf(badMessages).get("message").asText()).contains("messages");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(seenByFaultPlan.get()).isNull();
    }

    @Test
    void shouldAnswerOtherPathsWithNotFound() throws Exception {
        HttpResponse<String> response = post("/v1/complete", VALID_BODY, "x-api-key", "k");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(errorOf(response).get("type").asText()).isEqualTo("not_found_error");
        assertThat(fixture.simulator().requestCount()).isZero();
    }

    @Test
    void shouldHandTheFaultPlanTheParsedRequestInArrivalOrder() throws Exception {
        post("/v1/messages", VALID_BODY, "x-api-key", "k");
        post("/v1/messages", VALID_BODY.replace("add a health endpoint", "second"), "x-api-key", "k");

        assertThat(seenByFaultPlan.get()).isEqualTo(new SimulatedRequest(2, "claude-haiku-5-5",
                "You are a HAL9 L2 Implementation neuron.\nBe brief.", "second"));
    }

    @Test
    void shouldAnswerAnInjectedFaultInAnthropicsErrorShapeWithRetryAfter() throws Exception {
        fixture.closeSimulator();
        fixture.start(SimulatorOptions.defaults()
                .withFaults(request -> Optional.of(SimulatedFault.rateLimited(Duration.ofSeconds(3)))));

        HttpResponse<String> response = post("/v1/messages", VALID_BODY, "x-api-key", "k");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).contains("3");
        assertThat(errorOf(response).get("type").asText()).isEqualTo("rate_limit_error");
        assertThat(errorOf(response).get("message").asText()).isNotBlank();
    }

    @Test
    void shouldCarryTheRequestIdOfTheHeaderInAnErrorBody() throws Exception {
        HttpResponse<String> response = post("/v1/messages", VALID_BODY);

        JsonNode body = json.readTree(response.body());
        assertThat(body.get("request_id").asText()).startsWith("req_")
                .isEqualTo(response.headers().firstValue("request-id").orElseThrow());
    }

    @Test
    void shouldAnswerAReachedSpendLimitWithItsErrorCodeAndNoRetryAfter() throws Exception {
        fixture.closeSimulator();
        fixture.start(SimulatorOptions.defaults().withFaults(request -> Optional.of(SimulatedFault.spendLimit())));

        HttpResponse<String> response = post("/v1/messages", VALID_BODY, "x-api-key", "k");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("retry-after")).isEmpty();
        assertThat(errorOf(response).get("type").asText()).isEqualTo("rate_limit_error");
        assertThat(errorOf(response).path("details").path("error_code").asText())
                .isEqualTo("enforced_spend_limit_reached");
        assertThat(json.readTree(response.body()).get("request_id").asText()).startsWith("req_");
    }

    @Test
    void shouldAnswerAModelOutsideItsModelsWithNotFoundNamingIt() throws Exception {
        fixture.closeSimulator();
        fixture.start(SimulatorOptions.defaults().withModels(Set.of("claude-sonnet-5-5")));

        HttpResponse<String> unknown = post("/v1/messages", VALID_BODY, "x-api-key", "k");
        HttpResponse<String> known = post("/v1/messages",
                VALID_BODY.replace("claude-haiku-5-5", "claude-sonnet-5-5"), "x-api-key", "k");
        HttpResponse<String> knownSnapshot = post("/v1/messages",
                VALID_BODY.replace("claude-haiku-5-5", "claude-sonnet-5-5-20261001"), "x-api-key", "k");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(errorOf(unknown).get("type").asText()).isEqualTo("not_found_error");
        assertThat(errorOf(unknown).get("message").asText()).isEqualTo("model: claude-haiku-5-5");
        assertThat(known.statusCode()).isEqualTo(200);
        assertThat(knownSnapshot.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldReportNoPromptCacheUseWithoutCacheControlAndTheConfiguredFiguresWhenGiven() throws Exception {
        JsonNode usage = json.readTree(post("/v1/messages", VALID_BODY, "x-api-key", "k").body()).get("usage");
        fixture.closeSimulator();
        fixture.start(SimulatorOptions.defaults().withCacheUsage(new CacheUsage(1_000, 20_000)));
        JsonNode cached = json.readTree(post("/v1/messages", VALID_BODY, "x-api-key", "k").body()).get("usage");

        assertThat(usage.get("cache_creation_input_tokens").asLong()).isZero();
        assertThat(usage.get("cache_read_input_tokens").asLong()).isZero();
        assertThat(cached.get("cache_creation_input_tokens").asLong()).isEqualTo(1_000);
        assertThat(cached.get("cache_read_input_tokens").asLong()).isEqualTo(20_000);
    }
}
