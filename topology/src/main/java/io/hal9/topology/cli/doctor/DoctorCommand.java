package io.hal9.topology.cli.doctor;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.config.Hal9Config;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hal9 doctor}: checks a HAL9 installation and prints one line per check, OK, WARN or
 * FAIL with a hint.
 *
 * <p>Checks, in order: the admin URL answers as HAL9 ({@code admin}); each layer's breaker and
 * neuron ({@code breaker}); Kafka answers ({@code kafka}); lag of the {@code hal9-*} consumer
 * groups ({@code lag}); disk use of the log and state dirs ({@code disk}); JVM crash evidence
 * ({@code crash}); the last ERROR lines of the log ({@code log}); the configured layers' models
 * against the model catalog ({@code models}). A check that depends on one that failed says it was
 * not checked.
 *
 * <p>Exit codes: 0 all OK, 1 a WARN, 2 a FAIL.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check a HAL9 installation: admin /health, breakers, Kafka, lag, disk, crash dumps, log errors, "
                + "the layers' models. "
                + "Exit 0 all OK, 1 a WARN, 2 a FAIL.")
public final class DoctorCommand implements Callable<Integer> {

    public static final int EXIT_WARN = 1;
    public static final int EXIT_FAIL = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080",
            description = "Admin URL of the HAL9 process (default: ${DEFAULT-VALUE}).")
    String url;

    @Option(names = "--bootstrap-servers", defaultValue = Hal9Config.BOOTSTRAP_SERVERS_DEFAULT,
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--log-dir", description = "Directory of HAL9's log files (disk use, rotated logs, ERROR lines, crash dumps).")
    Path logDir;

    @Option(names = "--state-dir", description = "Kafka Streams state directory, hal9.state.dir (disk use, crash dumps).")
    Path stateDir;

    @Option(names = "--fix", description = "Delete rotated log files older than 7 days from --log-dir and say how many bytes that freed.")
    boolean fix;

    @Option(names = "--timeout-ms", defaultValue = "10000",
            description = "How long the admin URL and Kafka may take to answer (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--lag-warn", defaultValue = "" + LagCheck.DEFAULT_WARN_THRESHOLD,
            description = "Consumer lag of a group above which lag is a WARN (default: ${DEFAULT-VALUE}).")
    long lagWarn;

    @Option(names = "--disk-warn-percent", defaultValue = "" + DiskCheck.DEFAULT_WARN_PERCENT,
            description = "Disk use that is a WARN (default: ${DEFAULT-VALUE}).")
    int diskWarnPercent;

    @Option(names = "--disk-fail-percent", defaultValue = "" + DiskCheck.DEFAULT_FAIL_PERCENT,
            description = "Disk use that is a FAIL (default: ${DEFAULT-VALUE}).")
    int diskFailPercent;

    @Option(names = "--set", description = "A setting as hal9 run takes it (key=value), for the models check: e.g. "
            + "--set hal9.l3.model=claude-opus-5-5. The environment (HAL9_*) is read too.")
    Map<String, String> settings = new HashMap<>();

    @Option(names = "--catalog", description = "The model catalog file to check the models against "
            + "(hal9.claude.model.catalog.file, else the bundled catalog).")
    Path catalog;

    /** The day the models check judges the models on; today unless a test moves it. */
    @Option(names = "--today", hidden = true)
    LocalDate today;

    /** Where to look for crash dumps besides the log and state dirs; the working dir, settable for tests. */
    @Option(names = "--working-dir", hidden = true)
    Path workingDir = Path.of(System.getProperty("user.dir"));

    @Override
    public Integer call() {
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("--timeout-ms must be positive, not " + timeoutMs);
        }
        Duration timeout = Duration.ofMillis(timeoutMs);
        PrintWriter out = spec.commandLine().getOut();
        HealthProbe health = new HealthProbe(url, timeout);
        List<Result> results = new ArrayList<>();

        Result admin = print(out, new AdminCheck(health).run(), results);
        print(out, new BreakerCheck(health).run(), results);
        Result kafka = print(out, new KafkaCheck(bootstrapServers, timeout).run(), results);
        print(out, kafka.status() == Status.FAIL
                ? Result.warn(LagCheck.NAME, "not checked: Kafka did not answer", "see the kafka line")
                : new LagCheck(bootstrapServers, timeout, Hal9Config.APPLICATION_ID_PREFIX_DEFAULT, lagWarn).run(), results);
        print(out, new DiskCheck(logDir, stateDir, fix, DiskCheck.Usage.FILE_STORE, diskWarnPercent, diskFailPercent,
                Clock.systemUTC()).run(), results);
        print(out, new CrashEvidenceCheck(List.of(workingDir, nullSafe(logDir), nullSafe(stateDir))).run(), results);
        print(out, new LogErrorsCheck(logDir).run(), results);
        print(out, new ModelsCheck(this::config, today != null ? today : LocalDate.now(ZoneOffset.UTC)).run(), results);

        Status worst = results.stream().map(Result::status).reduce(Status.OK, Status::worst);
        return switch (worst) {
            case OK -> ExitCodes.OK;
            case WARN -> EXIT_WARN;
            case FAIL -> EXIT_FAIL;
        };
    }

    /** The settings as {@code hal9 run} reads them: {@code --set} and {@code --catalog} over the environment. */
    private Hal9Config config() {
        Map<String, Object> explicit = new HashMap<>(settings);
        if (catalog != null) {
            explicit.put(Hal9Config.CLAUDE_MODEL_CATALOG_FILE_CONFIG, catalog.toString());
        }
        return Hal9Config.load(explicit, System.getenv());
    }

    private static Result print(PrintWriter out, Result result, List<Result> results) {
        out.println(result.line());
        out.flush();
        results.add(result);
        return result;
    }

    private Path nullSafe(Path dir) {
        return dir == null ? workingDir : dir;
    }
}
