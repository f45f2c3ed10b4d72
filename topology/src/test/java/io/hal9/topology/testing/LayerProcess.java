package io.hal9.topology.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.hal9.topology.cli.Hal9;

/**
 * {@code hal9 <args>} in a JVM of its own, started from the test's classpath: a layer the test can
 * kill like a crashed pod ({@link #kill()}, SIGKILL on Linux) or stop like a terminated one
 * ({@link #stop(Duration)}, SIGTERM).
 *
 * <p>How to use: {@code try (LayerProcess layer = LayerProcess.start(dir, "first", args, env)) {...}}
 * or close it from an {@code @AfterEach}; {@link #tail(int)} gives its output for a failure message.
 *
 * <p>Contract:
 * <ul>
 *   <li>The child inherits the test JVM's environment without {@code ANTHROPIC_API_KEY} and without
 *       any {@code HAL9_*} or {@code KAFKA_*} variable, then gets {@code environment}: only the test
 *       decides the layer's settings, and it never calls real Claude.</li>
 *   <li>stdout and stderr go to {@code <dir>/<name>.out} and {@code <dir>/<name>.err}.</li>
 *   <li>{@link #close()} kills the process if it still runs and waits for it to end; a process the
 *       test forgot is killed when the test JVM exits, so no child outlives the test run.</li>
 * </ul>
 */
public final class LayerProcess implements AutoCloseable {

    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
    private static final Set<Process> STARTED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> STARTED.forEach(Process::destroyForcibly),
                "layer-process-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private LayerProcess(String name, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code java -cp <test classpath> io.hal9.topology.cli.Hal9 <hal9Args>}.
     *
     * @param dir where the output files go
     * @param name names the output files and the process in messages
     */
    public static LayerProcess start(Path dir, String name, List<String> hal9Args, Map<String, String> environment) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // log as the hal9 executable does, not with the tests' logback-test.xml on the classpath
        command.add("-Dlogback.configurationFile=logback.xml");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Hal9.class.getName());
        command.addAll(hal9Args);
        Path stdout = dir.resolve(name + ".out");
        Path stderr = dir.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.equals("ANTHROPIC_API_KEY") || key.startsWith("HAL9_")
                || key.startsWith("KAFKA_"));
        env.putAll(environment);
        try {
            Process process = builder.start();
            STARTED.add(process);
            return new LayerProcess(name, process, stdout, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start layer process " + name + ": " + command, e);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Kills the process at once (SIGKILL on Linux), as a node failure would, and returns its exit status. */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("layer process " + name + " still runs " + EXIT_WAIT + " after SIGKILL");
        }
        STARTED.remove(process);
        return process.exitValue();
    }

    /**
     * Asks the process to stop (SIGTERM on Linux), as Kubernetes does, and waits up to {@code timeout}.
     *
     * @return its exit status, or empty when it still runs after {@code timeout} (it is left running:
     *     {@link #close()} kills it)
     */
    public OptionalInt stop(Duration timeout) throws InterruptedException {
        terminate();
        return awaitExit(timeout);
    }

    /** Asks the process to stop (SIGTERM on Linux), as Kubernetes does, and returns at once. */
    public void terminate() {
        process.destroy();
    }

    /**
     * Waits up to {@code timeout} for the process to end.
     *
     * @return its exit status, or empty when it still runs after {@code timeout}
     */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return OptionalInt.empty();
        }
        STARTED.remove(process);
        return OptionalInt.of(process.exitValue());
    }

    /** Everything the process wrote to stderr so far (its log). */
    public String stderr() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + stderr, e);
        }
    }

    /** The last {@code lines} lines of stdout and of stderr, headed with the process name, pid and state. */
    public String tail(int lines) {
        String state = process.isAlive() ? "running" : "exited with " + process.exitValue();
        return "--- layer process " + name + " (pid " + process.pid() + ", " + state + ") stdout, last " + lines
                + " lines ---\n" + tail(stdout, lines)
                + "--- layer process " + name + " stderr, last " + lines + " lines ---\n" + tail(stderr, lines);
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            StringBuilder text = new StringBuilder();
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(line -> text.append(line).append('\n'));
            return text.toString();
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")\n";
        }
    }

    /** Kills the process if it still runs and waits until it has ended. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
        STARTED.remove(process);
    }

    @Override
    public String toString() {
        return "LayerProcess[" + name + ", pid " + process.pid() + "]";
    }
}
