package io.hal9.topology.cli.doctor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * {@code log}: the last 3 lines containing {@code " ERROR "} in the newest {@code *.log} of the
 * log dir. WARN showing them; OK when there are none, or no log dir or log file.
 */
public final class LogErrorsCheck implements Check {

    static final String NAME = "log";
    static final int LINES = 3;
    private static final int MAX_LINE_LENGTH = 300;

    private final Path logDir;

    public LogErrorsCheck(Path logDir) {
        this.logDir = logDir;
    }

    @Override
    public Result run() {
        if (logDir == null || !Files.isDirectory(logDir)) {
            return Result.ok(NAME, logDir == null ? "no log dir given" : "no log dir " + logDir);
        }
        try {
            Path newest = newestLog();
            if (newest == null) {
                return Result.ok(NAME, "no *.log in " + logDir);
            }
            Deque<String> errors = lastErrors(newest);
            if (errors.isEmpty()) {
                return Result.ok(NAME, "no ERROR lines in " + newest);
            }
            StringBuilder detail = new StringBuilder("last ").append(errors.size())
                    .append(errors.size() == 1 ? " ERROR line" : " ERROR lines").append(" of ").append(newest);
            errors.forEach(line -> detail.append('\n').append(line));
            return Result.warn(NAME, detail.toString(), null);
        } catch (IOException e) {
            return Result.warn(NAME, "cannot read the log in " + logDir + ": " + e.getMessage(), "check the file permissions");
        }
    }

    private Path newestLog() throws IOException {
        Path newest = null;
        FileTime newestTime = null;
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(logDir, "*.log")) {
            for (Path log : logs) {
                FileTime time = Files.getLastModifiedTime(log);
                if (Files.isRegularFile(log) && (newestTime == null || time.compareTo(newestTime) > 0)) {
                    newest = log;
                    newestTime = time;
                }
            }
        }
        return newest;
    }

    /** Reads the whole file; undecodable bytes become replacement characters rather than an error. */
    private static Deque<String> lastErrors(Path log) throws IOException {
        Deque<String> errors = new ArrayDeque<>(LINES);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.contains(" ERROR ")) {
                    if (errors.size() == LINES) {
                        errors.removeFirst();
                    }
                    errors.addLast(line.length() > MAX_LINE_LENGTH ? line.substring(0, MAX_LINE_LENGTH) + "..." : line);
                }
            }
        }
        return errors;
    }
}
