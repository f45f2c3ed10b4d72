package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.topology.cli.common.ExitCodes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hal9 models}: the catalog as a table or JSON lines, marking the models the layers ask. */
class ModelsCommandTest {

    private static final int MODELS = ModelCatalog.bundled().entries().size();
    private static final List<String> HEADER = List.of("MODEL", "ALIASES", "LIFECYCLE", "RETIRES", "REPLACEMENT", "IN",
            "OUT", "WRITE-5M", "WRITE-1H", "READ", "BATCH-IN/OUT", "MIN-CACHE", "MAX-OUT", "THINKING", "EFFORT",
            "LATENCY", "LAYERS");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void shouldListEveryModelOnALineMarkingTheLayersThatAskIt() {
        int exit = models("--on", "2026-12-07", "--set", "hal9.l3.model=claude-sonnet-4-5");

        assertThat(exit).as(err.toString()).isEqualTo(ExitCodes.OK);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(2 + MODELS);
        assertThat(lines.get(0)).isEqualTo("bundled catalog.yaml, checked " + ModelCatalog.bundled().checked() + "; lifecycle on 2026-12-07; prices "
                + "in US dollars per million tokens; LAYERS: the configured layers that ask it");
        assertThat(columns(lines.get(1))).isEqualTo(HEADER);
        assertThat(row("claude-haiku-5-5")).containsExactly("claude-haiku-5-5", "-", "active", "-", "-", "0.10",
                "0.50", "0.125", "0.20", "0.01", "0.05/0.25", "512", "128000", "adaptive", "medium", "600ms+160tok/s",
                "L2");
        assertThat(row("claude-sonnet-5-5")).last().isEqualTo("L4");
        // past its retirement date a deprecated model is shown retired, the layer that asks it marked
        assertThat(row("claude-sonnet-4-5-20250929")).containsExactly("claude-sonnet-4-5-20250929",
                "claude-sonnet-4-5", "retired", "2026-11-30", "claude-sonnet-5-5", "3.00", "15.00", "3.75", "6.00",
                "0.30", "1.50/7.50", "1024", "64000", "extended", "none", "1200ms+60tok/s", "L3");
        // a retired entry gives only its names, date and replacement
        assertThat(row("claude-opus-4-1-20250805")).containsExactly("claude-opus-4-1-20250805", "claude-opus-4-1",
                "retired", "2026-08-05", "claude-opus-4-8", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-");
    }

    @Test
    void shouldShowADeprecatedModelAsDeprecatedBeforeItsRetirementDay() {
        models("--on", "2026-11-01");

        assertThat(row("claude-sonnet-4-5-20250929")).element(2).isEqualTo("deprecated");
        assertThat(row("claude-haiku-4-5-20251001")).element(2).isEqualTo("legacy");
    }

    @Test
    void shouldNameAConfiguredModelTheCatalogDoesNotKnow() {
        models("--on", "2026-12-07", "--set", "hal9.l4.model=claude-opsu-5-5");

        assertThat(out.toString().lines().toList()).hasSize(3 + MODELS).last().isEqualTo("not in the catalog: "
                + "hal9.l4.model=claude-opsu-5-5: unknown model (not in the model catalog; did you mean claude-opus-5-5?)");
        assertThat(row("claude-sonnet-5-5")).last().isEqualTo("L3");
    }

    @Test
    void shouldPrintOneJsonObjectPerModel() throws Exception {
        int exit = models("--json", "--on", "2026-12-07");

        assertThat(exit).isEqualTo(ExitCodes.OK);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(MODELS);
        ObjectMapper json = new ObjectMapper();
        JsonNode sonnet = json.readTree(lines.stream().filter(l -> l.contains("\"claude-sonnet-5-5\",")).findFirst()
                .orElseThrow());
        assertThat(sonnet.path("lifecycle").asText()).isEqualTo("active");
        assertThat(sonnet.path("prices").path("cache_write_1h").asDouble()).isEqualTo(4.0);
        assertThat(sonnet.path("prices").path("batch_output").asDouble()).isEqualTo(5.0);
        assertThat(sonnet.path("min_cacheable_tokens").asLong()).isEqualTo(512);
        assertThat(sonnet.path("max_output_tokens").asLong()).isEqualTo(128_000);
        assertThat(sonnet.path("thinking").asText()).isEqualTo("adaptive");
        assertThat(sonnet.path("default_effort").asText()).isEqualTo("high");
        assertThat(sonnet.path("latency").path("first_token_ms").asLong()).isEqualTo(1200);
        assertThat(sonnet.path("used_by").toString()).isEqualTo("[\"L3\",\"L4\"]");
        JsonNode retired = json.readTree(lines.stream().filter(l -> l.contains("\"claude-sonnet-4-5-20250929\""))
                .findFirst().orElseThrow());
        assertThat(retired.path("lifecycle").asText()).isEqualTo("retired");
        assertThat(retired.path("retires").asText()).isEqualTo("2026-11-30");
        assertThat(retired.path("replacement").asText()).isEqualTo("claude-sonnet-5-5");
        assertThat(retired.path("aliases").toString()).isEqualTo("[\"claude-sonnet-4-5\"]");
    }

    @Test
    void shouldListTheCatalogFileItIsGiven() throws Exception {
        Path file = dir.resolve("catalog.yaml");
        Files.writeString(file, """
                checked: 2027-01-04
                models:
                  - id: claude-haiku-6
                    lifecycle: active
                    context_window: 1000000
                    max_output_tokens: 128000
                    thinking: adaptive
                    efforts: [low, high]
                    default_effort: low
                    sampling_parameters: false
                    tokenizer_factor: 1.3
                    min_cacheable_tokens: 512
                    prices: {input: 0.1, output: 0.5, cache_write_5m: 0.125, cache_write_1h: 0.2, cache_read: 0.01,
                             batch_input: 0.05, batch_output: 0.25}
                    latency: {first_token_ms: 500, output_tokens_per_second: 200}
                """);

        models("--catalog", file.toString(), "--on", "2027-01-04", "--set", "hal9.l2.model=claude-haiku-6");

        List<String> lines = out.toString().lines().toList();
        assertThat(lines.get(0)).startsWith(file + ", checked 2027-01-04;");
        assertThat(row("claude-haiku-6")).last().isEqualTo("L2");
        // L3 and L4 ask Sonnet 5.5, which this catalog does not list
        assertThat(lines).hasSize(5).endsWith(
                "not in the catalog: hal9.l3.model=claude-sonnet-5-5: unknown model (not in the model catalog)",
                "not in the catalog: hal9.l4.model=claude-sonnet-5-5: unknown model (not in the model catalog)");
    }

    @Test
    void shouldRefuseAFileThatIsNotACatalogInOneLine() throws Exception {
        Path file = dir.resolve("notes.yaml");
        Files.writeString(file, "checked: 2027-01-04\nmodels: []\n");

        int exit = models("--catalog", file.toString());

        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).isEqualTo("hal9: invalid setting: Invalid value " + file
                + " for configuration hal9.claude.model.catalog.file: " + file
                + ": not a model catalog: it lists no models\n");
        assertThat(out.toString()).isEmpty();
    }

    private int models(String... args) {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "models";
        System.arraycopy(args, 0, all, 1, args.length);
        return cli.execute(all);
    }

    private List<String> row(String model) {
        Optional<List<String>> row = out.toString().lines().map(ModelsCommandTest::columns)
                .filter(cells -> cells.get(0).equals(model)).findFirst();
        assertThat(row).as(out.toString()).isPresent();
        return row.get();
    }

    private static List<String> columns(String line) {
        return Arrays.asList(line.split(" {2,}"));
    }
}
