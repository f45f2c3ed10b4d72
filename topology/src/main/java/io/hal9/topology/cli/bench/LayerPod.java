package io.hal9.topology.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;


/**
 * {@code hal9 run ...} in a JVM of its own, started the way a pod starts it: the java executable of
 * this JVM, this JVM's classpath (the {@code hal9.jar} when run from it, the test classpath in
 * tests) and {@link Hal9} as the main class, with the environment of this process minus
 * {@code ANTHROPIC_API_KEY} (a pod of the bench talks to the Claude simulator only).
 *
 * <p>Contract: stdout and stderr go together to one log file; {@link #close()} asks the process to
 * stop (SIGTERM), waits for it, kills it when it does not stop in time, and waits again, so that no
 * process is left behind. Every process still running when this JVM exits (Ctrl-C on the bench, a
 * failure that skipped {@code close()}) is killed from a shutdown hook.
 */
final class LayerPod implements AutoCloseable {

    /** Kubernetes' default termination grace period: a pod that takes longer is killed. */
    static final Duration STOP_GRACE = Duration.ofSeconds(60);
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(PROBE_TIMEOUT).build();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "hal9-bench-pod-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final long startedNanos;
    private final URI admin;

    private LayerPod(String name, Process process, Path log, long startedNanos, int adminPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
        this.admin = URI.create("http://127.0.0.1:" + adminPort);
    }

    /**
     * Starts {@code java -cp <classpath> io.hal9.topology.cli.Hal9 <hal9Args>}; the start-up clock
     * starts just before the process does.
     *
     * @param name      names the process in messages, e.g. {@code "hal9 run --layer L2"}
     * @param adminPort the admin port the process is told to serve on
     * @param log       where its output goes
     */
    /** The {@code hal9} executable's main class, named rather than referenced: cli depends on bench, not back. */
    static final String MAIN_CLASS = "io.hal9.topology.cli.Hal9";

    static LayerPod start(String name, List<String> hal9Args, int adminPort, Path log) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN_CLASS);
        command.addAll(hal9Args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("ANTHROPIC_API_KEY");
        long started = System.nanoTime();
        try {
            Process process = builder.start();
            RUNNING.add(process);
            return new LayerPod(name, process, log, started, adminPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    /** The java executable of this JVM. */
    static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Time since just before the process started. */
    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /**
     * {@code GET path} on the admin port: the status and body, or status 0 and the error when
     * nothing answered (the server is not up yet).
     */
    Answer get(String path) {
        HttpRequest request = HttpRequest.newBuilder(admin.resolve(path)).timeout(PROBE_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(0, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "interrupted");
        }
    }

    /** An admin server's answer; status 0 when none came. */
    record Answer(int status, String body) {

        boolean ok() {
            return status == 200;
        }
    }

    /** Exit status of the ended process. */
    int exitValue() {
        return process.exitValue();
    }

    /**
     * Asks the process to stop (SIGTERM) and waits up to {@link #STOP_GRACE}; kills it past that.
     *
     * @return its exit status
     */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
        RUNNING.remove(process);
        return process.exitValue();
    }

    private void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") still runs " + KILL_WAIT
                    + " after it was killed");
        }
    }

    /** The last {@code lines} lines of the process's output. */
    String tail(int lines) {
        try {
            List<String> all = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Stops the process if it still runs (SIGTERM, then SIGKILL) and waits until it has ended. */
    @Override
    public void close() throws InterruptedException {
        try {
            if (process.isAlive()) {
                stop();
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            RUNNING.remove(process);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
