package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.neurons.models.CatalogEntry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulator's account limits (token buckets per API key), spoken to directly with java.net.http on a movable clock. */
class ClaudeSimulatorRateLimitsTest {

    private static final Instant NOON = Instant.parse("2026-11-29T12:00:00Z");
    private static final String SYSTEM = "You are a HAL9 L2 Implementation neuron.";
    private static final String CONTENT = "add a health endpoint";
    private static final String MODEL = "claude-haiku-5-5";
    private static final String BODY = """
            {"model":"%s","max_tokens":4096,"system":"%s",
             "messages":[{"role":"user","content":"%s"}]}""".formatted(MODEL, SYSTEM, CONTENT);
    private static final CatalogEntry ENTRY = SimulatorFixture.entry(MODEL);
    /** What one {@link #BODY} takes from the buckets: its input, and its output with the default effort's thinking. */
    private static final long INPUT = ENTRY.estimateTokens(SYSTEM.length() + CONTENT.length());
    private static final long THINKING = SimulatedThinking.tokens(ENTRY.defaultEffort().orElseThrow());
    private static final long OUTPUT = THINKING + ENTRY.estimateTokens(SimulatedAnswers.answer(SYSTEM, CONTENT).length());
    private static final String RATELIMIT = "anthropic-ratelimit-";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final MovableClock clock = new MovableClock(NOON);
    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private void start(AccountLimits limits) {
        fixture.start(SimulatorOptions.defaults().withLatency(Duration.ZERO).withLimits(limits).withClock(clock));
    }

