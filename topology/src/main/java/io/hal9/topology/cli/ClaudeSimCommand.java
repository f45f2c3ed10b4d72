package io.hal9.topology.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.Callable;

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
        description = "Serve a Claude Messages-API simulator (POST /v1/messages) for running without an API key.")
final class ClaudeSimCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8089", description = "Port to listen on (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--latency-ms", defaultValue = "20", description = "Latency of every answer (default ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(names = "--snapshot-date", defaultValue = SimulatorOptions.DEFAULT_SNAPSHOT_DATE, paramLabel = "YYYYMMDD",
            description = "Answers name the model asked for plus this date, as the API names the snapshot that "
                    + "answered (claude-haiku-4-5 -> claude-haiku-4-5-${DEFAULT-VALUE}); empty answers the model as "
                    + "asked (default ${DEFAULT-VALUE}).")
    String snapshotDate;

    @Option(names = "--models", split = ",", paramLabel = "MODEL",
            description = "The only models the simulator knows (aliases or dated ids, comma-separated); a request for "
                    + "another gets 404 not_found_error, as the API answers an unknown model. Default: every model.")
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
        System.out.println("claude-sim: listening on " + simulator.baseUrl() + " (POST /v1/messages, GET /sim/stats)"
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
        return faults.apply(base, spec.commandLine(), start);
    }
}
