package io.hal9.topology.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import io.hal9.schemas.v1.Priority;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Lane;
import io.hal9.topology.layer.AsyncNeuronProcessor;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;
import io.hal9.topology.testing.OneLayerHarness;
import io.hal9.topology.testing.TopicReader;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer that dies or restarts while signals wait on Claude, or after it has forwarded answers
 * but before it has committed them, loses none of them and answers none twice: the waiting signals
 * live in the layer's changelogged in-flight store, the next owner re-issues their calls, and
 * exactly-once makes every input yield exactly one output that {@code read_committed} readers see.
 *
 * <p>One layer (chain {@code L2}, writing straight to the results topic) on the shared broker,
 * against a Claude simulator that takes 3 s per answer, so that many signals are waiting at the
 * moment the layer goes away.
 */
class CrashRecoveryTest {

    private static final Duration CLAUDE_LATENCY = Duration.ofSeconds(3);

    @RegisterExtension
    static final OneLayerHarness HARNESS = new OneLayerHarness(CLAUDE_LATENCY);
    private static final KafkaFixture KAFKA = HARNESS.kafka();

    /** From starting a layer until its Claude calls are under way: JVM, Streams start-up, first rebalance. */
    private static final Duration START_UP = Duration.ofSeconds(90);
    private static final Duration DELIVERY = Duration.ofSeconds(180);
    /** How long to keep reading after the expected records, to see that nothing else comes out. */
    private static final Duration QUIET = Duration.ofSeconds(5);
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(60);
    private static final String TASK = "survive a crash of the layer";
    /**
     * Environment of a layer process that forwards answers at once but commits them only after 5
     * minutes, longer than the test: every record it writes stays in an open transaction until it
     * dies. The producers' transaction timeout is longer still, so the broker never aborts the
     * transaction itself; only the successor's fencing can.
     */
    private static final Map<String, String> COMMIT_HELD_OPEN = Map.of(
            "KAFKA_COMMIT_INTERVAL_MS", String.valueOf(Duration.ofMinutes(5).toMillis()),
            "KAFKA_PRODUCER_TRANSACTION_TIMEOUT_MS", String.valueOf(Duration.ofMinutes(10).toMillis()));
    /** How long a reader may take to read a topic to its end. */
    private static final Duration READ = Duration.ofSeconds(10);

    @TempDir
    Path workDir;

    private final Deque<Hal9Node> nodes = new ArrayDeque<>();

