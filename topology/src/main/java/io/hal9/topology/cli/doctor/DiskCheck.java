package io.hal9.topology.cli.doctor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code disk}: use of the file systems that hold the log and state dirs. WARN from
 * {@code warnPercent}, FAIL from {@code failPercent}. With {@code fix}, first deletes rotated log
 * files ({@code *.log.N}, {@code *.gz}, {@code *.log.YYYY-MM-DD*}) older than 7 days from the log
 * dir and says how many bytes that freed.
 */
public final class DiskCheck implements Check {

    static final String NAME = "disk";
    public static final int DEFAULT_WARN_PERCENT = 80;
    public static final int DEFAULT_FAIL_PERCENT = 90;
    static final Duration ROTATED_LOG_MAX_AGE = Duration.ofDays(7);
    private static final Pattern ROTATED_LOG = Pattern.compile(".*(\\.log\\.\\d+|\\.gz|\\.log\\.\\d{4}-\\d{2}-\\d{2}.*)");

    /** Used share of the file system that holds a path, in percent. */
    @FunctionalInterface
    public interface Usage {
        double percentUsed(Path path) throws IOException;

        /** The real one: the {@link FileStore} of the path. */
        Usage FILE_STORE = path -> {
            FileStore store = Files.getFileStore(path);
            long total = store.getTotalSpace();
            return total == 0 ? 0 : 100.0 * (total - store.getUsableSpace()) / total;
        };
    }

    private final Path logDir;
    private final Path stateDir;
    private final boolean fix;
    private final Usage usage;
    private final int warnPercent;
    private final int failPercent;
    private final Clock clock;

    public DiskCheck(Path logDir, Path stateDir, boolean fix, Usage usage, int warnPercent, int failPercent, Clock clock) {
        this.logDir = logDir;
        this.stateDir = stateDir;
        this.fix = fix;
        this.usage = usage;
        this.warnPercent = warnPercent;
        this.failPercent = failPercent;
        this.clock = clock;
    }

    @Override
    public Result run() {
        String freed = "";
        if (fix && logDir != null && Files.isDirectory(logDir)) {
            try {
                freed = ", --fix freed " + String.format(Locale.ROOT, "%,d", deleteOldRotatedLogs()) + " bytes";
            } catch (IOException | UncheckedIOException e) {
                freed = ", --fix failed: " + e.getMessage();
            }
        }
        Map<String, Path> dirs = new LinkedHashMap<>();
        if (logDir != null) {
            dirs.put("log", logDir);
        }
        if (stateDir != null) {
            dirs.put("state", stateDir);
        }
        if (dirs.isEmpty()) {
            return Result.ok(NAME, "no log or state dir given" + freed);
        }
        Status worst = Status.OK;
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Path> dir : dirs.entrySet()) {
            Path existing = existingAncestor(dir.getValue().toAbsolutePath());
            double percent;
            try {
                percent = usage.percentUsed(existing);
            } catch (IOException e) {
                worst = worst.worst(Status.WARN);
                parts.add(dir.getKey() + " " + dir.getValue() + " unreadable (" + e.getMessage() + ")");
                continue;
            }
            Status status = percent >= failPercent ? Status.FAIL : percent >= warnPercent ? Status.WARN : Status.OK;
            worst = worst.worst(status);
            parts.add(String.format(Locale.ROOT, "%s %s %.0f %% used", dir.getKey(), dir.getValue(), percent));
        }
        String hint = worst == Status.OK ? null
                : "free space: hal9 doctor --fix deletes rotated logs older than 7 days; move *.hprof dumps away";
        return new Result(worst, NAME, String.join(", ", parts) + freed, hint);
    }

    /** Deletes rotated logs older than 7 days from the log dir; returns the bytes freed. */
    long deleteOldRotatedLogs() throws IOException {
        Instant cutoff = clock.instant().minus(ROTATED_LOG_MAX_AGE);
        long freed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(logDir)) {
            for (Path file : files) {
                if (Files.isRegularFile(file) && ROTATED_LOG.matcher(file.getFileName().toString()).matches()
                        && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    long size = Files.size(file);
                    Files.delete(file);
                    freed += size;
                }
            }
        }
        return freed;
    }

    /** A dir that does not exist yet will live on the file system of its nearest existing ancestor. */
    private static Path existingAncestor(Path path) {
        Path current = path;
        while (current != null && !Files.exists(current)) {
            current = current.getParent();
        }
        return current == null ? path.getRoot() : current;
    }
}
