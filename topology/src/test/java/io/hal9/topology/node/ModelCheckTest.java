package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.testing.FakeModelsApi;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The start-up model check: against the model catalog with the simulator, against the Models API
 * (the real SDK over HTTP to a local server) with a key, falling back to the catalog when the API
 * cannot say.
 */
class ModelCheckTest {

    private static final String KEY = "sk-ant-test-0123456789abcdef";
    /** The catalog's Sonnet 4.5 retires on 2026-11-30. */
    private static final LocalDate BEFORE_RETIREMENT = LocalDate.parse("2026-11-01");
    private static final LocalDate AFTER_RETIREMENT = LocalDate.parse("2026-12-07");
    private static final List<String> CHAIN = List.of("L2", "L3", "L4");

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ModelCheck.class);
    private FakeModelsApi api;

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
        api = FakeModelsApi.start();
    }

    @AfterEach
    void release() {
        logger.detachAppender(log);
        api.close();
    }

    // ---- with the simulator: the model catalog decides ----

    @Test
    void shouldRefuseARetiredModelInOneLineNamingTheSettingTheDateAndTheReplacement() {
        ModelCheck.Report report = simulatorCheck(Map.of("hal9.l3.model", "claude-sonnet-4-5"), AFTER_RETIREMENT);

        assertThat(report.refusals()).containsExactly("hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
        assertThat(report.findings()).extracting(ModelCheck.Finding::verdict)
                .containsExactly(ModelCheck.Verdict.OK, ModelCheck.Verdict.REFUSED, ModelCheck.Verdict.OK);
    }

    @Test
    void shouldRefuseAMisspeltModelSuggestingTheNameItProbablyMeant() {
        ModelCheck.Report report = simulatorCheck(Map.of("hal9.l4.model", "claude-sonet-5-5"), AFTER_RETIREMENT);

        assertThat(report.refusals()).containsExactly("hal9.l4.model=claude-sonet-5-5: unknown model (not in the "
                + "model catalog; did you mean claude-sonnet-5-5?)");
    }

    @Test
    void shouldGiveOneLinePerRefusedLayer() {
        ModelCheck.Report report = simulatorCheck(Map.of("hal9.l3.model", "claude-sonnet-4-5",
                "hal9.l4.model", "claude-opus-4-1"), AFTER_RETIREMENT);

        assertThat(report.refusals()).containsExactly(
                "hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 (Claude Sonnet 4.5); replacement: claude-sonnet-5-5",
                "hal9.l4.model=claude-opus-4-1: retired on 2026-08-05 (Claude Opus 4.1); replacement: claude-opus-4-8");
    }

    @Test
    void shouldWarnWithTheRetirementDateForADeprecatedModelBeforeItRetires() {
        ModelCheck.Report report = simulatorCheck(Map.of("hal9.l3.model", "claude-sonnet-4-5"), BEFORE_RETIREMENT);

        assertThat(report.refused()).isFalse();
        ModelCheck.Finding l3 = report.findings().get(1);
        assertThat(l3.verdict()).isEqualTo(ModelCheck.Verdict.WARN);
        assertThat(l3.line()).contains("hal9.l3.model=claude-sonnet-4-5: deprecated, retires on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
        assertThat(l3.retires()).contains(Instant.parse("2026-11-30T00:00:00Z"));
        assertThat(warnings()).containsExactly("hal9.l3.model=claude-sonnet-4-5: deprecated, retires on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5 (model catalog)");
    }

    @Test
    void shouldWarnForALegacyModelNamingTheCurrentOne() {
        ModelCheck.Report report = simulatorCheck(Map.of("hal9.l2.model", "claude-haiku-4-5"), AFTER_RETIREMENT);

        assertThat(report.refused()).isFalse();
        assertThat(report.warnings()).extracting(f -> f.line().orElseThrow())
                .containsExactly("hal9.l2.model=claude-haiku-4-5: legacy (Claude Haiku 4.5); replacement: claude-haiku-5-5");
        assertThat(report.warnings().get(0).retires()).isEmpty();
    }

    @Test
    void shouldPassTheDefaultModelsWithoutAWord() {
        ModelCheck.Report report = simulatorCheck(Map.of(), AFTER_RETIREMENT);

        assertThat(report.findings()).extracting(ModelCheck.Finding::model)
                .containsExactly("claude-haiku-5-5", "claude-sonnet-5-5", "claude-sonnet-5-5");
        assertThat(report.findings()).allMatch(f -> f.verdict() == ModelCheck.Verdict.OK && f.line().isEmpty());
        assertThat(warnings()).isEmpty();
    }

    @Test
    void shouldCheckOnlyTheLayersTheProcessRuns() {
        ModelCheck.Report report = ModelCheck.of(config(Map.of("hal9.l2.model", "claude-3-haiku-20240307",
                Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG, api.baseUrl())), null, day(AFTER_RETIREMENT)).check(List.of("L3"));

        assertThat(report.refused()).isFalse();
        assertThat(report.findings()).extracting(ModelCheck.Finding::layer).containsExactly("L3");
    }

    @Test
    void shouldNotAskTheModelsApiOfAnEndpointOtherThanAnthropicsUnlessToldTo() {
        Map<String, Object> settings = Map.of(Hal9Config.CLAUDE_BASE_URL_CONFIG, api.baseUrl());

        ModelCheck check = ModelCheck.of(config(settings), KEY, day(AFTER_RETIREMENT));
        ModelCheck.Report report = check.check(CHAIN);

        assertThat(check.asksModelsApi()).isFalse();
        assertThat(report.findings()).allMatch(f -> f.source() == ModelCheck.Source.CATALOG);
        assertThat(api.paths()).isEmpty();
    }

    @Test
    void shouldAskNothingWithoutAKeyEvenWhenToldToAskTheApi() {
        Map<String, Object> settings = Map.of(Hal9Config.CLAUDE_BASE_URL_CONFIG, api.baseUrl(),
                Hal9Config.CLAUDE_MODEL_CHECK_CONFIG, "api", Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG, api.baseUrl());

        ModelCheck.of(config(settings), null, day(AFTER_RETIREMENT)).check(CHAIN);

        assertThat(api.paths()).isEmpty();
    }

    // ---- with a key: the Models API decides ----

    @Test
    void shouldRefuseAModelTheModelsApiAnswers404For() {
        api.model("claude-haiku-5-5", "claude-haiku-5-5", "Claude Haiku 5.5", "active", null)
                .model("claude-sonnet-5-5", "claude-sonnet-5-5", "Claude Sonnet 5.5", "active", null);

        ModelCheck.Report report = apiCheck(Map.of("hal9.l4.model", "claude-opus-5-5"), AFTER_RETIREMENT);

        assertThat(report.refusals()).containsExactly("hal9.l4.model=claude-opus-5-5: unknown model to the Models "
                + "API (404), though the model catalog lists it (Claude Opus 5.5, active): check that the key's "
                + "organization may use it");
        assertThat(api.paths()).containsExactly("/v1/models/claude-haiku-5-5", "/v1/models/claude-sonnet-5-5",
                "/v1/models/claude-opus-5-5");
        assertThat(api.keys()).allMatch(header -> header.contains(KEY));
    }

    @Test
    void shouldRefuseAMisspeltModelTheApiDoesNotKnowSuggestingTheNameItProbablyMeant() {
        ModelCheck.Report report = apiCheck(Map.of("hal9.l2.model", "claude-haiku-5.5"), AFTER_RETIREMENT);

        assertThat(report.refusals()).first().isEqualTo("hal9.l2.model=claude-haiku-5.5: unknown model (the Models "
                + "API answers 404 and the model catalog does not list it; did you mean claude-haiku-5-5?)");
    }

    @Test
    void shouldRefuseAModelTheApiCallsRetiredWithTheCatalogsReplacement() {
        api.model("claude-sonnet-5-5", "claude-sonnet-5-5", "Claude Sonnet 5.5", "active", null)
                .model("claude-haiku-5-5", "claude-haiku-5-5", "Claude Haiku 5.5", "active", null)
                .model("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "retired",
                        "2026-11-30T00:00:00Z");

        ModelCheck.Report report = apiCheck(Map.of("hal9.l3.model", "claude-sonnet-4-5"), BEFORE_RETIREMENT);

        assertThat(report.refusals()).containsExactly("hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
    }

    @Test
    void shouldWarnWithTheApisRetirementTimeForAModelItCallsDeprecated() {
        // the API still serves Sonnet 4.5, later than the catalog says: the API decides
        api.model("claude-haiku-5-5", "claude-haiku-5-5", "Claude Haiku 5.5", "active", null)
                .model("claude-sonnet-5-5", "claude-sonnet-5-5", "Claude Sonnet 5.5", "active", null)
                .model("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "deprecated",
                        "2027-01-15T00:00:00Z");

        ModelCheck.Report report = apiCheck(Map.of("hal9.l3.model", "claude-sonnet-4-5"), AFTER_RETIREMENT);

        assertThat(report.refused()).isFalse();
        ModelCheck.Finding l3 = report.findings().get(1);
        assertThat(l3.source()).isEqualTo(ModelCheck.Source.MODELS_API);
        assertThat(l3.line()).contains("hal9.l3.model=claude-sonnet-4-5: deprecated, retires on 2027-01-15 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
        assertThat(l3.retires()).contains(Instant.parse("2027-01-15T00:00:00Z"));
        assertThat(warnings()).containsExactly(l3.line().orElseThrow() + " (Models API)");
    }

    @Test
    void shouldAskTheApiOnceForAModelLayersShare() {
        api.model("claude-haiku-5-5", "claude-haiku-5-5", "Claude Haiku 5.5", "active", null)
                .model("claude-sonnet-5-5", "claude-sonnet-5-5", "Claude Sonnet 5.5", "active", null);

        ModelCheck.Report report = apiCheck(Map.of(), AFTER_RETIREMENT);

        assertThat(report.findings()).allMatch(f -> f.verdict() == ModelCheck.Verdict.OK
                && f.source() == ModelCheck.Source.MODELS_API);
        assertThat(api.paths()).containsExactly("/v1/models/claude-haiku-5-5", "/v1/models/claude-sonnet-5-5");
    }

    @Test
    void shouldFallBackToTheCatalogWithAWarningWhenTheApiAnswers5xx() {
        api.status("claude-haiku-5-5", 500, "api_error");

        ModelCheck.Report report = apiCheck(Map.of("hal9.l3.model", "claude-sonnet-4-5"), AFTER_RETIREMENT);

        // the catalog decides for every layer, and the API is asked nothing more after one retry
        assertThat(report.refusals()).containsExactly("hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
        assertThat(report.findings()).allMatch(f -> f.source() == ModelCheck.Source.CATALOG);
        assertThat(api.paths()).containsExactly("/v1/models/claude-haiku-5-5", "/v1/models/claude-haiku-5-5");
        assertThat(warnings()).singleElement().asString()
                .startsWith("the Models API at " + api.baseUrl() + " could not be reached (HTTP 500")
                .endsWith("hal9.l2.model and the models after it are checked against the model catalog "
                        + "(bundled catalog.yaml)");
    }

    @Test
    void shouldFallBackToTheCatalogWhenTheApiDoesNotAnswerInTime() {
        api.hang("claude-haiku-5-5");
        Map<String, Object> settings = new HashMap<>(Map.of(Hal9Config.CLAUDE_MODEL_CHECK_TIMEOUT_MS_CONFIG, "300"));

        long started = System.nanoTime();
        ModelCheck.Report report = apiCheck(settings, AFTER_RETIREMENT);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(report.refused()).isFalse();
        assertThat(report.findings()).allMatch(f -> f.source() == ModelCheck.Source.CATALOG);
        assertThat(warnings()).singleElement().asString().contains("could not be reached (no answer within 300 ms");
    }

    @Test
    void shouldRefuseStartUpInOneLineWhenTheApiRejectsTheKeyWithoutShowingIt() {
        api.status("claude-haiku-5-5", 401, "authentication_error");

        ModelCheck.Report report = apiCheck(Map.of(), AFTER_RETIREMENT);

        assertThat(report.refusals()).singleElement().asString()
                .startsWith("the Models API at " + api.baseUrl() + " rejected ANTHROPIC_API_KEY (401")
                .endsWith("): set the key of a Claude Console workspace")
                .doesNotContain(KEY).doesNotContain(KEY.substring(8));
        assertThat(api.paths()).containsExactly("/v1/models/claude-haiku-5-5");
    }

    // ---- fixtures ----

    private ModelCheck.Report simulatorCheck(Map<String, Object> settings, LocalDate today) {
        Map<String, Object> all = new HashMap<>(settings);
        all.put(Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG, api.baseUrl());
        ModelCheck check = ModelCheck.of(config(all), null, day(today));
        assertThat(check.asksModelsApi()).isFalse();
        ModelCheck.Report report = check.check(CHAIN);
        assertThat(api.paths()).as("the simulator's catalog check asks no API").isEmpty();
        report.log();
        return report;
    }

    private ModelCheck.Report apiCheck(Map<String, Object> settings, LocalDate today) {
        Map<String, Object> all = new HashMap<>(settings);
        all.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, api.baseUrl());
        all.put(Hal9Config.CLAUDE_MODEL_CHECK_CONFIG, "api");
        ModelCheck check = ModelCheck.of(config(all), KEY, day(today));
        assertThat(check.asksModelsApi()).isTrue();
        ModelCheck.Report report = check.check(CHAIN);
        report.log();
        return report;
    }

    private static Hal9Config config(Map<String, Object> settings) {
        return Hal9Config.of(settings);
    }

    private static Clock day(LocalDate day) {
        return Clock.fixed(day.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(12 * 3600), ZoneOffset.UTC);
    }

    private List<String> warnings() {
        return log.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }
}
