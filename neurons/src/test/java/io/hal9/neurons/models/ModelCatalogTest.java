package io.hal9.neurons.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 12, 7);
    private final ModelCatalog catalog = ModelCatalog.bundled();

    @Test
    void shouldKnowTheCurrentModelsByIdAliasAndDatedSnapshot() {
        assertThat(catalog.find("claude-sonnet-5-5")).get().extracting(CatalogEntry::lifecycle)
                .isEqualTo(Lifecycle.ACTIVE);
        // the alias and the snapshot the API answers with find the same entry
        assertThat(catalog.find("claude-haiku-4-5")).get().extracting(CatalogEntry::id)
                .isEqualTo("claude-haiku-4-5-20251001");
        assertThat(catalog.find("claude-sonnet-5-5-20261001")).get().extracting(CatalogEntry::id)
                .isEqualTo("claude-sonnet-5-5");
        assertThat(catalog.find("claude-sonnet-9")).isEmpty();
    }

    @Test
    void shouldTreatADeprecatedModelAsRetiredFromItsRetirementDay() {
        CatalogEntry sonnet45 = catalog.find("claude-sonnet-4-5").orElseThrow();

        assertThat(sonnet45.lifecycleOn(LocalDate.of(2026, 11, 29))).isEqualTo(Lifecycle.DEPRECATED);
        assertThat(sonnet45.lifecycleOn(LocalDate.of(2026, 11, 30))).isEqualTo(Lifecycle.RETIRED);
    }

    @Test
    void shouldRefuseARetiredModelNamingTheSettingTheRetirementAndTheReplacement() {
        ModelVerdict verdict = catalog.verdict("claude-sonnet-4-5", TODAY);

        assertThat(verdict.usable()).isFalse();
        assertThat(verdict.refusal("hal9.l3.model")).contains("hal9.l3.model=claude-sonnet-4-5: retired on "
                + "2026-11-30 (Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
    }

    @Test
    void shouldRefuseAnUnknownModelSuggestingTheClosestName() {
        ModelVerdict verdict = catalog.verdict("claude-sonet-5-5", TODAY);

        assertThat(verdict.usable()).isFalse();
        assertThat(verdict.refusal("hal9.l2.model")).contains(
                "hal9.l2.model=claude-sonet-5-5: unknown model (not in the model catalog; did you mean "
                        + "claude-sonnet-5-5?)");
    }

    @Test
    void shouldWarnOfALegacyModelAndAcceptACurrentOne() {
        assertThat(catalog.verdict("claude-haiku-4-5", TODAY).warning("hal9.l2.model")).contains(
                "hal9.l2.model=claude-haiku-4-5: legacy (Claude Haiku 4.5); replacement: claude-haiku-5-5");
        ModelVerdict current = catalog.verdict("claude-haiku-5-5", TODAY);
        assertThat(current.usable()).isTrue();
        assertThat(current.refusal("hal9.l2.model")).isEmpty();
        assertThat(current.warning("hal9.l2.model")).isEmpty();
    }

    @Test
    void shouldWarnOfADeprecatedModelWithItsRetirementDate() {
        ModelVerdict verdict = catalog.verdict("claude-sonnet-4-5", LocalDate.of(2026, 11, 1));

        assertThat(verdict.deprecated()).isTrue();
        assertThat(verdict.warning("hal9.l3.model")).contains("hal9.l3.model=claude-sonnet-4-5: deprecated, retires "
                + "on 2026-11-30 (Claude Sonnet 4.5); replacement: claude-sonnet-5-5");
    }

    @Test
    void shouldGiveEveryBundledModelThatAnswersPricesLimitsAndASource() {
        assertThat(catalog.entries()).filteredOn(entry -> entry.lifecycle() != Lifecycle.RETIRED).hasSizeGreaterThan(3)
                .allSatisfy(entry -> {
            assertThat(entry.prices().output()).as(entry.id()).isGreaterThan(entry.prices().input());
            assertThat(entry.prices().cacheRead()).as(entry.id()).isLessThan(entry.prices().input());
            assertThat(entry.prices().cacheWrite5m()).as(entry.id()).isGreaterThan(entry.prices().input());
            assertThat(entry.prices().batchInput()).as(entry.id()).isEqualTo(entry.prices().input() / 2);
            assertThat(entry.maxOutputTokens()).as(entry.id()).isLessThanOrEqualTo(entry.contextWindow());
            assertThat(entry.sources()).as(entry.id()).isNotEmpty()
                    .allSatisfy(url -> assertThat(url).startsWith("https://platform.claude.com/"));
            assertThat(entry.latency().source()).as(entry.id()).isNotBlank();
            entry.replacement().ifPresent(r -> assertThat(catalog.verdict(r, TODAY).usable()).as(r).isTrue());
        });
    }

    @Test
    void shouldNameTheRetirementAndReplacementOfEveryRetiredModel() {
        assertThat(catalog.entries()).filteredOn(entry -> entry.lifecycle() == Lifecycle.RETIRED).isNotEmpty()
                .allSatisfy(entry -> {
                    assertThat(entry.retires()).as(entry.id()).isPresent();
                    assertThat(catalog.verdict(entry.id(), TODAY).refusal("hal9.l2.model")).as(entry.id()).get()
                            .asString().contains("retired on " + entry.retires().get())
                            .contains("replacement: " + entry.replacement().orElseThrow());
                });
    }

    @Test
    void shouldCountAboutAThirdMoreTokensWithTheNewTokenizer() {
        assertThat(catalog.find("claude-haiku-4-5").orElseThrow().estimateTokens(4000)).isEqualTo(1000);
        assertThat(catalog.find("claude-haiku-5-5").orElseThrow().estimateTokens(4000)).isEqualTo(1300);
    }

    @Test
    void shouldRefuseAFileWithAnUnknownFieldNamingTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, "checked: 2026-12-07\nmodels:\n  - id: x\n    colour: red\n");

        assertThatThrownBy(() -> ModelCatalog.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("at models[0].colour")
                .hasMessageContaining("Unrecognized field \"colour\"");
    }

    @Test
    void shouldRefuseADeprecatedModelWithoutItsRetirementDate() {
        String yaml = catalogOf("lifecycle: deprecated");

        assertThatThrownBy(() -> ModelCatalog.parse(yaml, "test.yaml"))
                .hasMessage("test.yaml: model m-1: a deprecated model needs its retirement date (retires)");
    }

    @Test
    void shouldRefuseAReplacementTheCatalogDoesNotList() {
        String yaml = catalogOf("lifecycle: legacy\n    replacement: m-2");

        assertThatThrownBy(() -> ModelCatalog.parse(yaml, "test.yaml"))
                .hasMessage("test.yaml: model m-1 names replacement 'm-2', which the catalog does not list");
    }

    @Test
    void shouldRefuseAMissingPrice() {
        String yaml = catalogOf("lifecycle: active").replace("cache_read: 0.1, ", "");

        assertThatThrownBy(() -> ModelCatalog.parse(yaml, "test.yaml"))
                .hasMessage("test.yaml: model m-1: prices.cache_read is missing");
    }

    private static String catalogOf(String lifecycleLines) {
        return """
                checked: 2026-12-07
                models:
                  - id: m-1
                    %s
                    context_window: 1000
                    max_output_tokens: 100
                    thinking: none
                    sampling_parameters: true
                    tokenizer_factor: 1.0
                    min_cacheable_tokens: 10
                    prices: {input: 1, output: 2, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1, batch_input: 0.5, batch_output: 1}
                    latency: {first_token_ms: 1, output_tokens_per_second: 1, source: test}
                """.formatted(lifecycleLines);
    }
}