    /** Runs before {@link OneLayerHarness} stops the layer processes and the simulator. */
    @AfterEach
    void stopNodes() {
        while (!nodes.isEmpty()) {
            nodes.pop().close();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldDeliverEverySignalExactlyOnceAfterTheLayerIsKilled() throws Exception {
        // Given layer L2 running in a JVM of its own, like a pod, with its state directory on a volume
        Path stateDir = Files.createDirectory(workDir.resolve("state"));
        List<String> runLayer = HARNESS.runArguments(stateDir);
        LayerProcess first = HARNESS.startProcess(workDir, "first", runLayer);
        // and 400 signals in its three lanes (240 normal, 80 high, 80 bulk), each Claude call taking 3 s
        List<String> ids = new ArrayList<>(HARNESS.publishSignals(Lane.NORMAL, 0, 240, TASK));
        List<String> high = HARNESS.publishSignals(Lane.HIGH, 240, 80, TASK);
        List<String> bulk = HARNESS.publishSignals(Lane.BULK, 320, 80, TASK);
        ids.addAll(high);
        ids.addAll(bulk);

        // When the process is killed (SIGKILL) while at least 100 signals of its lanes wait on Claude
        await("at least 100 Claude calls in flight").atMost(START_UP)
                .failFast("the first layer process exited", () -> !first.alive())
                .until(() -> HARNESS.simulator().inFlight() >= 100);
        int killedStatus = first.kill();
        assertThat(killedStatus).as("exit status of the killed layer process").isNotZero();
        // and a new process starts with the same arguments and the same state directory, as a
        // restarted pod keeps its volume: Kafka Streams reads its process id back from the state
        // directory, so the new producers use the dead one's transactional ids and fence its open
        // transactions at once instead of after the producers' transaction timeout
        LayerProcess second = HARNESS.startProcess(workDir, "second", runLayer);

        // Then every signal has exactly one result: none lost, none twice
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(HARNESS.topics().results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(HARNESS.rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // each in its lane
        Map<String, Priority> lanes = HARNESS.lanes(results);
        assertThat(high).allSatisfy(id -> assertThat(lanes.get(id)).as(id).isEqualTo(Priority.HIGH));
        assertThat(bulk).allSatisfy(id -> assertThat(lanes.get(id)).as(id).isEqualTo(Priority.BULK));
        assertThat(ids.subList(0, 240)).allSatisfy(id -> assertThat(lanes.get(id)).as(id).isEqualTo(Priority.NORMAL));
        // and nothing else comes out
        assertNothingElseComesOut(ids.size());
        // and the new process stops when asked to (SIGTERM); @AfterEach kills it if it does not
        OptionalInt stoppedStatus = second.stop(GRACEFUL_STOP);
        assertThat(stoppedStatus).as("exit status within %s of SIGTERM", GRACEFUL_STOP).isPresent();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldDeliverEverySignalExactlyOnceWhenTheLayerIsKilledAfterForwardingAndBeforeCommitting() throws Exception {
        // Given layer L2 in a JVM of its own, its state directory on a volume
        Path stateDir = Files.createDirectory(workDir.resolve("state"));
        List<String> runLayer = HARNESS.runArguments(stateDir);
        String group = LayerSpec.of(OneLayerHarness.LAYER, Hal9Config.of(HARNESS.layerSettings())).applicationId();
        String results = HARNESS.topics().results().name();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()));
             TopicReader written = TopicReader.open(KAFKA.bootstrapServers(), results, IsolationLevel.READ_UNCOMMITTED);
             TopicReader committed = TopicReader.open(KAFKA.bootstrapServers(), results, IsolationLevel.READ_COMMITTED);
             TopicReader deadLetters = TopicReader.open(KAFKA.bootstrapServers(), HARNESS.topics().deadLetters().name(),
                     IsolationLevel.READ_COMMITTED)) {
            // and 100 signals waiting in its in-flight store: a first process read them, stored them
            // and committed that with their input offsets while Claude held every answer back, and
            // was killed (SIGKILL)
            HARNESS.simulator().holdAnswers();
            LayerProcess reader = HARNESS.startProcess(workDir, "reader", runLayer);
            List<String> ids = new ArrayList<>(HARNESS.publishSignals(100, TASK));
            await("all 100 signals stored and committed, their input offsets too").atMost(START_UP)
                    .failFast("the reading layer process exited", () -> !reader.alive())
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> HARNESS.simulator().inFlight() >= 100
                            && committedOffsets(admin, group, HARNESS.topics().inputName(OneLayerHarness.LAYER)) == 100
                            && committedWaitingSignals(group) == 100);
            reader.kill();
            HARNESS.simulator().releaseAnswers();
            // and 100 more signals not read yet; from now on each Claude call takes 3 s
            ids.addAll(HARNESS.publishSignals(100, 100, TASK));

            // When, three times in a row, a layer process whose commit is held open re-issues the
            // stored signals' calls, reads the others, forwards answers to the results topic and is
            // killed (SIGKILL) before it commits them, each process starting on the state directory
            // of the one before
            List<Integer> writtenPerKill = new ArrayList<>();
            for (int kill = 1; kill <= 3; kill++) {
                int before = written.readToEnd(READ);
                LayerProcess layer = HARNESS.startProcess(workDir, "killed-" + kill, runLayer, COMMIT_HELD_OPEN);
                await("process " + kill + " forwards the answers of half the signals").atMost(START_UP)
                        .failFast("layer process " + kill + " exited", () -> !layer.alive())
                        .until(() -> written.readToEnd(READ) - before >= ids.size() / 2);
                // (while a read_committed reader still finds no result at all: the transaction is open)
                assertThat(committed.readToEnd(READ)).as("committed results before kill %d", kill).isZero();
                assertThat(layer.kill()).as("exit status of killed layer process %d", kill).isNotZero();
                writtenPerKill.add(written.readToEnd(READ) - before);
            }
            // and a last process starts with HAL9's own commit interval
            LayerProcess last = HARNESS.startProcess(workDir, "last", runLayer);

            // Then a read_committed reader finds every signal's result exactly once: none lost, none twice
            List<ConsumerRecord<byte[], byte[]>> delivered = KAFKA.consume(results, ids.size(), DELIVERY);
            assertThat(HARNESS.rootIds(delivered)).as("root ids of the results read within %s", DELIVERY)
                    .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
            // and nothing else comes out
            assertThat(KAFKA.consume(results, ids.size() + 1, QUIET).size())
                    .as("results after another %s", QUIET).isEqualTo(ids.size());
            assertThat(deadLetters.readToEnd(READ)).as("dead letters").isZero();
            // and the answers the killed processes had written are still in the topic, aborted by the
            // successors' fencing: a read_uncommitted reader finds them beside the committed results
            int aborted = writtenPerKill.stream().mapToInt(Integer::intValue).sum();
            written.readToEnd(READ);
            assertThat(HARNESS.rootIds(written.records()))
                    .as("root ids a read_uncommitted reader finds, answers written before each kill: %s", writtenPerKill)
                    .hasSize(ids.size() + aborted).containsAll(ids);
            // and the last process stops when asked to (SIGTERM)
            assertThat(last.stop(GRACEFUL_STOP)).as("exit status within %s of SIGTERM", GRACEFUL_STOP).isPresent();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldCompleteWaitingSignalsAfterACleanRestart() {
        // Given layer L2 in this JVM, allowed no time on shutdown for the Claude calls it has started
        Path stateDir = workDir.resolve("state");
        Hal9Config config = nodeConfig(stateDir, Map.of(Hal9Config.SHUTDOWN_DRAIN_MS_CONFIG, 0));
        Hal9Node first = startNode(config);
        // and 50 signals, all waiting on Claude (3 s per answer)
        List<String> ids = HARNESS.publishSignals(50, TASK);
        await("all 50 Claude calls in flight").atMost(START_UP).until(() -> HARNESS.simulator().inFlight() >= 50);

        // When the layer closes cleanly, abandoning those calls
        stopNode(first);

        // Then not every signal has its result yet: the rest wait in the layer's in-flight store (nothing runs
        // that could add one: the topic as it stands is all there is)
        try (TopicReader committed = TopicReader.open(KAFKA.bootstrapServers(), HARNESS.topics().results().name(),
                IsolationLevel.READ_COMMITTED)) {
            assertThat(committed.readToEnd(READ)).as("results right after the close").isLessThan(ids.size());
        }

        // When the layer starts again with the same configuration and state directory
        startNode(config);

        // Then every signal has exactly one result
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(HARNESS.topics().results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(HARNESS.rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // and nothing else comes out
        assertNothingElseComesOut(ids.size());
    }

    /** No result beyond {@code results} and no dead letter, both topics watched together for {@link #QUIET}. */
    private static void assertNothingElseComesOut(int results) {
        String resultsTopic = HARNESS.topics().results().name();
        String deadLetters = HARNESS.topics().deadLetters().name();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> read = KAFKA.consumeDuring(QUIET, resultsTopic, deadLetters);
        assertThat(read.get(resultsTopic)).as("results after another %s", QUIET).hasSize(results);
        assertThat(read.get(deadLetters)).as("dead letters after another %s", QUIET).isEmpty();
    }

    /** The input offsets the layer's consumer group has committed, summed over the partitions. */
    private static long committedOffsets(Admin admin, String group, String topic) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(READ.toMillis(), TimeUnit.MILLISECONDS)
                .entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    /**
     * The signals in the layer's in-flight store as its committed changelog holds them. Under content
     * routing the stage reads its signals from the repartition topic, not the input topic: the store
     * commits with the offsets of the repartition topic, whose offsets also count transaction markers.
     */
    private static long committedWaitingSignals(String group) {
        String changelog = group + "-" + AsyncNeuronProcessor.storeName(
                LayerSpec.of(OneLayerHarness.LAYER, Hal9Config.of(HARNESS.layerSettings()))) + "-changelog";
        try (TopicReader reader = TopicReader.open(KAFKA.bootstrapServers(), changelog, IsolationLevel.READ_COMMITTED)) {
            reader.readToEnd(READ);
            Map<String, Boolean> live = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> entry : reader.records()) {
                live.put(entry.partition() + "/" + HexFormat.of().formatHex(entry.key()), entry.value() != null);
            }
            return live.values().stream().filter(Boolean::booleanValue).count();
        }
    }

    private Hal9Config nodeConfig(Path stateDir, Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(HARNESS.layerSettings());
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, HARNESS.registryUrl());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, HARNESS.simulator().baseUrl());
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
}
