package io.hal9.topology;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.hal9.neurons.ClaudeSimulator;
import io.hal9.neurons.SimulatorOptions;
import io.hal9.schemas.registry.SchemaRegistryServer;
import io.hal9.schemas.serde.HttpSchemaRegistryClient;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;

import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer asked to stop (SIGTERM, as Kubernetes terminates a pod) under load exits within the
 * 60 s grace period, and a successor finishes every signal it left: none lost, none twice.
 *
 * <p>One layer (chain {@code L2}, writing straight to the results topic) in a JVM of its own, on the
 * shared broker, against a Claude simulator that takes 1 s per answer, so that many calls are in
 * flight at the moment the layer is told to stop.
 */
class GracefulShutdownTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final String LAYER = "L2";
    private static final int PARTITIONS = 4;
    private static final int SIGNALS = 300;
    private static final int IN_FLIGHT_AT_SIGTERM = 50;
    private static final Duration CLAUDE_LATENCY = Duration.ofSeconds(1);
    /** Kubernetes' termination grace period the process must stop within. */
    private static final Duration GRACE_PERIOD = Duration.ofSeconds(60);
    /**
     * What a JVM returns when SIGTERM started its shutdown: 128 + 15. {@code hal9 run} closes the
     * layer in a shutdown hook, and the JVM halts with the signal's status once the hooks are done
     * ({@code Hal9.main}'s own {@code System.exit(0)} blocks behind the running shutdown).
     */
    private static final int SIGTERM_EXIT_STATUS = 143;
    /** From starting a layer until its Claude calls are under way: JVM, Streams start-up, first rebalance. */
    private static final Duration START_UP = Duration.ofSeconds(90);
    private static final Duration DELIVERY = Duration.ofSeconds(180);
    /** How long to keep reading after the expected records, to see that nothing else comes out. */
    private static final Duration QUIET = Duration.ofSeconds(5);
    private static final int LOG_TAIL_LINES = 60;

    private static SchemaRegistryServer registry;

    @TempDir
    Path workDir;

    private ClaudeSimulator simulator;
    /** Settings of the layer under test that name its topics and consumer group. */
    private final Map<String, String> layerSettings = new LinkedHashMap<>();
    private Topics topics;
    private final List<LayerProcess> processes = new ArrayList<>();

    /** On a failure, shows what the layer processes printed: their output files vanish with the temp dir. */
    @RegisterExtension
    final TestExecutionExceptionHandler layerOutputOnFailure = (context, failure) -> {
        for (LayerProcess process : processes) {
            String tail = process.tail(LOG_TAIL_LINES);
            System.err.println(tail);
            failure.addSuppressed(new LayerOutput(tail));
        }
        throw failure;
    };

    @BeforeAll
    static void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void createLayerTopics(TestInfo test) {
        simulator = ClaudeSimulator.start("127.0.0.1", 0, SimulatorOptions.defaults().withLatency(CLAUDE_LATENCY));
        String base = KafkaFixture.topicName(test, "hal9");
        layerSettings.put(Hal9Config.LAYERS_CHAIN_CONFIG, LAYER);
        layerSettings.put(Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG, base + ".signals.");
        layerSettings.put(Hal9Config.TOPIC_RESULTS_CONFIG, base + ".results");
        layerSettings.put(Hal9Config.TOPIC_DLQ_CONFIG, base + ".dlq");
        layerSettings.put(Hal9Config.APPLICATION_ID_PREFIX_CONFIG, base + "-");
        layerSettings.put(Hal9Config.ADMIN_HOST_CONFIG, "127.0.0.1");
        topics = new Topics(Hal9Config.of(layerSettings), new HttpSchemaRegistryClient(registry.url()));
        KAFKA.createTopics(PARTITIONS, topics.allNames().toArray(String[]::new));
    }

    @AfterEach
    void stopLayersAndSimulator() throws InterruptedException {
        try {
            for (LayerProcess process : processes) {
                process.close();
            }
        } finally {
            simulator.close();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldStopWithinTheGracePeriodOnSigtermAndLeaveNothingLostOrDuplicated() throws Exception {
        // Given layer L2 running in a JVM of its own, like a pod, with its state directory on a volume
        Path stateDir = Files.createDirectory(workDir.resolve("state"));
        List<String> runLayer = runArguments(stateDir);
        LayerProcess first = startProcess("first", runLayer);
        // and 300 signals, each of whose Claude calls takes 1 s
        List<String> ids = publishSignals(SIGNALS);

        // When the process is told to stop (SIGTERM) while at least 50 signals wait on Claude
        await("at least " + IN_FLIGHT_AT_SIGTERM + " Claude calls in flight").atMost(START_UP)
                .failFast("the first layer process exited", () -> !first.alive())
                .until(() -> simulator.inFlight() >= IN_FLIGHT_AT_SIGTERM);
        int inFlightAtSigterm = simulator.inFlight();
        long sigtermAt = System.nanoTime();
        OptionalInt stoppedStatus = first.stop(GRACE_PERIOD);
        Duration shutdown = Duration.ofNanos(System.nanoTime() - sigtermAt);
        System.out.printf("GracefulShutdownTest: layer process stopped %d ms after SIGTERM with %d Claude calls "
                + "in flight, exit status %s%n", shutdown.toMillis(), inFlightAtSigterm, stoppedStatus);

        // Then it exits within the grace period, with the status of a JVM that shut down on SIGTERM
        assertThat(stoppedStatus).as("exit status within %s of SIGTERM", GRACE_PERIOD)
                .hasValue(SIGTERM_EXIT_STATUS);

        // When a successor starts with the same arguments and the same state directory
        LayerProcess second = startProcess("second", runLayer);

        // Then every signal has exactly one result: none lost, none twice
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // and nothing else comes out
        assertThat(KAFKA.consume(topics.results().name(), ids.size() + 1, QUIET).size())
                .as("results after another %s", QUIET).isEqualTo(ids.size());
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).as("dead letters").isEmpty();
        // and the successor stops on SIGTERM as well; @AfterEach kills it if it does not
        assertThat(second.stop(GRACE_PERIOD)).as("successor's exit status within %s of SIGTERM", GRACE_PERIOD)
                .hasValue(SIGTERM_EXIT_STATUS);
    }

    /** {@code hal9 run --layer L2 ...} against the test's broker, registry and simulator. */
    private List<String> runArguments(Path stateDir) {
        List<String> args = new ArrayList<>(List.of("run", "--layer", LAYER,
                "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--registry-url", registry.url(),
                "--claude-base-url", simulator.baseUrl(),
                "--admin-port", "0",
                "--state-dir", stateDir.toString()));
        layerSettings.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        return args;
    }

    /**
     * Starts {@code hal9} in its own JVM. The short session timeout bounds how long the group waits
     * for a member that failed to leave; a graceful stop leaves the group at once.
     */
    private LayerProcess startProcess(String name, List<String> args) {
        LayerProcess process = LayerProcess.start(workDir, name, args, Map.of(
                "KAFKA_SESSION_TIMEOUT_MS", "6000",
                "KAFKA_HEARTBEAT_INTERVAL_MS", "1000"));
        processes.add(process);
        return process;
    }

    /** Publishes {@code count} signals with unique ids, keys and contents; returns their ids. */
    private List<String> publishSignals(int count) {
        List<String> ids = new ArrayList<>();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.signalSerde().serializer())) {
            for (int i = 0; i < count; i++) {
                String id = "signal-" + i;
                producer.send(new ProducerRecord<>(topics.inputName(LAYER), key("key-" + i),
                        signal(id, "task " + i + ": survive a graceful stop of the layer")));
                ids.add(id);
            }
        }
        return ids;
    }

    private List<String> rootIds(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .map(r -> topics.signalSerde().deserializer().deserialize(r.topic(), r.value()).getRootId())
                .toList();
    }

    /** The output of a layer process, attached to a test failure; its stack trace would say nothing. */
    private static final class LayerOutput extends Exception {
        LayerOutput(String output) {
            super(output, null, false, false);
        }
    }
}
