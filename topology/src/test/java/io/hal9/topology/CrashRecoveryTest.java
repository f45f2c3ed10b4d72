package io.hal9.topology;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
import io.hal9.topology.runtime.Hal9Node;
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
 * A layer that dies or restarts while signals wait on Claude loses none of them and answers none
 * twice: the waiting signals live in the layer's changelogged in-flight store, the next owner
 * re-issues their calls, and exactly-once makes every input yield exactly one output.
 *
 * <p>One layer (chain {@code L2}, writing straight to the results topic) on the shared broker,
 * against a Claude simulator that takes 3 s per answer, so that many signals are waiting at the
 * moment the layer goes away.
 */
class CrashRecoveryTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final String LAYER = "L2";
    private static final int PARTITIONS = 4;
    private static final Duration CLAUDE_LATENCY = Duration.ofSeconds(3);
    /** From starting a layer until its Claude calls are under way: JVM, Streams start-up, first rebalance. */
    private static final Duration START_UP = Duration.ofSeconds(90);
    private static final Duration DELIVERY = Duration.ofSeconds(180);
    /** How long to keep reading after the expected records, to see that nothing else comes out. */
    private static final Duration QUIET = Duration.ofSeconds(5);
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 60;

    private static SchemaRegistryServer registry;

    @TempDir
    Path workDir;

    private ClaudeSimulator simulator;
    /** Settings of the layer under test that name its topics and consumer group. */
    private final Map<String, String> layerSettings = new LinkedHashMap<>();
    private Topics topics;
    private final List<LayerProcess> processes = new ArrayList<>();
    private final Deque<Hal9Node> nodes = new ArrayDeque<>();

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
            while (!nodes.isEmpty()) {
                nodes.pop().close();
            }
        } finally {
            simulator.close();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldDeliverEverySignalExactlyOnceAfterTheLayerIsKilled() throws Exception {
        // Given layer L2 running in a JVM of its own, like a pod, with its state directory on a volume
        Path stateDir = Files.createDirectory(workDir.resolve("state"));
        List<String> runLayer = runArguments(stateDir);
        LayerProcess first = startProcess("first", runLayer);
        // and 400 signals, each of whose Claude calls takes 3 s
        List<String> ids = publishSignals(400);

        // When the process is killed (SIGKILL) while at least 100 signals wait on Claude
        await("at least 100 Claude calls in flight").atMost(START_UP)
                .failFast("the first layer process exited", () -> !first.alive())
                .until(() -> simulator.inFlight() >= 100);
        int killedStatus = first.kill();
        assertThat(killedStatus).as("exit status of the killed layer process").isNotZero();
        // and a new process starts with the same arguments and the same state directory, as a
        // restarted pod keeps its volume: Kafka Streams reads its process id back from the state
        // directory, so the new producers use the dead one's transactional ids and fence its open
        // transactions at once instead of after the producers' transaction timeout
        LayerProcess second = startProcess("second", runLayer);

        // Then every signal has exactly one result: none lost, none twice
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // and nothing else comes out
        assertThat(KAFKA.consume(topics.results().name(), ids.size() + 1, QUIET).size())
                .as("results after another %s", QUIET).isEqualTo(ids.size());
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).as("dead letters").isEmpty();
        // and the new process stops when asked to (SIGTERM); @AfterEach kills it if it does not
        OptionalInt stoppedStatus = second.stop(GRACEFUL_STOP);
        assertThat(stoppedStatus).as("exit status within %s of SIGTERM", GRACEFUL_STOP).isPresent();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldCompleteWaitingSignalsAfterACleanRestart() {
        // Given layer L2 in this JVM, allowed no time on shutdown for the Claude calls it has started
        Path stateDir = workDir.resolve("state");
        Hal9Config config = nodeConfig(stateDir, Map.of(Hal9Config.SHUTDOWN_DRAIN_MS_CONFIG, 0));
        Hal9Node first = startNode(config);
        // and 50 signals, all waiting on Claude (3 s per answer)
        List<String> ids = publishSignals(50);
        await("all 50 Claude calls in flight").atMost(START_UP).until(() -> simulator.inFlight() >= 50);

        // When the layer closes cleanly, abandoning those calls
        stopNode(first);

        // Then not every signal has its result yet: the rest wait in the layer's in-flight store
        assertThat(KAFKA.consume(topics.results().name(), ids.size(), QUIET).size())
                .as("results right after the close").isLessThan(ids.size());

        // When the layer starts again with the same configuration and state directory
        startNode(config);

        // Then every signal has exactly one result
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // and nothing else comes out
        assertThat(KAFKA.consume(topics.results().name(), ids.size() + 1, QUIET).size())
                .as("results after another %s", QUIET).isEqualTo(ids.size());
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).as("dead letters").isEmpty();
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
     * Starts {@code hal9} in its own JVM. The short session timeout lets the group drop a killed
     * member within seconds rather than the default 45 s.
     */
    private LayerProcess startProcess(String name, List<String> args) {
        LayerProcess process = LayerProcess.start(workDir, name, args, Map.of(
                "KAFKA_SESSION_TIMEOUT_MS", "6000",
                "KAFKA_HEARTBEAT_INTERVAL_MS", "1000"));
        processes.add(process);
        return process;
    }

    private Hal9Config nodeConfig(Path stateDir, Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(layerSettings);
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, simulator.baseUrl());
        settings.put(Hal9Config.ADMIN_PORT_CONFIG, 0);
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.putAll(extra);
        return Hal9Config.of(settings);
    }

    /** Starts the layer in this JVM, with the Claude client {@code hal9 run} would build, and waits until it runs. */
    private Hal9Node startNode(Hal9Config config) {
        Hal9Node node = new Hal9Node(config, config.layersChain(), Hal9Node.claudeClient(config, null));
        nodes.push(node);
        node.start();
        await("layer running").atMost(START_UP).until(node::running);
        return node;
    }

    private void stopNode(Hal9Node node) {
        nodes.remove(node);
        node.close();
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
                        signal(id, "task " + i + ": survive a crash of the layer")));
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
