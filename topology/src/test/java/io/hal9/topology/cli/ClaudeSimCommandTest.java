package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import io.hal9.neurons.simulator.SimulatorOptions;

import org.junit.jupiter.api.Test;
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
    void shouldKnowEveryModelByDefaultAndOnlyTheModelsGivenOtherwise() {
        assertThat(parse("claude-sim").knows("claude-anything")).isTrue();

        SimulatorOptions options = parse("claude-sim", "--models", "claude-haiku-4-5,claude-sonnet-4-5");

        assertThat(options.knows("claude-haiku-4-5")).isTrue();
        assertThat(options.knows("claude-sonnet-4-5-20250929")).isTrue();
        assertThat(options.knows("claude-opus-4-1")).isFalse();
    }
}
