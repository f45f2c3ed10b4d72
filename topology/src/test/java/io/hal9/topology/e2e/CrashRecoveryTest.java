package io.hal9.topology.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;
import io.hal9.topology.testing.OneLayerHarness;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
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
        // and 400 signals, each of whose Claude calls takes 3 s
        List<String> ids = HARNESS.publishSignals(400, TASK);

        // When the process is killed (SIGKILL) while at least 100 signals wait on Claude
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
        // and nothing else comes out
        assertThat(KAFKA.consume(HARNESS.topics().results().name(), ids.size() + 1, QUIET).size())
                .as("results after another %s", QUIET).isEqualTo(ids.size());
        assertThat(KAFKA.consume(HARNESS.topics().deadLetters().name(), 1, QUIET)).as("dead letters").isEmpty();
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
        List<String> ids = HARNESS.publishSignals(50, TASK);
        await("all 50 Claude calls in flight").atMost(START_UP).until(() -> HARNESS.simulator().inFlight() >= 50);

        // When the layer closes cleanly, abandoning those calls
        stopNode(first);

        // Then not every signal has its result yet: the rest wait in the layer's in-flight store
        assertThat(KAFKA.consume(HARNESS.topics().results().name(), ids.size(), QUIET).size())
                .as("results right after the close").isLessThan(ids.size());

        // When the layer starts again with the same configuration and state directory
        startNode(config);

        // Then every signal has exactly one result
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(HARNESS.topics().results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(HARNESS.rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // and nothing else comes out
        assertThat(KAFKA.consume(HARNESS.topics().results().name(), ids.size() + 1, QUIET).size())
                .as("results after another %s", QUIET).isEqualTo(ids.size());
        assertThat(KAFKA.consume(HARNESS.topics().deadLetters().name(), 1, QUIET)).as("dead letters").isEmpty();
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