    private HttpResponse<String> post(String apiKey) throws Exception {
        return http.send(fixture.post("/v1/messages", BODY, Duration.ofSeconds(10), "x-api-key", apiKey),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post() throws Exception {
        return post("k1");
    }

    private static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElseThrow(() -> new AssertionError("no header " + name));
    }

    private static long number(HttpResponse<String> response, String name) {
        return Long.parseLong(header(response, RATELIMIT + name));
    }

    private static Instant reset(HttpResponse<String> response, String bucket) {
        // RFC 3339 with an offset, as the API sends it
        return OffsetDateTime.parse(header(response, RATELIMIT + bucket + "-reset"),
                DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    }

    private JsonNode errorOf(HttpResponse<String> response) throws Exception {
        JsonNode body = json.readTree(response.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        return body.path("error");
    }

    @Test
    void shouldRefuseTheRequestPastTheRequestsPerMinuteUntilItsRetryAfterHasPassed() throws Exception {
        start(new AccountLimits(3, 0, 0));

        HttpResponse<String> first = post();   // 200, 2 left
        HttpResponse<String> second = post();  // 200, 1 left
        HttpResponse<String> third = post();   // 200, 0 left
        HttpResponse<String> fourth = post();  // 429: one request refills every 20 s

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(number(first, "requests-limit")).isEqualTo(3);
        assertThat(number(first, "requests-remaining")).isEqualTo(2);
        assertThat(number(second, "requests-remaining")).isEqualTo(1);
        assertThat(number(third, "requests-remaining")).isZero();
        assertThat(reset(first, "requests")).isEqualTo(NOON.plusSeconds(20));
        assertThat(reset(third, "requests")).isEqualTo(NOON.plusSeconds(60));
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(errorOf(fourth).path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(errorOf(fourth).path("message").asText()).contains("3 requests per minute");
        assertThat(Long.parseLong(header(fourth, "retry-after"))).isEqualTo(20);
        assertThat(number(fourth, "requests-remaining")).isZero();

        clock.advance(Duration.ofSeconds(19));
        assertThat(post().statusCode()).as("before the retry-after has passed").isEqualTo(429);
        clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> after = post();
        assertThat(after.statusCode()).as("once the retry-after has passed").isEqualTo(200);
        assertThat(number(after, "requests-remaining")).isZero();
        assertThat(fixture.simulator().stats().rateLimited()).isEqualTo(2);
    }

    @Test
    void shouldRefillContinuouslyUpToTheLimitOnly() throws Exception {
        start(new AccountLimits(60, 0, 0));
        for (int i = 0; i < 60; i++) {
            assertThat(post().statusCode()).isEqualTo(200);
        }
        assertThat(post().statusCode()).isEqualTo(429);

        clock.advance(Duration.ofMillis(2500)); // 2.5 requests back
        HttpResponse<String> refilled = post();
        assertThat(refilled.statusCode()).isEqualTo(200);
        assertThat(number(refilled, "requests-remaining")).isEqualTo(1);

        clock.advance(Duration.ofHours(1)); // never more than the limit
        assertThat(number(post(), "requests-remaining")).isEqualTo(59);
    }

    @Test
    void shouldLimitInputTokensPerMinute() throws Exception {
        start(new AccountLimits(0, 2 * INPUT + 1, 0));

        HttpResponse<String> first = post();
        HttpResponse<String> second = post();
        HttpResponse<String> third = post();

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(number(first, "input-tokens-limit")).isEqualTo(2 * INPUT + 1);
        assertThat(number(first, "input-tokens-remaining")).isEqualTo(INPUT + 1);
        assertThat(number(second, "input-tokens-remaining")).isEqualTo(1);
        assertThat(number(second, "tokens-remaining")).as("tokens-* repeats the only token limit").isEqualTo(1);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(errorOf(third).path("message").asText()).contains("input tokens per minute");
        // INPUT - 1 tokens are missing; they come back at (2 INPUT + 1) / 60 per second
        long seconds = (long) Math.ceil((INPUT - 1) * 60.0 / (2 * INPUT + 1));
        assertThat(Long.parseLong(header(third, "retry-after"))).isEqualTo(Math.max(1, seconds));
        assertThat(first.headers().firstValue(RATELIMIT + "requests-limit")).as("no requests limit set").isEmpty();
        assertThat(first.headers().firstValue(RATELIMIT + "output-tokens-limit")).isEmpty();

        clock.advance(Duration.ofSeconds(Long.parseLong(header(third, "retry-after"))));
        assertThat(post().statusCode()).isEqualTo(200);
    }

    @Test
    void shouldLimitOutputTokensPerMinuteByTheAnswersLength() throws Exception {
        start(new AccountLimits(0, 0, OUTPUT));

        HttpResponse<String> first = post();
        HttpResponse<String> second = post();

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(json.readTree(first.body()).path("usage").path("output_tokens").asLong()).isEqualTo(OUTPUT);
        assertThat(number(first, "output-tokens-remaining")).isZero();
        assertThat(reset(first, "output-tokens")).isEqualTo(NOON.plusSeconds(60));
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(errorOf(second).path("message").asText()).contains("output tokens per minute");
        assertThat(Long.parseLong(header(second, "retry-after"))).isEqualTo(60);
    }

    @Test
    void shouldShowTheMostRestrictiveTokenLimitAsTokens() throws Exception {
        start(new AccountLimits(0, 100 * INPUT, 2 * OUTPUT));

        HttpResponse<String> response = post(); // 99 % of input left, 50 % of output

        assertThat(number(response, "tokens-limit")).isEqualTo(2 * OUTPUT);
        assertThat(number(response, "tokens-remaining")).isEqualTo(OUTPUT);
        assertThat(header(response, RATELIMIT + "tokens-reset"))
                .isEqualTo(header(response, RATELIMIT + "output-tokens-reset"));
    }

    @Test
    void shouldRoundLargeTokenRemaindersDownToThousands() throws Exception {
        start(new AccountLimits(50, 100_000, 0));

        HttpResponse<String> response = post();

        assertThat(number(response, "input-tokens-remaining")).isEqualTo(99_000);
        assertThat(number(response, "requests-remaining")).as("requests are exact").isEqualTo(49);
        assertThat(header(response, RATELIMIT + "input-tokens-reset")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    }

    @Test
    void shouldKeepOneAccountPerApiKey() throws Exception {
        start(new AccountLimits(1, 0, 0));

        assertThat(post("k1").statusCode()).isEqualTo(200);
        assertThat(post("k1").statusCode()).isEqualTo(429);
        assertThat(post("k2").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldSendTheHeadersOnInjectedErrorsAndCheckTheLimitsFirst() throws Exception {
        fixture.start(SimulatorOptions.defaults().withLatency(Duration.ZERO).withClock(clock)
                .withLimits(new AccountLimits(2, 0, 0))
                .withFaults(FaultPlans.errors(1.0, 500, Optional.empty(), 1)));

        HttpResponse<String> first = post();
        post();
        HttpResponse<String> third = post();

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(number(first, "requests-remaining")).isEqualTo(1);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(errorOf(third).path("type").asText()).isEqualTo("rate_limit_error");
    }

    @Test
    void shouldCountCallsThatIgnoreARetryAfterPerKey() throws Exception {
        start(new AccountLimits(1, 0, 0));

        post("k1");                                    // 200
        HttpResponse<String> limited = post("k1");     // 429, retry-after 60 s
        clock.advance(Duration.ofSeconds(30));
        post("k1");                                    // inside k1's retry-after: counted (and 429 again)
        post("k2");                                    // another key: not counted
        clock.advance(Duration.ofSeconds(60));
        HttpResponse<String> after = post("k1");       // after the retry-after: not counted

        assertThat(header(limited, "retry-after")).isEqualTo("60");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(fixture.simulator().stats()).isEqualTo(new SimulatorStats(5, 2, 0, 1, 0, 0, 0, 0, 3 * THINKING));
        assertThat(fixture.simulator().requestCount()).isEqualTo(5);
    }

    @Test
    void shouldServeItsStatsAsJson() throws Exception {
        start(new AccountLimits(1, 0, 0));
        post();
        post();
        post();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(fixture.baseUrl() + "/sim/stats"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        JsonNode stats = json.readTree(response.body());
        assertThat(stats.path("calls").asLong()).isEqualTo(3);
        assertThat(stats.path("rateLimited").asLong()).isEqualTo(2);
        assertThat(stats.path("overloaded").asLong()).isZero();
        assertThat(stats.path("insideRetryAfter").asLong()).isEqualTo(1);
        assertThat(fixture.simulator().requestCount()).as("/sim/stats is not a call").isEqualTo(3);
    }
}
