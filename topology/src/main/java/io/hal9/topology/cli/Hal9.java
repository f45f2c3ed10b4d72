package io.hal9.topology.cli;

import java.io.PrintWriter;

import io.hal9.connectors.rest.ConnectRestException;
import io.hal9.topology.cli.bench.BenchCommand;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.cli.demo.DemoCommand;
import io.hal9.topology.cli.doctor.DoctorCommand;
import io.hal9.topology.cli.game.PlayCommand;
import io.hal9.topology.kafka.Contracts;
import io.hal9.topology.net.PortInUseException;
import io.hal9.topology.node.Version;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code hal9} executable: one binary that runs any layer, the whole chain for a demo, the
 * Claude simulator or a schema registry.
 *
 * <p>Exit codes: 0 success, 1 the work did not finish (e.g. a demo timed out), 2 a usage or
 * start-up error (invalid setting, port in use), reported in one line without a stack trace.
 */
@Command(name = "hal9", mixinStandardHelpOptions = true, versionProvider = Hal9.VersionProvider.class,
        description = "HAL9 Streams: a hierarchy of Claude neurons (L2 -> L3 -> L4) on Apache Kafka.",
        subcommands = {DemoCommand.class, RunCommand.class, ClaudeSimCommand.class, SchemaRegistryCommand.class,
                BenchCommand.class, ConfigCommand.class, ModelsCommand.class, DoctorCommand.class, TopicsCommand.class, PlayCommand.class,
                ConnectorsCommand.class, AutoscaleSimCommand.class, CommandLine.HelpCommand.class})
public final class Hal9 implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The JDK's HTTP server (admin, schema registry, simulator) reads its limits once per JVM, when
     * the first server starts; its default of 200 idle connections makes it close keep-alive
     * connections that clients still pool, and their next request fails with "unexpected end of
     * stream". Raised before anything starts.
     */
    static final int HTTP_SERVER_IDLE_CONNECTIONS = 4096;

    public static void main(String[] args) {
        // before the first logger: HAL9_LOG_DIR switches on the rolling log file (logback.xml)
        String logDir = System.getenv("HAL9_LOG_DIR");
        if (logDir != null && !logDir.isBlank()) {
            System.setProperty("hal9.log.file.appender", "file");
        }
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", Integer.toString(HTTP_SERVER_IDLE_CONNECTIONS));
        }
        System.exit(commandLine().execute(args));
    }

    /** The command line with HAL9's error handling, for {@code main} and for tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Hal9());
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("hal9: " + describe(error));
            err.flush();
            return ExitCodes.USAGE;
        });
        return cli;
    }

    static String describe(Throwable error) {
        if (error instanceof ConfigException) {
            return "invalid setting: " + error.getMessage();
        }
        if (error instanceof PortInUseException || error instanceof IllegalArgumentException
                || error instanceof ConnectRestException || error instanceof Contracts.RefusedException) {
            return error.getMessage();
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        return root == error ? message : message + " (cause: " + root + ")";
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints the version baked into the build. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"hal9-streams " + Version.get()};
        }
    }
}
