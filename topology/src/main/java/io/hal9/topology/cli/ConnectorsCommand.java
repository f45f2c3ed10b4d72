package io.hal9.topology.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.hal9.connectors.config.ConnectorConfig;
import io.hal9.connectors.config.ConnectorConfigs;
import io.hal9.connectors.rest.ConnectRestClient;
import io.hal9.connectors.rest.ConnectRestException;
import io.hal9.connectors.rest.ConnectorStatus;
import io.hal9.topology.cli.common.ExitCodes;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hal9 connectors}: the Kafka Connect connectors that move results and dead letters out of
 * Kafka (into PostgreSQL, through the JDBC sink). {@code apply} registers the configuration files on
 * a Connect worker.
 */
@Command(name = "connectors", mixinStandardHelpOptions = true,
        description = "Kafka Connect connectors that sink hal9.results and hal9.dlq into PostgreSQL.",
        subcommands = {ConnectorsCommand.Apply.class})
public final class ConnectorsCommand implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code hal9 connectors apply --connect-url URL}: creates or updates every connector
     * configuration (the bundled files, or those in {@code --dir}) on the worker, then waits until
     * each runs or fails and prints one line per connector. Exit 0 when all run, 1 when one failed or
     * did not run within {@code --timeout}, 2 when the worker refused a configuration or did not answer.
     */
    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Create or update the connector configurations on a Kafka Connect worker and report "
                    + "each connector's state.")
    static final class Apply implements Callable<Integer> {

        /** HTTP statuses a worker answers while it starts or rebalances: worth asking again. */
        private static final List<Integer> NOT_YET = List.of(409, 503);

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--connect-url", required = true,
                description = "The Connect worker's REST API, e.g. http://connect:8083.")
        URI connectUrl;

        @Option(names = "--dir", description = "Register every *.json file in this directory instead of the "
                + "bundled configurations (connectors/config/).")
        Path dir;

        @Option(names = "--set", paramLabel = "[CONNECTOR:]KEY=VALUE", description = "Override a setting in every "
                + "configuration, or in the one named, e.g. --set connection.url=jdbc:postgresql://db:5432/hal9. "
                + "Repeatable.")
        List<String> settings = new ArrayList<>();

        @Option(names = "--timeout", defaultValue = "60",
                description = "Seconds to wait for the worker and for each connector to run (default ${DEFAULT-VALUE}).")
        long timeoutSeconds;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<ConnectorConfig> configs = ConnectorConfigs.override(
                    dir == null ? ConnectorConfigs.bundled() : ConnectorConfigs.fromDirectory(dir), settings);
            ConnectRestClient client = new ConnectRestClient(connectUrl);
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();

            Map<String, ConnectRestClient.Applied> applied = new LinkedHashMap<>();
            for (ConnectorConfig config : configs) {
                applied.put(config.name(), applyPatiently(client, config, deadline));
            }
            int width = configs.stream().mapToInt(c -> c.name().length()).max().orElse(0);
            boolean allRunning = true;
            for (ConnectorConfig config : configs) {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                ConnectorStatus status = client.awaitSettled(config.name(), left);
                boolean running = status != null && status.running();
                allRunning &= running;
                out.printf("%-" + width + "s  %-7s  %s%n", config.name(), applied.get(config.name()),
                        status == null ? "UNKNOWN (the worker does not list it)"
                                : status.describe() + (running || status.failed() ? "" : " after " + timeoutSeconds + " s"));
            }
            out.flush();
            return allRunning ? ExitCodes.OK : ExitCodes.UNFINISHED;
        }

        /**
         * Registers the connector, asking again while the worker is starting or rebalancing (a worker that
         * does not answer at all fails at once: run apply once its REST API is up).
         */
        private static ConnectRestClient.Applied applyPatiently(ConnectRestClient client, ConnectorConfig config,
                                                                long deadline) {
            while (true) {
                try {
                    return client.apply(config);
                } catch (ConnectRestException e) {
                    if (!NOT_YET.contains(e.httpStatus()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while registering " + config.name(), e);
                }
            }
        }
    }
}
