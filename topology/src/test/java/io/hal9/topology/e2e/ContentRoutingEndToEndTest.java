package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.bytes;
import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.node.LayerRuntime;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Content routing ({@code hal9.cache.routing=content}, the default) on a real broker: several layer
 * instances in one JVM, each with its own Kafka Streams and state directory, the Claude SDK talking
 * to the simulator over HTTP. Identical work meets on one task whatever the instance count, the
 * producer's key comes out byte for byte, and the answers outlive a restart.
 */
class ContentRoutingEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(20))));

    private static final int PARTITIONS = 6;
    private static final Duration DELIVERY = Duration.ofSeconds(120);
    private static final Duration QUIET = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();
    private Topics topics;

    @AfterEach
    void stopInstances() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }

    @ParameterizedTest(name = "{0} instances")
    @ValueSource(ints = {2, 3})
    void shouldMakeOneClaudeCallPerDistinctContentPerLayerAndRestoreEveryKeyByteForByte(int instances,
                                                                                       TestInfo test) {
        List<Hal9Node> nodes = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            nodes.add(startNode(test, Map.of(), "instance-" + i));
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> nodes.stream().allMatch(Hal9Node::running));
        long callsBefore = simulator().requestCount();

        // Given 8 contents, each sent 5 times under its own key: keys that are not UTF-8, and every 4th none
        Map<String, byte[]> keyByRoot = new HashMap<>();
        try (KafkaProducer<byte[], Signal> producer = producer()) {
            for (int i = 0; i < 40; i++) {
                byte[] key = i % 4 == 3 ? null : new byte[] {(byte) 0xff, (byte) 0xc3, (byte) i, 0x00};
                String root = "signal-" + i;
                keyByRoot.put(root, key);
                producer.send(new ProducerRecord<>(topics.inputName("L2"), key,
                        signal(root, "content " + (i % 8) + ": split the billing service")));
            }
            // and one record that is not a signal, under a binary key
            producer.send(new ProducerRecord<>(topics.inputName("L2"), new byte[] {(byte) 0x80, 0x01},
                    null)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }

        // Then every signal has its result under its producer's key, byte for byte (null kept)
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 40, DELIVERY);
        assertThat(results).hasSize(40);
        for (ConsumerRecord<byte[], byte[]> record : results) {
            Signal result = decode(record);
            assertThat(result.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3", "L4");
            assertThat(record.key()).as(result.getRootId()).isEqualTo(keyByRoot.get(result.getRootId()));
        }
        assertThat(results).extracting(r -> decode(r).getRootId()).doesNotHaveDuplicates();
        // and one Claude call per distinct content per layer, whatever the instance count
        assertThat(simulator().requestCount() - callsBefore).isEqualTo(8 * 3);
        // and the bad record is a dead letter under its own key (results and dead letters watched together)
        Map<String, List<ConsumerRecord<byte[], byte[]>>> after = KAFKA.consumeDuring(QUIET, topics.results().name(),
                topics.deadLetters().name());
        List<ConsumerRecord<byte[], byte[]>> letters = after.get(topics.deadLetters().name());
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).key()).isEqualTo(new byte[] {(byte) 0x80, 0x01});
        DeadLetter letter = topics.deadLetterSerde().deserializer().deserialize(letters.get(0).topic(),
                letters.get(0).value());
        assertThat(bytes(letter.getOriginalKey())).isEqualTo(new byte[] {(byte) 0x80, 0x01});
        assertThat(letter.getSourceTopic()).isEqualTo(topics.inputName("L2"));
        // and nothing else came out
        assertThat(after.get(topics.results().name())).hasSize(40);
    }

    @Test
    void shouldServeTheSameWorkFromTheChangelogAfterARestartOnAnEmptyStateDirectory(TestInfo test) throws Exception {
        Map<String, Object> l2Only = Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2");
        Hal9Node first = startNode(test, l2Only, "first-life");
        await().atMost(Duration.ofSeconds(60)).until(first::running);
        long callsBefore = simulator().requestCount();
        publish(10, "first");
        assertThat(KAFKA.consume(topics.results().name(), 10, DELIVERY)).hasSize(10);
        assertThat(simulator().requestCount() - callsBefore).isEqualTo(10);

        // When the instance stops and another starts on a new, empty state directory
        first.close();
        running.remove(first);
        Hal9Node second = startNode(test, l2Only, "second-life");
        await().atMost(Duration.ofSeconds(60)).until(second::running);
        publish(10, "second");

        // Then the same work is answered from the answers restored from the changelog: no call
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 20, DELIVERY);
        assertThat(results).hasSize(20);
        assertThat(results.stream().map(this::decode).filter(s -> s.getRootId().startsWith("second")))
                .hasSize(10)
                .allSatisfy(s -> assertThat(s.getHops().get(0).getCacheHit()).isTrue());
        assertThat(simulator().requestCount() - callsBefore).isEqualTo(10);
        // and nothing else came out
        assertNothingElseCameOut(20);
    }

    @Test
    void shouldAskClaudeAgainOnlyOnceTheLayersTtlHasPassedOnTheStagesClock(TestInfo test) throws Exception {
        AtomicLong nowMs = new AtomicLong(Instant.now().toEpochMilli());
        InstantSource clock = () -> Instant.ofEpochMilli(nowMs.get());
        Map<String, Object> settings = settings(test, Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2",
                String.format(Hal9Config.LAYER_CACHE_TTL_MS_CONFIG_FORMAT, "l2"), 120_000), "clocked");
        Hal9Config config = Hal9Config.of(settings);
        ClaudeNeuronClient claude = new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl()));
        LayerRuntime layer = new LayerRuntime(LayerSpec.of("L2", config), config, topics, claude,
                new SimpleMeterRegistry(), clock);
        running.add(claude);
        running.add(layer);
        layer.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> layer.state() == KafkaStreams.State.RUNNING);
        long callsBefore = simulator().requestCount();

        send("s-1", "Archive last year's invoices");
        assertThat(KAFKA.consume(topics.results().name(), 1, DELIVERY)).hasSize(1);
        // Given the answer is a moment short of the TTL: served
        nowMs.addAndGet(119_999);
        send("s-2", "Archive last year's invoices");
        assertThat(KAFKA.consume(topics.results().name(), 2, DELIVERY)).hasSize(2);
        assertThat(simulator().requestCount() - callsBefore).isEqualTo(1);

        // When the TTL has passed, the same work is asked again
        nowMs.addAndGet(1);
        send("s-3", "Archive last year's invoices");
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 3, DELIVERY);
        assertThat(results).extracting(r -> decode(r).getHops().get(0).getCacheHit())
                .containsExactly(false, true, false);
        assertThat(simulator().requestCount() - callsBefore).isEqualTo(2);
        // and nothing else came out
        assertNothingElseCameOut(3);
    }

    /** No result beyond {@code results} and no dead letter, both topics watched together for {@link #QUIET}. */
    private void assertNothingElseCameOut(int results) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> after = KAFKA.consumeDuring(QUIET, topics.results().name(),
                topics.deadLetters().name());
        assertThat(after.get(topics.results().name())).hasSize(results);
        assertThat(after.get(topics.deadLetters().name())).isEmpty();
    }

    private Hal9Node startNode(TestInfo test, Map<String, Object> extra, String name) {
        Hal9Config config = Hal9Config.of(settings(test, extra, name));
        Hal9Node node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl())));
        running.add(node);
        node.start();
        return node;
    }

    /** The test's topics and groups, the instance's own state directory; creates the topics once. */
    private Map<String, Object> settings(TestInfo test, Map<String, Object> extra, String instance) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        settings.put(Hal9Config.STATE_DIR_CONFIG, dir.resolve(instance).toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, KAFKA.stack().simulatorUrl());
        settings.putAll(extra);
        if (topics == null) {
            topics = new Topics(Hal9Config.of(settings), KAFKA.stack().registry());
            KAFKA.createTopics(PARTITIONS, topics.allNames().toArray(String[]::new));
        }
        return settings;
    }

    private void publish(int count, String prefix) throws Exception {
        try (KafkaProducer<byte[], Signal> producer = producer()) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topics.inputName("L2"), key(prefix + "-key-" + i),
                        signal(prefix + "-" + i, "content " + i + ": move the search index"))).get();
            }
        }
    }

    private void send(String id, String content) throws Exception {
        try (KafkaProducer<byte[], Signal> producer = producer()) {
            producer.send(new ProducerRecord<>(topics.inputName("L2"), key(id), signal(id, content))).get();
        }
    }

    private KafkaProducer<byte[], Signal> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), topics.signalSerde().serializer());
    }

    private Signal decode(ConsumerRecord<byte[], byte[]> record) {
        return topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
    }

    private static ClaudeSimulator simulator() {
        return KAFKA.stack().simulator();
    }

}
