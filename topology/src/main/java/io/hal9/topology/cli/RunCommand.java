package io.hal9.topology.cli;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.hal9.topology.cli.common.ClusterOptions;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.config.AdminSettings;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.net.Ports;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.node.ModelCheck;
import io.hal9.topology.node.ModelMetrics;
import io.hal9.topology.node.Shutdown;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hal9 run --layer L3}: one layer against any Kafka cluster, until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run one or more layers (and/or the game) against a Kafka cluster until stopped.",
                "Every setting can also come from the environment: hal9.claude.timeout.ms <- HAL9_CLAUDE_TIMEOUT_MS;"
                        + " KAFKA_FOO_BAR passes foo.bar to the Kafka clients."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--layer", split = ",", description = "Layer(s) to run, e.g. L3 or L2,L3,L4.")
    List<String> layers = List.of();

    @Option(names = "--game", description = "Also run the game topology (hal9.game.enabled) with its queries "
            + "on the admin server.")
    boolean game;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--admin-port", description = "Admin HTTP port (hal9.admin.port, default 8080).")
    Integer adminPort;

    @Option(names = "--claude-base-url", description = "Messages API endpoint (hal9.claude.base.url).")
    String claudeBaseUrl;

    @Option(names = "--state-dir", description = "Kafka Streams state directory (hal9.state.dir).")
    String stateDir;

    /** The day the model check judges the layers' models on; today unless a test moves it. */
    @Option(names = "--today", hidden = true)
    LocalDate today;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> explicit = cluster.explicit();
        ClusterOptions.putIfSet(explicit, Hal9Config.ADMIN_PORT_CONFIG, adminPort);
        ClusterOptions.putIfSet(explicit, Hal9Config.CLAUDE_BASE_URL_CONFIG, claudeBaseUrl);
        ClusterOptions.putIfSet(explicit, Hal9Config.STATE_DIR_CONFIG, stateDir);
        if (game) {
            explicit.put(Hal9Config.GAME_ENABLED_CONFIG, true);
        }
        Hal9Config config = Hal9Config.load(explicit, System.getenv());
        List<String> selected = layers.stream().map(l -> l.trim().toUpperCase(Locale.ROOT)).toList();
        if (selected.isEmpty() && !config.gameEnabled()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "say what to run: --layer L2,L3,L4 "
                    + "and/or --game");
        }
        String apiKey = System.getenv("ANTHROPIC_API_KEY");
        // the layers' models before anything connects: a retired one would only fail every call
        ModelCheck.Report models = ModelCheck.of(config, apiKey, clock()).check(selected);
        if (!models.proceed(spec.commandLine().getErr())) {
            return ExitCodes.USAGE;
        }
        AdminSettings admin = Hal9Settings.admin(config);
        Ports.requireFree("admin", admin.host(), admin.port());
        Hal9Node node = new Hal9Node(config, selected, Hal9Node.claudeClient(config, apiKey));
        ModelMetrics.bind(node.metrics(), models);
        node.start();
        System.err.println("hal9: running " + selected + (node.game().isPresent() ? " and the game" : "") + " against " + config.bootstrapServers() + ", admin on port "
                + node.adminPort());
        Shutdown.await(node);
        return ExitCodes.OK;
    }

    private Clock clock() {
        return today == null ? Clock.systemUTC()
                : Clock.fixed(today.atStartOfDay(ZoneOffset.UTC).toInstant(), ZoneOffset.UTC);
    }

}
