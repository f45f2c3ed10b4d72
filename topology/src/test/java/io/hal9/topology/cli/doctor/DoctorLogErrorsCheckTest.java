package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorLogErrorsCheckTest {

    @TempDir
    Path logDir;

    @Test
    void shouldWarnWithTheLastThreeErrorLinesOfTheNewestLog() throws Exception {
        log("old.log", Instant.parse("2026-11-26T00:00:00Z"), "10:00 ERROR l2 from the old log");
        Path newest = log("hal9.log", Instant.parse("2026-11-27T00:00:00Z"),
                "11:00 ERROR l2 first",          // dropped: only the last 3 are shown
                "11:01 INFO  l2 fine",
                "11:02 ERROR l3 second",
                "11:03 WARN  l3 ERRORS mentioned, not an error line",
                "11:04 ERROR l3 third",
                "11:05 ERROR l4 fourth");

        Result result = new LogErrorsCheck(logDir).run();

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail().lines()).containsExactly(
                "last 3 ERROR lines of " + newest,
                "11:02 ERROR l3 second",
                "11:04 ERROR l3 third",
                "11:05 ERROR l4 fourth");
    }

    @Test
    void shouldBeOkWhenTheNewestLogHasNoErrors() throws Exception {
        log("hal9.log", Instant.parse("2026-11-27T00:00:00Z"), "11:01 INFO  l2 fine");

        assertThat(new LogErrorsCheck(logDir).run().status()).isEqualTo(Status.OK);
    }

    @Test
    void shouldBeOkWithoutALogDirOrLogFile() {
        assertThat(new LogErrorsCheck(null).run().status()).isEqualTo(Status.OK);
        assertThat(new LogErrorsCheck(logDir.resolve("missing")).run().status()).isEqualTo(Status.OK);
        assertThat(new LogErrorsCheck(logDir).run().detail()).isEqualTo("no *.log in " + logDir);
    }

    @Test
    void shouldIndentTheErrorLinesBelowTheCheckLine() {
        Result result = Result.warn("log", "last 1 ERROR line of x.log\n11:05 ERROR l4 fourth", null);

        assertThat(result.line()).isEqualTo("WARN log        last 1 ERROR line of x.log\n                11:05 ERROR l4 fourth");
    }

    private Path log(String name, Instant modified, String... lines) throws Exception {
        Path file = Files.write(logDir.resolve(name), java.util.List.of(lines));
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }
}
