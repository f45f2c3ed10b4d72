package io.hal9.topology.cli.doctor;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code crash}: JVM crash evidence, {@code hs_err_pid*.log} and {@code *.hprof} files, in the
 * working, log and state dirs (not their subdirectories). WARN listing them; OK when there are none.
 */
public final class CrashEvidenceCheck implements Check {

    static final String NAME = "crash";

    private final List<Path> dirs;

    /** @param dirs the dirs to look in; {@code null}s and missing dirs are skipped */
    public CrashEvidenceCheck(List<Path> dirs) {
        this.dirs = dirs.stream().filter(Objects::nonNull).toList();
    }

    @Override
    public Result run() {
        Set<Path> found = new LinkedHashSet<>();
        Set<Path> seen = new LinkedHashSet<>();
        for (Path dir : dirs) {
            Path normalized = dir.toAbsolutePath().normalize();
            if (!seen.add(normalized) || !Files.isDirectory(normalized)) {
                continue;
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(normalized, "{hs_err_pid*.log,*.hprof}")) {
                files.forEach(found::add);
            } catch (IOException e) {
                return Result.warn(NAME, "cannot list " + normalized + ": " + e.getMessage(), "check the dir's permissions");
            }
        }
        if (found.isEmpty()) {
            return Result.ok(NAME, "no hs_err_pid*.log or *.hprof in " + seen.size() + (seen.size() == 1 ? " dir" : " dirs"));
        }
        return Result.warn(NAME, found.size() + (found.size() == 1 ? " file: " : " files: ")
                        + String.join(", ", found.stream().map(Path::toString).sorted().toList()),
                "a JVM crashed or ran out of memory: read them, then move them away (heap dumps fill the disk)");
    }
}
