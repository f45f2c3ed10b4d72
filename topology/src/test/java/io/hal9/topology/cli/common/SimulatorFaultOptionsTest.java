package io.hal9.topology.cli.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import io.hal9.neurons.simulator.AccountLimits;
import io.hal9.neurons.simulator.SimulatedRequest;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.topology.cli.Hal9;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The simulator's flags as {@code hal9 claude-sim}, {@code hal9 demo} and {@code hal9 bench} parse them. */
class SimulatorFaultOptionsTest {

    private static final Instant START = Instant.parse("2026-11-29T12:00:00Z");

    /** The options the simulator of the parsed sub-command would start with (nothing is started). */
    private static SimulatorOptions parse(String... args) {
        CommandLine.ParseResult parsed = Hal9.commandLine().parseArgs(args);
        CommandLine command = parsed.subcommand().commandSpec().commandLine();
        SimulatorFaultOptions flags = command.getCommandSpec().mixins().values().stream()
                .map(CommandLine.Model.CommandSpec::userObject)
                .filter(SimulatorFaultOptions.class::isInstance)
                .map(SimulatorFaultOptions.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError(args[0] + " has no simulator flags"));
        return flags.apply(SimulatorOptions.defaults(), command, START);
    }

    @Test
    void shouldParseClaudeSimWithARequestsPerMinute() {
        SimulatorOptions options = parse("claude-sim", "--sim-rpm", "60", "--port", "0");

        assertThat(options.limits()).isEqualTo(new AccountLimits(60, 0, 0));
        assertThat(options.capacity()).isZero();
    }

    @Test
    void shouldParseTokenLimitsAndCapacity() {
        SimulatorOptions options = parse("claude-sim", "--sim-input-tpm", "40000", "--sim-output-tpm", "8000",
                "--sim-capacity", "16");

        assertThat(options.limits()).isEqualTo(new AccountLimits(0, 40_000, 8_000));
        assertThat(options.capacity()).isEqualTo(16);
    }

    @Test
    void shouldParseTheReadmesExample() {
        SimulatorOptions options = parse("claude-sim", "--port", "8089", "--sim-rpm", "60", "--sim-capacity", "32");

        assertThat(options.limits()).isEqualTo(new AccountLimits(60, 0, 0));
        assertThat(options.capacity()).isEqualTo(32);
    }

    @Test
    void shouldLetTheBenchTakeACapacity() {
        assertThat(parse("bench", "--sim-capacity", "100").capacity()).isEqualTo(100);
    }

    @Test
    void shouldLetTheDemoTakeRateLimits() {
        assertThat(parse("demo", "--sim-rpm", "600", "--sim-output-tpm", "90000").limits())
                .isEqualTo(new AccountLimits(600, 0, 90_000));
    }

    @Test
    void shouldHaveNoLimitsByDefault() {
        SimulatorOptions options = parse("claude-sim");

        assertThat(options.limits().any()).isFalse();
        assertThat(options.capacity()).isZero();
    }

    @Test
    void shouldComposeInjectedFaultsWithTheLimits() {
        SimulatorOptions options = parse("claude-sim", "--sim-error-rate", "1", "--sim-error-status", "500",
                "--sim-rpm", "5");

        assertThat(options.faults().next(new SimulatedRequest(1, "m", "", "c")))
                .hasValueSatisfying(fault -> assertThat(fault.status()).isEqualTo(500));
        assertThat(options.limits().requestsPerMinute()).isEqualTo(5);
    }

    @Test
    void shouldRejectANegativeLimitNamingTheFlags() {
        assertThatThrownBy(() -> parse("claude-sim", "--sim-rpm", "-1"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--sim-rpm");
        assertThatThrownBy(() -> parse("bench", "--sim-capacity", "-3"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--sim-capacity");
    }

    @Test
    void shouldDescribeTheLimitsForProgressOutput() {
        SimulatorFaultOptions flags = new SimulatorFaultOptions();
        new CommandLine(flags).parseArgs("--sim-rpm", "60", "--sim-capacity", "4");

        assertThat(flags.describe()).isEqualTo("60 requests/min, capacity 4");
    }

    @Test
    void shouldRefuseAShareOfCallsOnEveryCommandWithTheSimulator() {
        assertThat(parse("claude-sim", "--sim-refusal-rate", "0.2").refusalRate()).isEqualTo(0.2);
        assertThat(parse("demo", "--sim-refusal-rate", "0.1").refusalRate()).isEqualTo(0.1);
        assertThat(parse("bench", "--sim-refusal-rate", "1").refusalRate()).isEqualTo(1.0);
        assertThat(parse("claude-sim").refusalRate()).isZero();
    }

    @Test
    void shouldRejectARefusalRateOutsideZeroToOneNamingTheFlag() {
        assertThatThrownBy(() -> parse("claude-sim", "--sim-refusal-rate", "1.5"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--sim-refusal-rate must be between 0 and 1");
    }

    @Test
    void shouldDescribeRefusalsForProgressOutput() {
        SimulatorFaultOptions flags = new SimulatorFaultOptions();
        new CommandLine(flags).parseArgs("--sim-refusal-rate", "0.25");

        assertThat(flags.describe()).isEqualTo("25% refusals");
    }
}
