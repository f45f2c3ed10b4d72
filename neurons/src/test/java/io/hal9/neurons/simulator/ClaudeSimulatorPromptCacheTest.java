package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.anthropic.client.AnthropicClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Usage;
import io.hal9.neurons.models.CatalogEntry;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The simulator's prompt cache, as the API keeps it, spoken to through the real Anthropic SDK on a
 * movable clock: a {@code cache_control} caches the system prompt when it reaches the model's minimum
 * length; the first request writes it, later ones within the TTL read it.
 */
class ClaudeSimulatorPromptCacheTest {

    private static final String MODEL = "claude-haiku-5-5";
    private static final CatalogEntry ENTRY = SimulatorFixture.entry(MODEL);
    /** A system prompt of twice the model's minimum cacheable length. */
    private static final String LONG_SYSTEM = "You are a HAL9 L3 Operational neuron.\n"
            + "Follow the house rules. ".repeat((int) (ENTRY.minCacheableTokens() * 2 * 4 / ENTRY.tokenizerFactor() / 24));
    private static final String CONTENT = "Add a health endpoint";

    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-07T12:00:00Z"));
    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    @BeforeEach
    void startSimulator() {
        fixture.start(SimulatorOptions.defaults().withLatency(Duration.ZERO).withClock(clock));
    }

    private static MessageCreateParams.Builder request(String system) {
        return MessageCreateParams.builder().model(MODEL).maxTokens(4096).system(system).addUserMessage(CONTENT);
    }

    private static MessageCreateParams automatic(String system, CacheControlEphemeral.Ttl ttl) {
        return request(system).cacheControl(CacheControlEphemeral.builder().ttl(ttl).build()).build();
    }

    private Usage usage(MessageCreateParams params) {
        return fixture.sdk().messages().create(params).usage();
    }

    private static long prefixTokens() {
        return ENTRY.estimateTokens(LONG_SYSTEM.length());
    }

    @Test
    void shouldWriteThePrefixThenReadItWithinTheTtlAndWriteItAgainAfter() {
        MessageCreateParams params = automatic(LONG_SYSTEM, CacheControlEphemeral.Ttl.TTL_5M);
        assertThat(prefixTokens()).isGreaterThanOrEqualTo(ENTRY.minCacheableTokens());

        Usage first = usage(params);
        clock.advance(Duration.ofMinutes(4));
        Usage second = usage(params);           // within 5 minutes of the write
        clock.advance(Duration.ofMinutes(4));
        Usage third = usage(params);            // 8 minutes after the write, 4 after the read that refreshed it
        clock.advance(Duration.ofMinutes(6));
        Usage fourth = usage(params);           // 6 minutes after the last use: expired

        assertThat(first.cacheCreationInputTokens()).contains(prefixTokens());
        assertThat(first.cacheCreation().orElseThrow().ephemeral5mInputTokens()).isEqualTo(prefixTokens());
        assertThat(first.cacheCreation().orElseThrow().ephemeral1hInputTokens()).isZero();
        assertThat(first.cacheReadInputTokens()).contains(0L);
        assertThat(first.inputTokens()).as("only what follows the prefix").isEqualTo(
                ENTRY.estimateTokens(CONTENT.length()));
        for (Usage read : List.of(second, third)) {
            assertThat(read.cacheReadInputTokens()).contains(prefixTokens());
            assertThat(read.cacheCreationInputTokens()).contains(0L);
            assertThat(read.inputTokens()).isEqualTo(ENTRY.estimateTokens(CONTENT.length()));
        }
        assertThat(fourth.cacheCreationInputTokens()).contains(prefixTokens());
        assertThat(fourth.cacheReadInputTokens()).contains(0L);
        SimulatorStats stats = fixture.simulator().stats();
        assertThat(stats.promptCacheWrites()).isEqualTo(2);
        assertThat(stats.promptCacheReads()).isEqualTo(2);
    }

