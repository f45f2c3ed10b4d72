package io.hal9.topology.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.cli.common.ExitCodes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code hal9 bench} in-process: a small run per neuron mode, on free ports. */
class BenchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @ParameterizedTest(name = "--mode {0}")
    @ValueSource(strings = {"async", "blocking"})
    void shouldPrintOneJsonLineWithEverySignalDeliveredOnce(String mode) throws Exception {
        int exit = run("bench", "--mode", mode, "--signals", "50", "--warmup", "10", "--latency-ms", "20",
                "--max-in-flight", "16");

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).as("stdout holds only the JSON line").hasSize(1);
        JsonNode figures = JSON.readTree(lines.get(0));
        assertThat(figures.path("mode").asText()).isEqualTo(mode);
        assertThat(figures.path("signals").asInt()).isEqualTo(50);
        assertThat(figures.path("warmup").asInt()).isEqualTo(10);
        assertThat(figures.path("latency_ms").asInt()).isEqualTo(20);
        assertThat(figures.path("max_in_flight").asInt()).isEqualTo(16);
        assertThat(figures.path("guarantee").asText()).isEqualTo("exactly_once_v2");
        assertThat(figures.path("lost").asInt()).isZero();
        assertThat(figures.path("duplicates").asInt()).isZero();
        assertThat(figures.path("dead_letters").asInt()).isZero();
        assertThat(figures.path("throughput_per_s").asDouble()).isPositive();
        assertThat(figures.path("p50_ms").asLong()).isGreaterThanOrEqualTo(20);
        assertThat(figures.path("p99_ms").asLong()).isGreaterThanOrEqualTo(figures.path("p50_ms").asLong());
        assertThat(figures.path("duration_ms").asLong()).isPositive();
    }

    @Test
    void shouldCountOneClaudeCallPerDistinctContentAcrossInstancesAndTheRestAsCacheHits() throws Exception {
        int exit = run("bench", "--instances", "2", "--distinct", "5", "--signals", "40", "--warmup", "0",
                "--latency-ms", "20", "--max-in-flight", "16");

        assertThat(exit).as(err.toString()).isZero();
        JsonNode figures = JSON.readTree(out.toString().lines().reduce((first, last) -> last).orElseThrow());
        assertThat(figures.path("instances").asInt()).isEqualTo(2);
        assertThat(figures.path("routing").asText()).isEqualTo("content");
        assertThat(figures.path("claude_calls").asLong()).isEqualTo(5);
        assertThat(figures.path("cache_hits").asLong()).isEqualTo(35);
        assertThat(figures.path("hit_ratio").asDouble()).isEqualTo(0.875);
        assertThat(figures.path("lost").asInt()).isZero();
        assertThat(figures.path("duplicates").asInt()).isZero();
    }

    @Test
    void shouldMeasureThreeLayersAnsweringFromTheirCachesAgainstAPassthroughOfTheSameRecordsInOneRun()
            throws Exception {
        int exit = run("bench", "--mode", "passthrough", "--distinct", "5", "--signals", "40", "--warmup", "0",
                "--latency-ms", "20");

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).as("stdout holds only the JSON line").hasSize(1);
        JsonNode figures = JSON.readTree(lines.get(0));
        assertThat(figures.path("mode").asText()).isEqualTo("passthrough");
        assertThat(figures.path("layers").asInt()).isEqualTo(3);
        assertThat(figures.path("passthrough_per_s").asDouble()).isPositive();
        assertThat(figures.path("cached_per_s").asDouble()).isPositive();
        assertThat(figures.path("cached_vs_passthrough").asDouble()).isPositive();
        // every hop of the measured signals answered from a cache
        assertThat(figures.path("claude_calls").asLong()).isZero();
        assertThat(figures.path("cache_hits").asLong()).isEqualTo(40);
        assertThat(figures.path("hit_ratio").asDouble()).isEqualTo(1.0);
        assertThat(figures.path("lost").asInt()).isZero();
        assertThat(figures.path("duplicates").asInt()).isZero();
        assertThat(figures.path("dead_letters").asInt()).isZero();
    }

    @Test
    void shouldReportEachLaneOfThreeLayersWhileABacklogDrains() throws Exception {
        int exit = run("bench", "--backlog", "100", "--high", "5", "--high-rate", "20", "--bulk", "10", "--warmup",
                "0", "--latency-ms", "20", "--max-in-flight", "8", "--partitions", "2");

        assertThat(exit).as(err.toString()).isZero();
        JsonNode figures = JSON.readTree(out.toString().lines().reduce((first, last) -> last).orElseThrow());
        assertThat(figures.path("mode").asText()).isEqualTo("lanes");
        Map<String, Integer> published = Map.of("high", 5, "normal", 100, "bulk", 10);
        published.forEach((lane, count) -> {
            JsonNode figuresOfLane = figures.path("lanes").path(lane);
            assertThat(figuresOfLane.path("published").asInt()).as(lane).isEqualTo(count);
            assertThat(figuresOfLane.path("results").asInt()).as(lane).isEqualTo(count);
            // every signal its own content: one call per layer, in its own lane
            assertThat(figuresOfLane.path("claude_calls").asLong()).as(lane).isEqualTo(3L * count);
            assertThat(figuresOfLane.path("lost").asInt()).as(lane).isZero();
            assertThat(figuresOfLane.path("duplicates").asInt()).as(lane).isZero();
            assertThat(figuresOfLane.path("p99_ms").asLong()).as(lane)
                    .isGreaterThanOrEqualTo(figuresOfLane.path("p50_ms").asLong());
        });
        assertThat(figures.path("lanes").path("bulk").path("call_share").asDouble()).isCloseTo(30.0 / 345, within(1e-3));
        assertThat(figures.path("lanes").path("bulk").has("longest_gap_s")).isTrue();
        assertThat(figures.path("dead_letters").asInt()).isZero();
    }

    @Test
    void shouldReplayTheSameContentsOnNewInstancesWithoutAClaudeCall() throws Exception {
        int exit = run("bench", "--instances", "2", "--distinct", "5", "--signals", "20", "--warmup", "0",
                "--latency-ms", "20", "--replay");

        assertThat(exit).as(err.toString()).isZero();
        JsonNode figures = JSON.readTree(out.toString().lines().reduce((first, last) -> last).orElseThrow());
        assertThat(figures.path("claude_calls").asLong()).isEqualTo(5);
        // the new instances, on empty state directories, answer from the answers restored from the changelog
        assertThat(figures.path("replay_results").asInt()).isEqualTo(20);
        assertThat(figures.path("replay_claude_calls").asLong()).isZero();
        assertThat(figures.path("replay_calls_share").asDouble()).isZero();
        assertThat(figures.path("lost").asInt()).isZero();
        assertThat(figures.path("duplicates").asInt()).isZero();
    }

    @Test
    void shouldTimeALayerProcessFromStartToReadyWithEveryStoredAnswerRestoredAndLeaveNoProcessBehind()
            throws Exception {
        Set<Long> childrenBefore = runningChildren();

        int exit = run("bench", "--mode", "startup", "--runs", "1", "--distinct", "20", "--latency-ms", "0",
                "--partitions", "1");

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).as("stdout holds only the JSON line").hasSize(1);
        JsonNode figures = JSON.readTree(lines.get(0));
        assertThat(figures.path("mode").asText()).isEqualTo("startup");
        assertThat(figures.path("layer").asText()).isEqualTo("L2");
        assertThat(figures.path("runs").asInt()).isEqualTo(1);
        // one answer per content, held by the first instance, and all of them in the new process once it is ready
        assertThat(figures.path("stored_answers").asLong()).isEqualTo(20);
        assertThat(figures.path("restored_answers").asLong()).isEqualTo(20);
        assertThat(figures.path("startup_ms")).hasSize(1);
        long startupMs = figures.path("startup_ms").get(0).asLong();
        assertThat(startupMs).isPositive();
        assertThat(figures.path("startup_p50_ms").asLong()).isEqualTo(startupMs);
        assertThat(figures.path("live_p50_ms").asLong()).isPositive().isLessThanOrEqualTo(startupMs);
        // the layer process was stopped and waited for
        assertThat(runningChildren()).as("processes this JVM started that still run").isSubsetOf(childrenBefore);
    }

    @Test
    void shouldSpaceTheSignalsEvenlyAtTheGivenRate() throws Exception {
        int exit = run("bench", "--rate", "100", "--signals", "30", "--warmup", "0", "--latency-ms", "0");

        assertThat(exit).as(err.toString()).isZero();
        JsonNode figures = JSON.readTree(out.toString().lines().reduce((first, last) -> last).orElseThrow());
        assertThat(figures.path("rate_per_s").asDouble()).isEqualTo(100.0);
        // the last of 30 signals leaves 29 / 100 s after the first, and its result comes after that
        assertThat(figures.path("duration_ms").asLong()).isGreaterThanOrEqualTo(290);
        assertThat(figures.path("lost").asInt()).isZero();
        assertThat(figures.path("duplicates").asInt()).isZero();
    }

    @Test
    void shouldRefuseAnUnknownModeBeforeStartingAnything() {
        int exit = run("bench", "--mode", "eager");

        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("--mode must be async, blocking, passthrough or startup");
        assertThat(out.toString()).isEmpty();
    }

    private static Set<Long> runningChildren() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    private int run(String... args) {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
