package io.hal9.topology.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.cli.common.SimulatorFaultOptions;
import io.hal9.topology.net.Ports;
import io.hal9.topology.node.Shutdown;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hal9 claude-sim}: the Messages-API simulator as a standalone server. */
@Command(name = "claude-sim", mixinStandardHelpOptions = true,
        description = "Serve a Claude API simulator (POST /v1/messages, GET /v1/models) that answers each model "
                + "of the model catalog as the API does, for running without an API key.")
final class ClaudeSimCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8089", description = "Port to listen on (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--latency-ms", defaultValue = "20",
            description = "Latency of every answer with --latency-profile fixed (default ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(names = "--latency-profile", defaultValue = "fixed", paramLabel = "fixed|catalog",
            description = "fixed: every answer takes --latency-ms; catalog: each answer takes its model's latency "
                    + "profile from the model catalog (time to first token plus output tokens, thinking included, at "
                    + "the model's rate), times --latency-profile-scale (default ${DEFAULT-VALUE}).")
    String latencyProfile;

    @Option(names = "--latency-profile-scale", defaultValue = "1.0", paramLabel = "FACTOR",
            description = "Multiplies the catalog latency profile: 1 for the catalog's figures, 0.01 to run them "
                    + "100 times faster (default ${DEFAULT-VALUE}).")
    double latencyProfileScale;

    @Option(names = "--model-catalog", paramLabel = "FILE",
            description = "A model catalog file to answer by instead of the bundled one (which models answer, "
                    + "their rules, tokenizer, prompt-cache minimum and latency).")
    Path modelCatalog;

    @Option(names = "--snapshot-date", defaultValue = SimulatorOptions.DEFAULT_SNAPSHOT_DATE, paramLabel = "YYYYMMDD",
            description = "Answers name the model asked for plus this date, as the API names the snapshot that "
                    + "answered (claude-haiku-4-5 -> claude-haiku-4-5-${DEFAULT-VALUE}); empty answers the model as "
                    + "asked (default ${DEFAULT-VALUE}).")
    String snapshotDate;

    @Option(names = "--models", split = ",", paramLabel = "MODEL",
            description = "The only models the simulator answers (aliases or dated ids, comma-separated), among those "
                    + "the model catalog says still answer today; a request for another gets 404 not_found_error, "
                    + "as the API answers an unknown or retired model. Default: every model of the catalog.")
    Set<String> models = Set.of();

    @CommandLine.Mixin
    SimulatorFaultOptions faults = new SimulatorFaultOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Ports.requireFree("simulator", host, port);
        SimulatorOptions options = options(Instant.now());
        ClaudeSimulator simulator = ClaudeSimulator.start(host, port, options);
        String injected = faults.describe();
        System.out.println("claude-sim: listening on " + simulator.baseUrl()
                + " (POST /v1/messages, GET /v1/models, GET /sim/stats)"
                + (injected.isEmpty() ? "" : "; injecting " + injected));
        System.out.flush();
        Shutdown.await(simulator);
        return ExitCodes.OK;
    }

    /** The simulator's options from the flags, with an outage counted from {@code start}. */
    SimulatorOptions options(Instant start) {
        SimulatorOptions base;
        try {
            base = SimulatorOptions.defaults().withLatency(Duration.ofMillis(latencyMs)).withSnapshotDate(snapshotDate)
                    .withModels(models);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--snapshot-date: " + e.getMessage());
        }
        if (modelCatalog != null) {
            try {
                base = base.withCatalog(ModelCatalog.load(modelCatalog));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--model-catalog: " + e.getMessage());
            }
        }
        base = switch (latencyProfile.toLowerCase(Locale.ROOT)) {
            case "fixed" -> base;
            case "catalog" -> {
                if (!(latencyProfileScale > 0) || Double.isInfinite(latencyProfileScale)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--latency-profile-scale must be a number above 0, got " + latencyProfileScale);
                }
                yield base.withLatencyProfile(latencyProfileScale);
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--latency-profile must be fixed or catalog, got '" + latencyProfile + "'");
        };
        return faults.apply(base, spec.commandLine(), start);
    }
}
