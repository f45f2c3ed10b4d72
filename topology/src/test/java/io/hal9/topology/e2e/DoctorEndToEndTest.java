package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.node.admin.Health;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code hal9 doctor} against a real process: the three layers and the game on a real broker, the
 * Claude SDK talking to the simulator. A healthy process is all OK, idle and busy.
 */
class DoctorEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int SIGNALS = 60;

    private static SchemaRegistryServer registry;
    private static ClaudeSimulator simulator;

    @TempDir
    Path stateDir;
    @TempDir
    Path logDir;
    @TempDir
    Path workingDir;

    private Topics topics;
    private Hal9Node node;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startServers() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        // slow enough that the doctor runs while calls are in flight
        simulator = ClaudeSimulator.start("127.0.0.1", 0, SimulatorOptions.defaults().withLatency(Duration.ofSeconds(2)));
    }

    @AfterAll
    static void stopServers() {
        simulator.close();
        registry.close();
    }

    @BeforeEach
    void startLayersAndGame(TestInfo test) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), registry.url());
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, simulator.baseUrl());
        settings.put(Hal9Config.GAME_ENABLED_CONFIG, true);
        Hal9Config config = Hal9Config.of(settings);
        topics = new Topics(config, new HttpSchemaRegistryClient(registry.url()));
        KAFKA.createTopics(4, topics.allNames().toArray(String[]::new));
        node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", simulator.baseUrl())));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void shouldFindAnIdleProcessWithTheGameHealthy() {
        assertThat(node.health().layers()).extracting(Health.LayerHealth::layer).containsExactly("L2", "L2", "L2", "L3",
                "L3", "L3", "L4", "L4", "L4", "GAME");

        int exit = doctor();

        assertThat(out.toString().lines().toList()).as(out.toString()).hasSize(8)
                .allMatch(line -> line.startsWith("OK   "))
                .contains("OK   breaker    L2 CLOSED, L3 CLOSED, L4 CLOSED");
        assertThat(exit).as(out + "\n" + err).isZero();
    }

    @Test
    void shouldFindABusyProcessWithTheGameHealthy() {
        // Given signals on their way through the layers, Claude calls in flight
        try (KafkaProducer<byte[], Signal> producer = signalProducer()) {
            for (int i = 0; i < SIGNALS; i++) {
                producer.send(new ProducerRecord<>(topics.inputName("L2"), key("busy-" + i), signal("busy-" + i, "task " + i)));
            }
        }
        await().atMost(WAIT).until(() -> node.health().layers().stream().anyMatch(l -> l.inFlight() > 0));

        // When the doctor looks at the process
        int exit = doctor();

        // Then every check is OK
        assertThat(out.toString().lines().toList()).as(out.toString()).hasSize(8)
                .allMatch(line -> line.startsWith("OK   "))
                .contains("OK   breaker    L2 CLOSED, L3 CLOSED, L4 CLOSED");
        assertThat(exit).as(out + "\n" + err).isZero();
        // and the work it looked at was real: every signal reaches the results
        assertThat(KAFKA.consume(topics.results().name(), SIGNALS, WAIT)).hasSize(SIGNALS);
    }

    private int doctor() {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        // disk thresholds at 100 % and lag without a limit: the build machine's disk and other tests'
        // groups on the shared broker must not decide this test
        return cli.execute("doctor", "--url", "http://127.0.0.1:" + node.adminPort(),
                "--bootstrap-servers", KAFKA.bootstrapServers(), "--log-dir", logDir.toString(),
                "--state-dir", stateDir.toString(), "--working-dir", workingDir.toString(),
                "--disk-warn-percent", "100", "--disk-fail-percent", "100", "--lag-warn", Long.toString(Long.MAX_VALUE));
    }

    private KafkaProducer<byte[], Signal> signalProducer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), topics.signalSerde().serializer());
    }
}
