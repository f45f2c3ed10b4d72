package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import com.anthropic.core.JsonValue;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.OutputConfig;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlock;
import com.anthropic.models.messages.ThinkingBlock;
import com.anthropic.models.messages.ThinkingConfigAdaptive;
import com.anthropic.models.messages.ThinkingConfigBetweenTools;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.models.Thinking;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The simulator answers each model as its catalog entry says the API does, spoken to through the
 * real Anthropic SDK: which models answer, which parameters they take, how they think, how they count
 * tokens and how long they take.
 */
class ClaudeSimulatorCatalogTest {

    private static final String SYSTEM = "You are a HAL9 L3 Operational neuron.\nBe brief.";
    private static final String CONTENT = "Add a health endpoint to the billing service";
    private static final String SONNET = "claude-sonnet-5-5";
    private static final String HAIKU_45 = "claude-haiku-4-5";

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private Message ask(String model, long maxTokens, UnaryOperator<MessageCreateParams.Builder> more) {
        MessageCreateParams.Builder params = MessageCreateParams.builder().model(model).maxTokens(maxTokens)
                .system(SYSTEM).addUserMessage(CONTENT);
        return fixture.sdk().messages().create(more.apply(params).build());
    }

    private Message ask(String model) {
        return ask(model, 8192, params -> params);
    }

    private static String apiMessage(Throwable failure) {
        return ((AnthropicServiceException) failure).apiMessage().orElse("");
    }

    private static List<String> types(Message message) {
        return message.content().stream()
                .map(block -> block.isThinking() ? "thinking" : block.isText() ? "text" : "other").toList();
    }

    private static String text(Message message) {
        return message.content().stream().flatMap(block -> block.text().stream()).map(TextBlock::text)
                .reduce("", String::concat);
    }

    private static long thinkingTokens(Message message) {
        return message.usage().outputTokensDetails().orElseThrow().thinkingTokens();
    }

    @Test
    void shouldAnswerARetiredModelWithNotFoundNamingIt() {
        fixture.start(SimulatorOptions.defaults().withClock(new MovableClock(Instant.parse("2026-12-07T12:00:00Z"))));

        // Sonnet 4.5 retired on 2026-11-30; Opus 4.1 is retired in the catalog itself
        assertThatThrownBy(() -> ask("claude-sonnet-4-5")).isInstanceOf(NotFoundException.class)
                .satisfies(failure -> assertThat(apiMessage(failure)).isEqualTo("model: claude-sonnet-4-5"));
        assertThatThrownBy(() -> ask("claude-opus-4-1-20250805")).isInstanceOf(NotFoundException.class)
                .satisfies(failure -> assertThat(apiMessage(failure)).isEqualTo("model: claude-opus-4-1-20250805"));
        assertThat(fixture.simulator().stats().calls()).isEqualTo(2);
    }

