package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.Priority;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Lane;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.NewerSignals;
import io.hal9.topology.testing.TopicReader;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lanes on a real broker: layer L2 with its high, normal and bulk lanes (an application each, one
 * Claude capacity of 4 calls shared by lane), the Claude SDK talking to the simulator over HTTP at
 * 200 ms per answer. A normal backlog of 10 s keeps the normal lane busy and its store full
 * (back-pressure on its stream thread); the other lanes go by it.
 */
class LanesEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(200))));

    private static final int PARTITIONS = 4;
    private static final int BACKLOG = 200;
    private static final int BULK = 10;
    private static final Duration DELIVERY = Duration.ofSeconds(120);
    private static final Duration READ = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();
    private Topics topics;

    @AfterEach
    void stop() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }

    @Test
    void shouldCompleteHighAndBulkSignalsPublishedBehindAFullNormalBacklogBeforeTheBacklog(TestInfo test)
            throws Exception {
        Hal9Node node = startNode(test);
        await().atMost(Duration.ofSeconds(90)).until(node::running);

        // Given a normal backlog: 200 signals, 10 s of work for 4 calls in flight at 200 ms, at most 8 stored
        Map<String, byte[]> keyByRoot = new HashMap<>();
        Map<String, Priority> laneByRoot = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            for (int i = 0; i < BACKLOG; i++) {
                send(producer, Lane.NORMAL, new byte[] {(byte) 0xfe, (byte) i, 0x00}, "normal-" + i, keyByRoot,
                        laneByRoot);
            }
            producer.flush();
            // and, behind it, bulk signals and a high one, the high one from a producer on the Signal of
            // before lanes (no priority field), under a key that is not UTF-8
            for (int i = 0; i < BULK; i++) {
                send(producer, Lane.BULK, key("bulk-" + i), "bulk-" + i, keyByRoot, laneByRoot);
            }
            byte[] highKey = {(byte) 0xff, 0x00, (byte) 0x80};
            keyByRoot.put("high-0", highKey);
            laneByRoot.put("high-0", Priority.HIGH);
            Signal high = signal("high-0", "Page the on-call engineer: the payment gateway is down");
            producer.send(new ProducerRecord<>(topics.inputName("L2", Lane.HIGH), highKey, NewerSignals.serialize(
                    KAFKA.stack().registry(), topics.inputName("L2", Lane.HIGH),
                    NewerSignals.older(high, NewerSignals.BEFORE_LANES)))).get();
        }

        try (TopicReader results = TopicReader.open(KAFKA.bootstrapServers(), topics.results().name(),
                IsolationLevel.READ_COMMITTED)) {
            // When every signal has its result
            await("every result").atMost(DELIVERY).pollInterval(Duration.ofMillis(200))
                    .until(() -> results.readToEnd(READ) >= BACKLOG + BULK + 1);
            List<Signal> order = results.records().stream().map(this::decode).toList();

            // Then the high signal and every bulk signal came out while most of the backlog still waited
            // (in one lane they would have come after all of it)
            List<String> roots = order.stream().map(Signal::getRootId).toList();
            assertThat(roots.indexOf("high-0")).as("the high signal's place among %d results", roots.size())
                    .isNotNegative().isLessThan(BACKLOG / 2);
            for (int i = 0; i < BULK; i++) {
                assertThat(roots.indexOf("bulk-" + i)).as("bulk-" + i).isNotNegative().isLessThan(BACKLOG / 2);
            }
            // and every signal has exactly one result, under its producer's key, recording its lane
            assertThat(roots).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(keyByRoot.keySet());
            for (int i = 0; i < order.size(); i++) {
                Signal result = order.get(i);
                assertThat(results.records().get(i).key()).as(result.getRootId())
                        .isEqualTo(keyByRoot.get(result.getRootId()));
                assertThat(result.getPriority()).as(result.getRootId()).isEqualTo(laneByRoot.get(result.getRootId()));
            }
        }
        // and nothing else came out
        Map<String, List<ConsumerRecord<byte[], byte[]>>> after = KAFKA.consumeDuring(QUIET, topics.results().name(),
                topics.deadLetters().name());
        assertThat(after.get(topics.results().name())).hasSize(BACKLOG + BULK + 1);
        assertThat(after.get(topics.deadLetters().name())).isEmpty();
    }

    private void send(KafkaProducer<byte[], byte[]> producer, Lane lane, byte[] key, String id,
                      Map<String, byte[]> keyByRoot, Map<String, Priority> laneByRoot) {
        keyByRoot.put(id, key);
        laneByRoot.put(id, lane.priority());
        String topic = topics.inputName("L2", lane);
        producer.send(new ProducerRecord<>(topic, key, topics.signalSerde().serializer().serialize(topic,
                signal(id, id + ": reconcile the ledger of account " + id))));
    }

    private Hal9Node startNode(TestInfo test) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        settings.put(Hal9Config.STATE_DIR_CONFIG, dir.resolve("state").toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, KAFKA.stack().simulatorUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, "L2");
        settings.put(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 4);
        settings.put(Hal9Config.NEURON_MAX_PENDING_CONFIG, 8);
        settings.put(Hal9Config.CONCURRENCY_ADAPTIVE_CONFIG, false);
        Hal9Config config = Hal9Config.of(settings);
        topics = new Topics(config, KAFKA.stack().registry());
        KAFKA.createTopics(PARTITIONS, topics.allNames().toArray(String[]::new));
        Hal9Node node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl())));
        running.add(node);
        node.start();
        return node;
    }

    private KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private Signal decode(ConsumerRecord<byte[], byte[]> record) {
        return topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
    }
}
