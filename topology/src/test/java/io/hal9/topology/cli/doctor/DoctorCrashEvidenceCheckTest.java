package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoctorCrashEvidenceCheckTest {

    @TempDir
    Path workingDir;
    @TempDir
    Path logDir;
    @TempDir
    Path stateDir;

    @Test
    void shouldBeOkWithoutCrashFiles() throws Exception {
        Files.writeString(logDir.resolve("hal9.log"), "fine");

        Result result = new CrashEvidenceCheck(List.of(workingDir, logDir, stateDir)).run();

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).isEqualTo("no hs_err_pid*.log or *.hprof in 3 dirs");
    }

    @Test
    void shouldWarnListingCrashLogsAndHeapDumpsOfEveryDir() throws Exception {
        Path crash = Files.writeString(workingDir.resolve("hs_err_pid4242.log"), "SIGSEGV");
        Path dump = Files.writeString(stateDir.resolve("java_pid4242.hprof"), "heap");
        Files.writeString(logDir.resolve("hal9.log"), "not evidence");

        Result result = new CrashEvidenceCheck(List.of(workingDir, logDir, stateDir)).run();

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail()).startsWith("2 files: ").contains(crash.toString()).contains(dump.toString())
                .doesNotContain("hal9.log");
    }

    @Test
    void shouldSkipMissingAndRepeatedDirs() throws Exception {
        Files.writeString(logDir.resolve("hs_err_pid1.log"), "SIGSEGV");

        Result result = new CrashEvidenceCheck(Arrays.asList(logDir, logDir, null, logDir.resolve("missing"))).run();

        assertThat(result.detail()).isEqualTo("1 file: " + logDir.resolve("hs_err_pid1.log"));
    }
}