    @Test
    void shouldAnswerADeprecatedModelUntilItsRetirementDayOnTheClock() {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-29T23:59:00Z"));
        fixture.start(SimulatorOptions.defaults().withClock(clock));

        Message before = ask("claude-sonnet-4-5");
        clock.advance(Duration.ofMinutes(1)); // 2026-11-30T00:00Z: the retirement day

        assertThat(before.stopReason()).contains(StopReason.END_TURN);
        assertThatThrownBy(() -> ask("claude-sonnet-4-5")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void shouldAnswerAModelTheCatalogDoesNotKnowWithNotFound() {
        fixture.start(SimulatorOptions.defaults());

        assertThatThrownBy(() -> ask("claude-sonnet-9")).isInstanceOf(NotFoundException.class)
                .satisfies(failure -> assertThat(apiMessage(failure)).isEqualTo("model: claude-sonnet-9"));
    }

    @Test
    void shouldRejectSamplingParametersOnAModelWithoutThemNamingTheParameter() {
        fixture.start(SimulatorOptions.defaults());

        assertThatThrownBy(() -> ask(SONNET, 8192, params -> params.putAdditionalBodyProperty("temperature", JsonValue.from(0.2))))
                .isInstanceOf(BadRequestException.class)
                .satisfies(failure -> assertThat(apiMessage(failure))
                        .isEqualTo("`temperature` is not supported for this model."));
        assertThatThrownBy(() -> ask(SONNET, 8192, params -> params.putAdditionalBodyProperty("top_p", JsonValue.from(0.5))))
                .satisfies(failure -> assertThat(apiMessage(failure)).contains("`top_p`"));
        assertThatThrownBy(() -> ask(SONNET, 8192, params -> params.putAdditionalBodyProperty("top_k", JsonValue.from(5))))
                .satisfies(failure -> assertThat(apiMessage(failure)).contains("`top_k`"));
        assertThatThrownBy(() -> ask(SONNET, 8192, params -> params.putAdditionalBodyProperty("temperature", JsonValue.from(1.0)).putAdditionalBodyProperty("top_p", JsonValue.from(0.99))))
                .satisfies(failure -> assertThat(apiMessage(failure)).contains("`temperature` and `top_p`"));
        // the values the model uses anyway are taken, one at a time
        assertThat(ask(SONNET, 8192, params -> params.putAdditionalBodyProperty("temperature", JsonValue.from(1.0))).stopReason()).contains(StopReason.END_TURN);
        assertThat(ask(SONNET, 8192, params -> params.putAdditionalBodyProperty("top_p", JsonValue.from(0.99))).stopReason()).contains(StopReason.END_TURN);
    }

    @Test
    void shouldAcceptSamplingParametersOnHaiku45AndNotThinkUnasked() {
        fixture.start(SimulatorOptions.defaults());

        Message message = ask(HAIKU_45, 1024, params -> params.putAdditionalBodyProperty("temperature", JsonValue.from(0.2)).putAdditionalBodyProperty("top_p", JsonValue.from(0.9)).putAdditionalBodyProperty("top_k", JsonValue.from(40)));

        assertThat(types(message)).containsExactly("text");
        assertThat(thinkingTokens(message)).isZero();
        assertThat(message.usage().outputTokens())
                .isEqualTo(SimulatorFixture.entry(HAIKU_45).estimateTokens(text(message).length()));
    }

    @Test
    void shouldRejectEnabledThinkingOnAnAdaptiveModel() {
        fixture.start(SimulatorOptions.defaults());

        assertThatThrownBy(() -> ask(SONNET, 8192, params -> params.enabledThinking(2048)))
                .isInstanceOf(BadRequestException.class)
                .satisfies(failure -> assertThat(apiMessage(failure)).isEqualTo("\"thinking.type.enabled\" is not "
                        + "supported for this model. Use \"thinking.type.adaptive\" and \"output_config.effort\" to "
                        + "control thinking behavior."));
    }

    @Test
    void shouldRejectAnEffortTheModelDoesNotTake() {
        fixture.start(SimulatorOptions.defaults());

        assertThatThrownBy(() -> ask(SONNET, 8192,
                params -> params.outputConfig(OutputConfig.builder().effort(OutputConfig.Effort.of("extreme")).build())))
                .isInstanceOf(BadRequestException.class)
                .satisfies(failure -> assertThat(apiMessage(failure)).contains("'extreme'"));
        // Haiku 4.5 takes no effort at all
        assertThatThrownBy(() -> ask(HAIKU_45, 1024,
                params -> params.outputConfig(OutputConfig.builder().effort(OutputConfig.Effort.LOW).build())))
                .isInstanceOf(BadRequestException.class)
                .satisfies(failure -> assertThat(apiMessage(failure)).contains("output_config.effort"));
    }

    @Test
    void shouldThinkFirstByDefaultOnAnAdaptiveModelAndCountTheThinkingTokens() {
        fixture.start(SimulatorOptions.defaults());
        CatalogEntry sonnet = SimulatorFixture.entry(SONNET);
        long thinking = SimulatedThinking.tokens(sonnet.defaultEffort().orElseThrow());

        Message message = ask(SONNET);

        assertThat(types(message)).containsExactly("thinking", "text");
        ThinkingBlock block = message.content().get(0).thinking().orElseThrow();
        assertThat(block.thinking()).as("display omitted by default").isEmpty();
        assertThat(block.signature()).matches("[A-Za-z0-9+/=]{40,}");
        assertThat(text(message)).startsWith("L3 Operational: " + CONTENT + "\n");
        assertThat(thinkingTokens(message)).isEqualTo(thinking);
        assertThat(message.usage().outputTokens())
                .isEqualTo(thinking + sonnet.estimateTokens(text(message).length()));
        assertThat(fixture.simulator().stats().thinkingTokens()).isEqualTo(thinking);
    }

    @Test
    void shouldThinkAtTheEffortAskedAndSummarizeWhenAskedTo() {
        fixture.start(SimulatorOptions.defaults());

        Message message = ask(SONNET, 8192, params -> params
                .thinking(ThinkingConfigAdaptive.builder().display(ThinkingConfigAdaptive.Display.SUMMARIZED).build())
                .outputConfig(OutputConfig.builder().effort(OutputConfig.Effort.LOW).build()));

        assertThat(thinkingTokens(message)).isEqualTo(SimulatedThinking.tokens("low"));
        assertThat(message.content().get(0).thinking().orElseThrow().thinking()).contains(CONTENT);
    }

    @Test
    void shouldNotThinkBetweenToolsOnly() {
        fixture.start(SimulatorOptions.defaults());

        Message message = ask(SONNET, 8192,
                params -> params.thinking(ThinkingConfigBetweenTools.builder().build()));

        assertThat(types(message)).containsExactly("text");
        assertThat(thinkingTokens(message)).isZero();
    }

    @Test
    void shouldThinkOnHaiku45OnlyWithABudget() {
        fixture.start(SimulatorOptions.defaults());

        Message message = ask(HAIKU_45, 4096, params -> params.enabledThinking(2048));

        assertThat(types(message)).containsExactly("thinking", "text");
        assertThat(thinkingTokens(message)).isEqualTo(2048);
        assertThatThrownBy(() -> ask(HAIKU_45, 1024, params -> params.thinking(ThinkingConfigAdaptive.builder().build())))
                .isInstanceOf(BadRequestException.class)
                .satisfies(failure -> assertThat(apiMessage(failure)).contains("\"thinking.type.adaptive\""));
    }

    @Test
    void shouldThinkOnAnAdaptiveOnRequestModelOnlyWhenAsked() {
        fixture.start(SimulatorOptions.defaults());
        LocalDate today = LocalDate.now(ZoneOffset.UTC); // the default options' clock
        Optional<CatalogEntry> onRequest = ModelCatalog.bundled().entries().stream()
                .filter(entry -> entry.thinking() == Thinking.ADAPTIVE_ON_REQUEST && entry.lifecycleOn(today).answers())
                .findFirst();
        assumeTrue(onRequest.isPresent(), "the catalog lists no adaptive-on-request model that still answers");
        String model = onRequest.get().id();

        Message unasked = ask(model);
        Message asked = ask(model, 8192, params -> params.thinking(ThinkingConfigAdaptive.builder().build()));

        assertThat(types(unasked)).containsExactly("text");
        assertThat(types(asked)).containsExactly("thinking", "text");
        assertThat(thinkingTokens(asked)).isEqualTo(SimulatedThinking.tokens(onRequest.get().defaultEffort()
                .orElse(SimulatedThinking.FALLBACK_EFFORT)));
    }

    @Test
    void shouldAnswerOnlyTheThinkingWhenItReachesMaxTokens() {
        fixture.start(SimulatorOptions.defaults());
        long thinking = SimulatedThinking.tokens(SimulatorFixture.entry(SONNET).defaultEffort().orElseThrow());

        Message atLimit = ask(SONNET, thinking, params -> params);
        Message below = ask(SONNET, thinking / 2, params -> params);

        for (Message message : List.of(atLimit, below)) {
            assertThat(types(message)).containsExactly("thinking");
            assertThat(message.stopReason()).contains(StopReason.MAX_TOKENS);
        }
        assertThat(atLimit.usage().outputTokens()).isEqualTo(thinking);
        assertThat(below.usage().outputTokens()).isEqualTo(thinking / 2);
        assertThat(thinkingTokens(below)).isEqualTo(thinking / 2);
        assertThat(fixture.simulator().stats().truncated()).isEqualTo(2);
    }

    @Test
    void shouldCutTheTextToWhatThinkingLeftOfMaxTokens() {
        fixture.start(SimulatorOptions.defaults());
        long thinking = SimulatedThinking.tokens(SimulatorFixture.entry(SONNET).defaultEffort().orElseThrow());
        String whole = text(ask(SONNET));

        Message cut = ask(SONNET, thinking + 10, params -> params);

        assertThat(types(cut)).containsExactly("thinking", "text");
        assertThat(cut.stopReason()).contains(StopReason.MAX_TOKENS);
        assertThat(cut.usage().outputTokens()).isEqualTo(thinking + 10);
        assertThat(whole).startsWith(text(cut)).isNotEqualTo(text(cut));
        assertThat(SimulatorFixture.entry(SONNET).estimateTokens(text(cut).length())).isLessThanOrEqualTo(10);
    }

    @Test
    void shouldCountInputTokensWithEachModelsTokenizer() {
        fixture.start(SimulatorOptions.defaults());
        long chars = SYSTEM.length() + CONTENT.length();

        long haiku45 = ask(HAIKU_45).usage().inputTokens();
        long haiku55 = ask("claude-haiku-5-5").usage().inputTokens();

        assertThat(haiku45).isEqualTo(SimulatorFixture.entry(HAIKU_45).estimateTokens(chars));
        assertThat(haiku55).isEqualTo(SimulatorFixture.entry("claude-haiku-5-5").estimateTokens(chars))
                .isGreaterThan(haiku45);
    }

    @Test
    void shouldTakeTheCatalogLatencyProfileOfTheAnswerScaled() {
        double scale = 0.05;
        fixture.start(SimulatorOptions.defaults().withLatencyProfile(scale));
        CatalogEntry sonnet = SimulatorFixture.entry(SONNET);

        long started = System.nanoTime();
        Message message = ask(SONNET);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        // first token, then every output token (thinking included) at the model's rate, 20 times faster
        Duration due = Duration.ofNanos(Math.round(
                sonnet.latency().answerTime(message.usage().outputTokens()).toNanos() * scale));
        assertThat(due).isGreaterThan(Duration.ofMillis(100));
        assertThat(took).isGreaterThanOrEqualTo(due).isLessThan(due.plusSeconds(5));
    }

    @Test
    void shouldRefuseALatencyProfileScaleThatIsNotAboveZero() {
        assertThatThrownBy(() -> SimulatorOptions.defaults().withLatencyProfile(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scale");
    }
}
