package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.hal9.neurons.models.ModelCatalog;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.testing.KafkaFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hal9 doctor} end to end: a fake admin /health, the fixture broker, temp dirs. */
class DoctorCommandTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    @TempDir
    Path logDir;
    @TempDir
    Path stateDir;
    @TempDir
    Path workingDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void shouldPrintOneOkLinePerCheckAndExitZeroWhenAllIsWell() throws Exception {
        try (FakeAdmin admin = FakeAdmin.hal9("UP", "L2 RUNNING OK CLOSED", "L3 RUNNING OK CLOSED")) {
            int exit = doctor(admin.url());

            List<String> lines = out.toString().lines().toList();
            assertThat(lines).as(out.toString()).hasSize(8).allMatch(line -> line.startsWith("OK   "));
            assertThat(lines.get(0)).isEqualTo("OK   admin      " + admin.url() + " answers as hal9-streams 0.1.0-SNAPSHOT (pid 1234)");
            assertThat(lines.get(1)).isEqualTo("OK   breaker    L2 CLOSED, L3 CLOSED");
            assertThat(lines.get(2)).startsWith("OK   kafka      cluster ");
            assertThat(lines.get(3)).startsWith("OK   lag        ");
            assertThat(lines.get(4)).startsWith("OK   disk       log " + logDir);
            assertThat(lines.get(5)).isEqualTo("OK   crash      no hs_err_pid*.log or *.hprof in 3 dirs");
            assertThat(lines.get(6)).isEqualTo("OK   log        no *.log in " + logDir);
            assertThat(lines.get(7)).isEqualTo("OK   models     L2 claude-haiku-5-5, L3 claude-sonnet-5-5, "
                    + "L4 claude-sonnet-5-5 (bundled catalog.yaml, checked " + ModelCatalog.bundled().checked() + ")");
            assertThat(exit).as(err.toString()).isZero();
        }
    }

    @Test
    void shouldExitZeroForAHealthyProcessThatAlsoRunsTheGame() throws Exception {
        try (FakeAdmin admin = FakeAdmin.hal9("UP", "L2 RUNNING OK CLOSED", "L3 RUNNING OK CLOSED",
                "L4 RUNNING OK CLOSED", "GAME RUNNING NONE NONE")) {
            int exit = doctor(admin.url());

            assertThat(out.toString().lines().toList()).as(out.toString()).hasSize(8)
                    .allMatch(line -> line.startsWith("OK   "))
                    .contains("OK   breaker    L2 CLOSED, L3 CLOSED, L4 CLOSED");
            assertThat(exit).as(err.toString()).isZero();
        }
    }

    @Test
    void shouldExitOneOnAWarning() throws Exception {
        Files.writeString(logDir.resolve("hal9.log"), "2026-11-27 11:00:00 ERROR l3 Claude answered 529\n");
        try (FakeAdmin admin = FakeAdmin.hal9("UP", "L2 RUNNING OK HALF_OPEN")) {
            int exit = doctor(admin.url());

            assertThat(out.toString()).contains("WARN breaker    L2 HALF_OPEN")
                    .contains("WARN log        last 1 ERROR line of " + logDir.resolve("hal9.log") + "\n"
                            + "                2026-11-27 11:00:00 ERROR l3 Claude answered 529");
            assertThat(out.toString()).doesNotContain("FAIL");
            assertThat(exit).isEqualTo(DoctorCommand.EXIT_WARN);
        }
    }

    @Test
    void shouldExitTwoWhenAnotherProgramHoldsTheAdminPort() throws Exception {
        try (FakeAdmin other = FakeAdmin.answering(200, "text/html", "<h1>Directory listing</h1>")) {
            int exit = doctor(other.url());

            assertThat(out.toString().lines().toList().get(0))
                    .startsWith("FAIL admin      another program answers on port " + other.port())
                    .contains("  hint: ");
            assertThat(exit).isEqualTo(DoctorCommand.EXIT_FAIL);
        }
    }

    @Test
    void shouldExitTwoWhenALayersModelIsRetired() throws Exception {
        try (FakeAdmin admin = FakeAdmin.hal9("UP", "L3 RUNNING OK CLOSED")) {
            int exit = doctor(admin.url(), "--set", "hal9.l3.model=claude-sonnet-4-5", "--today", "2026-12-07");

            assertThat(out.toString().lines().toList()).last().asString().startsWith("FAIL models     "
                    + "hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 (Claude Sonnet 4.5); replacement: "
                    + "claude-sonnet-5-5  hint: ");
            assertThat(exit).isEqualTo(DoctorCommand.EXIT_FAIL);
        }
    }

    @Test
    void shouldExitOneForADeprecatedModelAMonthFromRetirement() throws Exception {
        try (FakeAdmin admin = FakeAdmin.hal9("UP", "L3 RUNNING OK CLOSED")) {
            int exit = doctor(admin.url(), "--set", "hal9.l3.model=claude-sonnet-4-5", "--today", "2026-11-15");

            assertThat(out.toString().lines().toList()).last().asString().startsWith("WARN models     "
                    + "hal9.l3.model=claude-sonnet-4-5: deprecated, retires on 2026-11-30 (Claude Sonnet 4.5); "
                    + "replacement: claude-sonnet-5-5  hint: ");
            assertThat(exit).isEqualTo(DoctorCommand.EXIT_WARN);
        }
    }

    private int doctor(String url, String... more) {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        // disk thresholds at 100 % and lag without a limit: the build machine's disk and other tests'
        // groups on the shared broker must not decide this test
        List<String> args = new ArrayList<>(List.of("doctor", "--url", url,
                "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--log-dir", logDir.toString(), "--state-dir", stateDir.toString(), "--working-dir", workingDir.toString(),
                "--disk-warn-percent", "100", "--disk-fail-percent", "100", "--lag-warn", Long.toString(Long.MAX_VALUE)));
        args.addAll(List.of(more));
        if (!args.contains("--today")) {
            args.addAll(List.of("--today", "2026-12-07")); // the models check judges on a fixed day
        }
        return cli.execute(args.toArray(String[]::new));
    }
}
