package io.hal9.topology.cli.common;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.hal9.neurons.simulator.FaultPlan;
import io.hal9.neurons.simulator.FaultPlans;
import io.hal9.neurons.simulator.AccountLimits;
import io.hal9.neurons.simulator.SimulatorOptions;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The Claude simulator's fault injection, refusals and its behaviour under load (account rate limits,
 * provider capacity), as flags of {@code hal9 claude-sim}, {@code hal9 demo} and {@code hal9 bench}.
 */
public final class SimulatorFaultOptions {

    private static final long SEED = 9;

    @Option(names = "--sim-error-rate", defaultValue = "0",
            description = "Share of simulator calls that fail with --sim-error-status (0..1, default ${DEFAULT-VALUE}).")
    double errorRate;

    @Option(names = "--sim-error-status", defaultValue = "529",
            description = "HTTP status of injected errors, e.g. 429, 500, 529, 400 (default ${DEFAULT-VALUE}).")
    int errorStatus;

    @Option(names = "--sim-retry-after", description = "retry-after header (seconds) on injected errors.")
    Integer retryAfterSeconds;

    @Option(names = "--sim-hang-rate", defaultValue = "0",
            description = "Share of simulator calls that never answer (0..1, default ${DEFAULT-VALUE}).")
    double hangRate;

    @Option(names = "--sim-outage", paramLabel = "FROM-UNTIL",
            description = "Every call fails with --sim-error-status between these seconds after start, e.g. 10-40.")
    String outage;

    @Option(names = "--sim-refusal-rate", defaultValue = "0",
            description = "Share of simulator calls Claude refuses: HTTP 200 with stop_reason refusal and no text "
                    + "(0..1, default ${DEFAULT-VALUE}).")
    double refusalRate;

    @Option(names = "--sim-rpm", defaultValue = "0", paramLabel = "N",
            description = "Requests per minute per API key; past it 429 rate_limit_error with retry-after "
                    + "(token bucket refilling continuously; 0 = no limit, the default).")
    long requestsPerMinute;

    @Option(names = "--sim-input-tpm", defaultValue = "0", paramLabel = "N",
            description = "Input tokens per minute per API key (estimated as chars / 4), like --sim-rpm "
                    + "(0 = no limit, the default).")
    long inputTokensPerMinute;

    @Option(names = "--sim-output-tpm", defaultValue = "0", paramLabel = "N",
            description = "Output tokens per minute per API key, like --sim-rpm (0 = no limit, the default).")
    long outputTokensPerMinute;

    @Option(names = "--sim-capacity", defaultValue = "0", paramLabel = "C",
            description = "Requests the simulator serves at once; one more gets 529 overloaded_error "
                    + "(0 = no limit, the default).")
    int capacity;

    /**
     * {@code base} with these flags' fault plan (outage counted from {@code start}), rate limits,
     * capacity and refusals.
     *
     * @throws CommandLine.ParameterException naming the flag when a value is out of range
     */
    public SimulatorOptions apply(SimulatorOptions base, CommandLine commandLine, Instant start) {
        if (!(refusalRate >= 0 && refusalRate <= 1)) {
            throw new CommandLine.ParameterException(commandLine,
                    "--sim-refusal-rate must be between 0 and 1, got " + refusalRate);
        }
        return base.withFaults(plan(commandLine, start)).withLimits(limits(commandLine)).withCapacity(capacity)
                .withRefusals(refusalRate, SEED);
    }

    /**
     * The account limits of {@code --sim-rpm}, {@code --sim-input-tpm} and {@code --sim-output-tpm}.
     *
     * @throws CommandLine.ParameterException naming the flag when a value is out of range
     */
    public AccountLimits limits(CommandLine commandLine) {
        if (requestsPerMinute < 0 || inputTokensPerMinute < 0 || outputTokensPerMinute < 0 || capacity < 0) {
            throw new CommandLine.ParameterException(commandLine,
                    "--sim-rpm, --sim-input-tpm, --sim-output-tpm and --sim-capacity must be 0 (no limit) or more");
        }
        return new AccountLimits(requestsPerMinute, inputTokensPerMinute, outputTokensPerMinute);
    }

    /**
     * The fault plan these flags describe, with the outage window counted from {@code start}.
     *
     * @throws CommandLine.ParameterException naming the flag when a value is out of range
     */
    public FaultPlan plan(CommandLine commandLine, Instant start) {
        if (errorRate < 0 || errorRate > 1 || hangRate < 0 || hangRate > 1) {
            throw new CommandLine.ParameterException(commandLine,
                    "--sim-error-rate and --sim-hang-rate must be between 0 and 1");
        }
        if (errorStatus < 400 || errorStatus > 599) {
            throw new CommandLine.ParameterException(commandLine, "--sim-error-status must be an HTTP error status "
                    + "(400..599), got " + errorStatus);
        }
        Optional<Duration> retryAfter = Optional.ofNullable(retryAfterSeconds).map(Duration::ofSeconds);
        List<FaultPlan> plans = new ArrayList<>();
        outage(commandLine).ifPresent(window -> plans.add(FaultPlans.outage(start.plus(window.from()),
                start.plus(window.until()), errorStatus)));
        if (hangRate > 0) {
            plans.add(FaultPlans.hangs(hangRate, SEED));
        }
        if (errorRate > 0) {
            plans.add(FaultPlans.errors(errorRate, errorStatus, retryAfter, SEED));
        }
        return plans.isEmpty() ? FaultPlan.none() : FaultPlans.firstOf(plans.toArray(FaultPlan[]::new));
    }

    /**
     * The {@code --sim-outage} window, counted from the simulator's start, if one is given.
     *
     * @throws CommandLine.ParameterException naming the flag when it is malformed
     */
    public Optional<Outage> outage(CommandLine commandLine) {
        if (outage == null) {
            return Optional.empty();
        }
        String[] bounds = outage.split("-");
        long from;
        long until;
        try {
            from = Long.parseLong(bounds[0].trim());
            until = Long.parseLong(bounds[1].trim());
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(commandLine,
                    "--sim-outage must be FROM-UNTIL in seconds after start, e.g. 10-40; got '" + outage + "'");
        }
        if (bounds.length != 2 || from < 0 || until <= from) {
            throw new CommandLine.ParameterException(commandLine,
                    "--sim-outage must be FROM-UNTIL with 0 <= FROM < UNTIL; got '" + outage + "'");
        }
        return Optional.of(new Outage(Duration.ofSeconds(from), Duration.ofSeconds(until)));
    }

    /** An outage window: from and until, after the simulator's start. */
    public record Outage(Duration from, Duration until) {
    }

    /** A short description for progress output, empty without faults or limits. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (errorRate > 0) {
            parts.add(Math.round(errorRate * 100) + "% errors " + errorStatus
                    + (retryAfterSeconds == null ? "" : " (retry-after " + retryAfterSeconds + " s)"));
        }
        if (hangRate > 0) {
            parts.add(Math.round(hangRate * 100) + "% hangs");
        }
        if (outage != null) {
            parts.add("outage " + outage + " s");
        }
        if (refusalRate > 0) {
            parts.add(Math.round(refusalRate * 100) + "% refusals");
        }
        if (requestsPerMinute > 0) {
            parts.add(requestsPerMinute + " requests/min");
        }
        if (inputTokensPerMinute > 0) {
            parts.add(inputTokensPerMinute + " input tokens/min");
        }
        if (outputTokensPerMinute > 0) {
            parts.add(outputTokensPerMinute + " output tokens/min");
        }
        if (capacity > 0) {
            parts.add("capacity " + capacity);
        }
        return String.join(", ", parts);
    }
}