    @Test
    void shouldServePromptCacheWritesReadsAndThinkingTokensInItsJsonStats() throws Exception {
        MessageCreateParams params = automatic(LONG_SYSTEM, CacheControlEphemeral.Ttl.TTL_5M);
        usage(params);
        usage(params);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        JsonNode stats = new ObjectMapper().readTree(http.send(
                HttpRequest.newBuilder(URI.create(fixture.baseUrl() + "/sim/stats")).timeout(Duration.ofSeconds(10))
                        .GET().build(), HttpResponse.BodyHandlers.ofString()).body());

        assertThat(stats.path("promptCacheWrites").asLong()).isEqualTo(1);
        assertThat(stats.path("promptCacheReads").asLong()).isEqualTo(1);
        assertThat(stats.path("thinkingTokens").asLong()).isEqualTo(fixture.simulator().stats().thinkingTokens())
                .isEqualTo(2 * SimulatedThinking.tokens(ENTRY.defaultEffort().orElseThrow()));
    }

    @Test
    void shouldKeepAOneHourEntryForAnHour() {
        MessageCreateParams params = automatic(LONG_SYSTEM, CacheControlEphemeral.Ttl.TTL_1H);

        Usage written = usage(params);
        clock.advance(Duration.ofMinutes(59));
        Usage read = usage(params);

        assertThat(written.cacheCreation().orElseThrow().ephemeral1hInputTokens()).isEqualTo(prefixTokens());
        assertThat(written.cacheCreation().orElseThrow().ephemeral5mInputTokens()).isZero();
        assertThat(read.cacheReadInputTokens()).contains(prefixTokens());
    }

    @Test
    void shouldNotCacheAPrefixBelowTheModelsMinimum() {
        String shortSystem = "You are a HAL9 L3 Operational neuron.";

        Usage first = usage(automatic(shortSystem, CacheControlEphemeral.Ttl.TTL_5M));
        Usage second = usage(automatic(shortSystem, CacheControlEphemeral.Ttl.TTL_5M));

        for (Usage usage : List.of(first, second)) {
            assertThat(usage.cacheCreationInputTokens()).contains(0L);
            assertThat(usage.cacheReadInputTokens()).contains(0L);
            assertThat(usage.inputTokens()).isEqualTo(ENTRY.estimateTokens(shortSystem.length() + CONTENT.length()));
        }
        assertThat(fixture.simulator().stats().promptCacheWrites()).isZero();
    }

    @Test
    void shouldNotCacheWithoutCacheControl() {
        Usage first = usage(request(LONG_SYSTEM).build());
        Usage second = usage(request(LONG_SYSTEM).build());

        assertThat(second.cacheReadInputTokens()).contains(0L);
        assertThat(second.cacheCreationInputTokens()).contains(0L);
        assertThat(first.inputTokens()).isEqualTo(ENTRY.estimateTokens(LONG_SYSTEM.length() + CONTENT.length()));
    }

    @Test
    void shouldCacheUpToAnExplicitBreakpointOnTheLastSystemBlock() {
        MessageCreateParams params = MessageCreateParams.builder().model(MODEL).maxTokens(4096)
                .systemOfTextBlockParams(List.of(TextBlockParam.builder().text(LONG_SYSTEM)
                        .cacheControl(CacheControlEphemeral.builder().build()).build()))
                .addUserMessage(CONTENT).build();

        Usage written = usage(params);
        Usage read = usage(params);

        assertThat(written.cacheCreationInputTokens()).contains(prefixTokens());
        assertThat(read.cacheReadInputTokens()).contains(prefixTokens());
    }

    @Test
    void shouldKeepOneCachePerApiKey() {
        MessageCreateParams params = automatic(LONG_SYSTEM, CacheControlEphemeral.Ttl.TTL_5M);
        usage(params);
        AnthropicClient otherKey = AnthropicOkHttpClient.builder().baseUrl(fixture.baseUrl())
                .apiKey("sk-ant-another-key").maxRetries(0).timeout(Duration.ofSeconds(10)).build();
        fixture.closing((AutoCloseable) otherKey::close);

        Usage other = otherKey.messages().create(params).usage();

        assertThat(other.cacheCreationInputTokens()).contains(prefixTokens());
        assertThat(other.cacheReadInputTokens()).contains(0L);
    }
}
