package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hal9 autoscale-sim} as a user runs it: a CSV trace against the project's own manifests. */
class AutoscaleSimCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String K8S = Path.of("..", "k8s").toAbsolutePath().normalize().toString();

    @Test
    void shouldPrintOneLinePerPolicyAndTheirRatiosForACsvTrace(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("burst.csv");
        // 5 min at 100/s, then 10 min at 600/s: more than the 5 minimum pods of 30/s take
        Files.writeString(trace, "second,rate\n0,100\n300,600\n899,600\n");
        Path timeline = dir.resolve("timeline.csv");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = execute(out, err, "autoscale-sim", "--k8s", K8S, "--trace", trace.toString(), "--timeline",
                timeline.toString());

        assertThat(exit).as("stderr: %s", err).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().strip().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).path("policy").asText()).isEqualTo("lag");
        assertThat(lines.get(1).path("policy").asText()).isEqualTo("predictive");
        for (JsonNode run : lines.subList(0, 2)) {
            assertThat(run.path("trace").asText()).isEqualTo("burst.csv");
            assertThat(run.path("seconds").asInt()).isEqualTo(900);
            assertThat(run.path("signals").asLong()).isEqualTo(300 * 100 + 600 * 600);
            assertThat(run.path("peak_replicas").asInt()).isGreaterThanOrEqualTo(20); // 600/s needs 20 pods
            assertThat(run.path("scale_events").asInt()).isPositive();
            assertThat(run.path("p99_delay_s").asDouble()).isGreaterThanOrEqualTo(run.path("p50_delay_s").asDouble());
        }
        JsonNode ratios = lines.get(2);
        assertThat(ratios.path("p99_delay_ratio").asDouble())
                .isEqualTo(Math.round(lines.get(1).path("p99_delay_s").asDouble()
                        / lines.get(0).path("p99_delay_s").asDouble() * 1000) / 1000.0);
        List<String> rows = Files.readAllLines(timeline);
        assertThat(rows.get(0)).isEqualTo("trace,policy,second,arrival_rate,replicas,ready,lag,metric");
        // a sync every 15 s (the manifest's pollingInterval), at 15 s ... 885 s, per policy: the backlog
        // is gone before the trace ends
        assertThat(rows).hasSize(1 + 2 * 59);
        assertThat(rows.get(1)).startsWith("burst.csv,lag,15,100.0,5,5,0,");
    }

    @Test
    void shouldRefuseAnUnknownTraceOrPolicyNamingIt() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(execute(out, err, "autoscale-sim", "--k8s", K8S, "--trace", "sawtooth")).isEqualTo(2);
        assertThat(err.toString()).contains("--trace sawtooth: not ramp, spike, diurnal, flat or a file");

        StringWriter err2 = new StringWriter();
        assertThat(execute(out, err2, "autoscale-sim", "--k8s", K8S, "--policy", "cpu")).isEqualTo(2);
        assertThat(err2.toString()).contains("--policy must be lag, predictive or both, got cpu");
    }

    private static int execute(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }
}
