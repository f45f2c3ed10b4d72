package io.hal9.topology.cli.demo;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;

import org.apache.avro.Schema;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hal9 demo} as the README and docs/getting-started.md run it, in-process, on free ports. */
class DemoCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void shouldPrintEveryResultAndEndWithJsonFigures() throws Exception {
        int exit = run("demo", "--signals", "5", "--json", "--kafka-port", "0", "--registry-port", "0",
                "--admin-port", "0", "--sim-port", "0", "--sim-latency-ms", "5");

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        JsonNode figures = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(figures.path("signals").asInt()).isEqualTo(5);
        assertThat(figures.path("results").asInt()).isEqualTo(5);
        assertThat(figures.path("dead_letters").asInt()).isZero();
        assertThat(figures.path("claude_calls").asInt()).isEqualTo(15);
        assertThat(figures.path("p99_ms").asLong()).isGreaterThanOrEqualTo(figures.path("p50_ms").asLong());
        assertThat(figures.path("throughput_per_s").asDouble()).isPositive();
        assertThat(lines).filteredOn(l -> l.startsWith("result ")).hasSize(5);
        assertThat(lines).filteredOn(l -> l.strip().startsWith("L3 ")).hasSize(5)
                .allSatisfy(line -> assertThat(line).contains("claude-sonnet-5-5"));
        // the hops name the models that answered: the catalog's current ones, by default; their calls cost something
        assertThat(figures.path("models").path("L2").toString()).isEqualTo("[\"claude-haiku-5-5\"]");
        assertThat(figures.path("models").path("L3").toString()).isEqualTo("[\"claude-sonnet-5-5\"]");
        assertThat(figures.path("models").path("L4").toString()).isEqualTo("[\"claude-sonnet-5-5\"]");
        assertThat(figures.path("cost_usd").asDouble()).isPositive();
        // without --sink there is no database and no sink figure
        assertThat(figures.has("sink_rows")).isFalse();
        assertThat(out.toString()).doesNotContain("sink:");
    }

    @Test
    void shouldPublishToTheHighLaneAndShowItOnEveryResult() throws Exception {
        int exit = run("demo", "--signals", "3", "--lane", "high", "--json", "--kafka-port", "0", "--registry-port",
                "0", "--admin-port", "0", "--sim-port", "0", "--sim-latency-ms", "5");

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).filteredOn(l -> l.startsWith("result ")).hasSize(3)
                .allSatisfy(line -> assertThat(line).endsWith("  lane=high"));
        assertThat(JSON.readTree(lines.get(lines.size() - 1)).path("results").asInt()).isEqualTo(3);
    }

    @Test
    void shouldRefuseAnUnknownLaneNamingTheLanes() {
        int exit = run("demo", "--lane", "urgent");

        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("unknown lane 'urgent'").contains("[high, normal, bulk]");
    }

    @Test
    void shouldLandEveryResultInPostgresAndCountItsRowsWithSinkPostgres() throws Exception {
        int exit;
        try {
            exit = run("demo", "--signals", "5", "--sink", "postgres", "--json", "--kafka-port", "0",
                    "--registry-port", "0", "--admin-port", "0", "--sim-port", "0", "--pg-port", "0",
                    "--connect-port", "0", "--sim-latency-ms", "5");
        } finally {
            // the Connect worker restores Kafka's exit procedure after its start-up; tests keep theirs
            KafkaFixture.trapExitAndHalt();
        }

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        JsonNode figures = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(figures.path("results").asInt()).isEqualTo(5);
        assertThat(figures.path("sink_rows").asInt()).isEqualTo(5);
        // the sink's figure comes last, after the figures the demo always prints
        List<String> names = new ArrayList<>();
        figures.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("signals", "results", "dead_letters", "claude_calls", "cache_hits",
                "duration_ms", "throughput_per_s", "p50_ms", "p99_ms", "models", "cost_usd", "sink_rows");
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .matches("sink: 5 rows in hal9_results, 0 rows in hal9_dead_letters; "
                        + "psql \"postgresql://hal9@127\\.0\\.0\\.1:\\d+/hal9\".*"));
    }

    @Test
    void shouldRefuseATakenPostgresPortBeforeStartingAnything() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int exit = run("demo", "--sink", "postgres", "--pg-port", String.valueOf(taken.getLocalPort()),
                    "--kafka-port", "0", "--registry-port", "0", "--admin-port", "0", "--sim-port", "0",
                    "--connect-port", "0");

            assertThat(exit).isEqualTo(ExitCodes.USAGE);
            assertThat(err.toString().lines()).singleElement(as(InstanceOfAssertFactories.STRING))
                    .matches("hal9: PostgreSQL port " + taken.getLocalPort() + " on 127\\.0\\.0\\.1 is already in use,"
                            + " held by pid " + ProcessHandle.current().pid() + " \\(.*java.*\\)");
            assertThat(out.toString()).isEmpty();
        }
    }

    @Test
    void shouldPublishSignalsFromAnInputFileAndDeadLetterInvalidOnes(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("signals.jsonl");
        Files.writeString(input, """
                {"key": "a", "content": "Ship the invoice generator"}
                {"key": "b", "content": ""}
                """);

        int exit = run("demo", "--input", input.toString(), "--signals", "2", "--json", "--kafka-port", "0",
                "--registry-port", "0", "--admin-port", "0", "--sim-port", "0", "--sim-latency-ms", "5");

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        JsonNode figures = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(figures.path("results").asInt()).isEqualTo(1);
        assertThat(figures.path("dead_letters").asInt()).isEqualTo(1);
        assertThat(out.toString()).contains("INVALID_INPUT").contains("empty content");
    }

    @Test
    void shouldAnswerRepeatedContentsFromTheCache() throws Exception {
        // 10 signals of which half repeat an earlier content: 5 distinct contents through 3 layers
        int exit = run("demo", "--signals", "10", "--duplicate-ratio", "0.5", "--json", "--kafka-port", "0",
                "--registry-port", "0", "--admin-port", "0", "--sim-port", "0", "--sim-latency-ms", "5");

        assertThat(exit).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        JsonNode figures = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(figures.path("results").asInt()).isEqualTo(10);
        assertThat(figures.path("claude_calls").asInt()).isEqualTo(15);
        assertThat(figures.path("cache_hits").asInt()).isEqualTo(15);
        assertThat(out.toString()).contains("(cached)");
    }

    @Test
    void shouldRefuseATakenKafkaPortWithOneClearLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int exit = run("demo", "--kafka-port", String.valueOf(taken.getLocalPort()), "--registry-port", "0",
                    "--admin-port", "0", "--sim-port", "0");

            // This JVM holds the socket, so the line names its pid and command line.
            assertThat(exit).isEqualTo(ExitCodes.USAGE);
            assertThat(err.toString().lines()).singleElement(as(InstanceOfAssertFactories.STRING))
                    .matches("hal9: Kafka port " + taken.getLocalPort() + " on 127\\.0\\.0\\.1 is already in use,"
                            + " held by pid " + ProcessHandle.current().pid() + " \\(.*java.*\\)");
            assertThat(out.toString()).isEmpty();
        }
    }

    @Test
    void shouldNameTheLineOfABadInputFile(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("bad.jsonl");
        Files.writeString(input, "{\"content\": \"fine\"}\n{\"text\": \"no content field\"}\n");

        int exit = run("demo", "--input", input.toString());

        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).contains("line 2").contains("missing \"content\"");
    }

    @Test
    void shouldServeEveryContractFromTheRegistryAsSoonAsItIsReady(@TempDir Path dir) throws Exception {
        try (LayerProcess demo = LayerProcess.start(dir, "serve", List.of("demo", "--serve", "--kafka-port", "0",
                "--registry-port", "0", "--admin-port", "0", "--sim-port", "0"), Map.of())) {
            await().atMost(Duration.ofSeconds(180)).until(() -> !demo.alive() || readyLine(dir) != null);
            String ready = readyLine(dir);
            assertThat(ready).as(demo.tail(40)).isNotNull();

            // right after ready, without anything published, the input contract is in the registry
            Matcher registry = Pattern.compile("registry=(\\S+)").matcher(ready);
            assertThat(registry.find()).as(ready).isTrue();
            HttpResponse<String> latest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(registry.group(1) + "/subjects/hal9.signals.l2-value/versions/latest")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(latest.statusCode()).as(latest.body()).isEqualTo(200);
            assertThat(new Schema.Parser().parse(JSON.readTree(latest.body()).path("schema").asText()))
                    .isEqualTo(Signal.getClassSchema());
            // and so is every other contract of the hierarchy
            SchemaRegistryClient client = new HttpSchemaRegistryClient(registry.group(1));
            assertThat(client.latest("hal9.signals.l3-value").schema()).isEqualTo(Signal.getClassSchema());
            assertThat(client.latest("hal9.signals.l4-value").schema()).isEqualTo(Signal.getClassSchema());
            assertThat(client.latest("hal9.results-value").schema()).isEqualTo(Signal.getClassSchema());
            assertThat(client.latest("hal9.dlq-value").schema()).isEqualTo(DeadLetter.getClassSchema());
            assertThat(client.latest("hal9.game.commands-value").schema()).isEqualTo(GameCommand.getClassSchema());
            assertThat(client.latest("hal9.game.frames-value").schema()).isEqualTo(GameFrame.getClassSchema());
        }
    }

    /** The demo's {@code ready:} line, or null while it has not printed it. */
    private static String readyLine(Path dir) throws IOException {
        Path out = dir.resolve("serve.out");
        if (!Files.exists(out)) {
            return null;
        }
        return Files.readAllLines(out).stream().filter(line -> line.startsWith("ready: ")).findFirst().orElse(null);
    }

    @Test
    void shouldListTheCommandsInHelp() {
        int exit = run("--help");

        assertThat(exit).isZero();
        assertThat(out.toString()).contains("demo", "run", "claude-sim", "schema-registry");
    }

    private int run(String... args) {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }
}
