package io.hal9.topology.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What a command started (broker, registry, simulator, layers, temporary directories), closed in
 * the reverse order of starting. A part that fails to close is reported and the rest still close.
 */
public final class Resources implements AutoCloseable {

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Consumer<String> report;

    /** @param report where a failure to close is said, e.g. the command's progress output */
    public Resources(Consumer<String> report) {
        this.report = report;
    }

    /** Registers {@code resource} to be closed before everything registered earlier. */
    public <T extends AutoCloseable> T add(T resource) {
        started.push(resource);
        return resource;
    }

    /** A new temporary directory, deleted with its content on close. */
    public Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        add(() -> deleteRecursively(dir));
        return dir;
    }

    /** Hands everything over, in closing order, to whoever closes it later (e.g. at JVM shutdown). */
    public AutoCloseable[] release() {
        List<AutoCloseable> ordered = new ArrayList<>(started);
        started.clear();
        return ordered.toArray(AutoCloseable[]::new);
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable resource = started.pop();
            try {
                resource.close();
            } catch (Exception e) {
                report.accept("closing " + resource.getClass().getSimpleName() + " failed: " + e);
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
