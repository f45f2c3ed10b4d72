package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.Map;

import io.hal9.neurons.models.ModelCatalog;
import io.hal9.topology.config.Hal9Config;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** {@code models}: the configured layers' models against the model catalog, on a day the test picks. */
class DoctorModelsCheckTest {

    /** The catalog's Sonnet 4.5 retires on 2026-11-30. */
    private static final String SONNET_4_5_WARNING = "hal9.l3.model=claude-sonnet-4-5: deprecated, retires on "
            + "2026-11-30 (Claude Sonnet 4.5); replacement: claude-sonnet-5-5";

    @Test
    void shouldBeOkForTheCurrentModels() {
        Result result = check(Map.of(), "2026-12-07");

        assertThat(result.line()).isEqualTo("OK   models     L2 claude-haiku-5-5, L3 claude-sonnet-5-5, "
                + "L4 claude-sonnet-5-5 (bundled catalog.yaml, checked " + ModelCatalog.bundled().checked() + ")");
    }

    @Test
    void shouldFailForARetiredModelWithTheLineTheLayerWouldRefuseToStartWith() {
        Result result = check(Map.of("hal9.l3.model", "claude-sonnet-4-5"), "2026-12-07");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).isEqualTo("hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
        assertThat(result.hint()).contains("replacement").contains("hal9 models");
    }

    @Test
    void shouldFailForAnUnknownModelSuggestingTheNameItProbablyMeant() {
        Result result = check(Map.of("hal9.l2.model", "claude-haiku-5-6"), "2026-12-07");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).isEqualTo("hal9.l2.model=claude-haiku-5-6: unknown model (not in the model "
                + "catalog; did you mean claude-haiku-5-5?)");
    }

    @Test
    void shouldWarnWithTheDateAndReplacementForADeprecatedModelThirtyDaysFromRetirement() {
        Result result = check(Map.of("hal9.l3.model", "claude-sonnet-4-5"), "2026-10-31");

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail()).isEqualTo(SONNET_4_5_WARNING);
    }

    @Test
    void shouldBeOkForADeprecatedModelFurtherFromRetirementSayingTheDate() {
        Result result = check(Map.of("hal9.l3.model", "claude-sonnet-4-5"), "2026-10-30");

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).contains("L3 claude-sonnet-4-5 (deprecated, retires on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5)");
    }

    @Test
    void shouldWarnForALegacyModel() {
        Result result = check(Map.of("hal9.l2.model", "claude-haiku-4-5"), "2026-12-07");

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail()).isEqualTo("hal9.l2.model=claude-haiku-4-5: legacy (Claude Haiku 4.5); "
                + "replacement: claude-haiku-5-5");
    }

    @Test
    void shouldListEveryLayerWithAProblemFailuresFirst() {
        Result result = check(Map.of("hal9.l2.model", "claude-haiku-4-5", "hal9.l4.model", "claude-opus-4-1"),
                "2026-12-07");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.line()).isEqualTo("FAIL models     hal9.l4.model=claude-opus-4-1: retired on 2026-08-05 "
                + "(Claude Opus 4.1); replacement: claude-opus-4-8  hint: " + result.hint() + "\n"
                + "                hal9.l2.model=claude-haiku-4-5: legacy (Claude Haiku 4.5); replacement: claude-haiku-5-5");
    }

    @Test
    void shouldFailNamingTheSettingWhenTheSettingsCannotBeRead() {
        Result result = new ModelsCheck(() -> {
            throw new ConfigException(Hal9Config.CLAUDE_MODEL_CATALOG_FILE_CONFIG, "/etc/hal9/none.yaml",
                    "cannot read the model catalog /etc/hal9/none.yaml");
        }, LocalDate.parse("2026-12-07")).run();

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).startsWith("cannot read the settings: Invalid value /etc/hal9/none.yaml for "
                + "configuration hal9.claude.model.catalog.file");
    }

    private static Result check(Map<String, Object> settings, String day) {
        return new ModelsCheck(() -> Hal9Config.of(settings), LocalDate.parse(day)).run();
    }
}
