package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorDiskCheckTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path logDir;
    @TempDir
    Path stateDir;

    private Result diskAt(double percent, boolean fix) {
        return new DiskCheck(logDir, stateDir, fix, path -> percent, 80, 90, CLOCK).run();
    }

    @Test
    void shouldBeOkBelowTheWarnThreshold() {
        Result result = diskAt(79.4, false);

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).isEqualTo("log " + logDir + " 79 % used, state " + stateDir + " 79 % used");
    }

    @Test
    void shouldWarnFromEightyPercent() {
        assertThat(diskAt(80, false).status()).isEqualTo(Status.WARN);
        assertThat(diskAt(89.9, false).status()).isEqualTo(Status.WARN);
    }

    @Test
    void shouldFailFromNinetyPercentWithAHint() {
        Result result = diskAt(90, false);

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.hint()).contains("--fix");
    }

    @Test
    void shouldMeasureTheFileSystemOfAStateDirThatDoesNotExistYet() {
        Path missing = stateDir.resolve("not/yet");

        Result result = new DiskCheck(null, missing, false, path -> {
            assertThat(path).isEqualTo(stateDir.toAbsolutePath());
            return 10;
        }, 80, 90, CLOCK).run();

        assertThat(result.status()).isEqualTo(Status.OK);
    }

    @Test
    void shouldDeleteOnlyRotatedLogsOlderThanSevenDaysWithFix() throws Exception {
        Path oldNumbered = file("hal9.log.1", 100, Duration.ofDays(8));
        Path oldGzip = file("hal9.log.2026-11-01.gz", 20, Duration.ofDays(26));
        Path oldDated = file("hal9.log.2026-11-02", 3, Duration.ofDays(25));
        Path recentRotated = file("hal9.log.2", 1000, Duration.ofDays(6));
        Path oldCurrent = file("hal9.log", 1000, Duration.ofDays(30));   // the live log: kept
        Path oldOther = file("notes.txt", 1000, Duration.ofDays(30));    // not a log: kept

        Result result = diskAt(50, true);

        assertThat(result.detail()).endsWith(", --fix freed 123 bytes");
        assertThat(oldNumbered).doesNotExist();
        assertThat(oldGzip).doesNotExist();
        assertThat(oldDated).doesNotExist();
        assertThat(recentRotated).exists();
        assertThat(oldCurrent).exists();
        assertThat(oldOther).exists();
    }

    @Test
    void shouldDeleteNothingWithoutFix() throws Exception {
        Path old = file("hal9.log.1", 100, Duration.ofDays(8));

        Result result = diskAt(50, false);

        assertThat(old).exists();
        assertThat(result.detail()).doesNotContain("freed");
    }

    private Path file(String name, int bytes, Duration age) throws Exception {
        Path file = Files.write(logDir.resolve(name), new byte[bytes]);
        Files.setLastModifiedTime(file, FileTime.from(NOW.minus(age)));
        return file;
    }
}
