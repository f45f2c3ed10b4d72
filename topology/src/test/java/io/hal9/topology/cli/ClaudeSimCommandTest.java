package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.hal9.neurons.simulator.SimulatorOptions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hal9 claude-sim}'s own flags, as the options of the simulator it would start (nothing is started). */
class ClaudeSimCommandTest {

    private static SimulatorOptions parse(String... args) {
        CommandLine.ParseResult parsed = Hal9.commandLine().parseArgs(args);
        ClaudeSimCommand command = (ClaudeSimCommand) parsed.subcommand().commandSpec().userObject();
        return command.options(Instant.parse("2026-11-29T12:00:00Z"));
    }

    @Test
    void shouldAnswerWithTheDefaultSnapshotDate() {
        assertThat(parse("claude-sim").answeringModel("claude-haiku-4-5"))
                .isEqualTo("claude-haiku-4-5-" + SimulatorOptions.DEFAULT_SNAPSHOT_DATE);
    }

    @Test
    void shouldAnswerWithTheSnapshotDateGiven() {
        assertThat(parse("claude-sim", "--snapshot-date", "20251001").answeringModel("claude-haiku-4-5"))
                .isEqualTo("claude-haiku-4-5-20251001");
    }

    @Test
    void shouldAnswerTheModelAsAskedWithAnEmptySnapshotDate() {
        assertThat(parse("claude-sim", "--snapshot-date", "").answeringModel("claude-haiku-4-5"))
                .isEqualTo("claude-haiku-4-5");
    }

    @Test
    void shouldRefuseASnapshotDateThatIsNotOne() {
        assertThatThrownBy(() -> parse("claude-sim", "--snapshot-date", "2025-10-01"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--snapshot-date");
    }

    @Test
    void shouldAnswerTheCatalogsModelsByDefaultAndOnlyTheModelsGivenOtherwise() {
        SimulatorOptions all = parse("claude-sim");
        assertThat(all.knows("claude-sonnet-5-5")).isTrue();
        assertThat(all.knows("claude-haiku-4-5")).isTrue();
        assertThat(all.knows("claude-anything")).as("not in the catalog").isFalse();
        assertThat(all.knows("claude-opus-4-1")).as("retired").isFalse();

        SimulatorOptions options = parse("claude-sim", "--models", "claude-haiku-5-5,claude-sonnet-5-5");

        assertThat(options.knows("claude-haiku-5-5")).isTrue();
        assertThat(options.knows("claude-sonnet-5-5-20261001")).isTrue();
        assertThat(options.knows("claude-haiku-4-5")).isFalse();
    }

    @Test
    void shouldAnswerWithAFixedLatencyByDefault() {
        SimulatorOptions options = parse("claude-sim", "--latency-ms", "75");

        assertThat(options.latencyMode()).isEqualTo(SimulatorOptions.LatencyMode.FIXED);
        assertThat(options.latency()).isEqualTo(Duration.ofMillis(75));
    }

    @Test
    void shouldTakeTheCatalogLatencyProfileScaledWhenAsked() {
        SimulatorOptions options = parse("claude-sim", "--latency-profile", "catalog", "--latency-profile-scale", "0.01");

        assertThat(options.latencyMode()).isEqualTo(SimulatorOptions.LatencyMode.CATALOG);
        assertThat(options.latencyScale()).isEqualTo(0.01);
        assertThat(parse("claude-sim", "--latency-profile", "catalog").latencyScale()).isEqualTo(1.0);
    }

    @Test
    void shouldRefuseAnUnknownLatencyProfileOrAScaleNotAboveZero() {
        assertThatThrownBy(() -> parse("claude-sim", "--latency-profile", "random"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--latency-profile");
        assertThatThrownBy(() -> parse("claude-sim", "--latency-profile", "catalog", "--latency-profile-scale", "0"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--latency-profile-scale");
    }

    @Test
    void shouldAnswerByTheModelCatalogFileGiven(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("catalog.yaml"), """
                checked: 2026-12-07
                models:
                  - id: claude-test-1
                    display_name: Claude Test 1
                    lifecycle: active
                    context_window: 200000
                    max_output_tokens: 8192
                    thinking: none
                    efforts: []
                    sampling_parameters: true
                    tokenizer_factor: 1.0
                    min_cacheable_tokens: 1024
                    prices: {input: 1, output: 5, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1,
                             batch_input: 0.5, batch_output: 2.5}
                    latency: {first_token_ms: 100, output_tokens_per_second: 100, source: a test}
                    sources: [a test]
                """);

        SimulatorOptions options = parse("claude-sim", "--model-catalog", file.toString());

        assertThat(options.knows("claude-test-1")).isTrue();
        assertThat(options.knows("claude-sonnet-5-5")).as("only in the bundled catalog").isFalse();
        assertThatThrownBy(() -> parse("claude-sim", "--model-catalog", dir.resolve("missing.yaml").toString()))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--model-catalog");
    }
}
