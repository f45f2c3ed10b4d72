package io.hal9.topology.layer;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.resilience.CachedNeuronClient;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.CachedAnswer;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Content routing ({@code hal9.cache.routing}) of one layer on a {@link TopologyTestDriver}, with the
 * real schema registry and the real Claude SDK talking to the simulator over HTTP; the answer
 * store's expiry runs on a clock the test moves.
 */
class ContentRoutingTopologyTest {

    private static final String LAYER = "L2";

    private static SchemaRegistryServer registry;
    private static ClaudeSimulator simulator;
    private static NeuronClient claude;

    private final AtomicLong clockMs = new AtomicLong(Instant.parse("2026-12-01T10:00:00Z").toEpochMilli());
    private final InstantSource clock = () -> Instant.ofEpochMilli(clockMs.get());
    private TopologyTestDriver driver;
    private Topics topics;
    private Hal9Config config;
    private LayerMetrics metrics;

    @BeforeAll
    static void startServers() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        simulator = ClaudeSimulator.start("127.0.0.1", 0, SimulatorOptions.defaults().withLatency(Duration.ZERO));
        claude = new ClaudeNeuronClient(ClaudeTestSettings.of("test-key", simulator.baseUrl()));
    }

    @AfterAll
    static void stopServers() {
        claude.close();
        simulator.close();
        registry.close();
    }

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldAnswerTheSameWorkOnceAndRestoreEveryProducersKeyByteForByte() {
        start(Map.of());
        long callsBefore = simulator.requestCount();
        // Given the same work under a key that is not UTF-8, under no key, and under a UTF-8 key
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0x80};
        input().pipeInput(binary, signal("s-1", "Cache the product catalogue"));
        List<TestRecord<byte[], Signal>> first = awaitOutput(1);
        input().pipeInput((byte[]) null, signal("s-2", "Cache the product catalogue"));
        input().pipeInput(key("order-3"), signal("s-3", "  Cache   the product catalogue "));
        List<TestRecord<byte[], Signal>> later = awaitOutput(2);

        // Then one call answered all three, each under its producer's key, the later two from the store
        assertThat(simulator.requestCount() - callsBefore).isEqualTo(1);
        assertThat(first.get(0).key()).isEqualTo(binary);
        assertThat(first.get(0).value().getHops()).extracting(Hop::getCacheHit).containsExactly(false);
        assertThat(later).extracting(r -> r.value().getRootId()).containsExactly("s-2", "s-3");
        assertThat(later.get(0).key()).isNull();
        assertThat(later.get(1).key()).isEqualTo(key("order-3"));
        assertThat(later).allSatisfy(r -> assertThat(r.value().getHops().get(0).getCacheHit()).isTrue());
        assertThat(later.get(0).value().getActivation().getContent())
                .isEqualTo(first.get(0).value().getActivation().getContent());
        // and nothing else came out
        assertThat(output().isEmpty()).isTrue();
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    @Test
    void shouldAskClaudeAgainOnceTheLayersTtlHasPassedAndPurgeTheExpiredAnswer() {
        start(Map.of(String.format(Hal9Config.LAYER_CACHE_TTL_MS_CONFIG_FORMAT, "l2"), 60_000));
        long callsBefore = simulator.requestCount();
        input().pipeInput(key("a"), signal("s-1", "Rotate the TLS certificates"));
        awaitOutput(1);
        // Given the answer is 59.999 s old: still served
        clockMs.addAndGet(59_999);
        input().pipeInput(key("b"), signal("s-2", "Rotate the TLS certificates"));
        assertThat(awaitOutput(1).get(0).value().getHops().get(0).getCacheHit()).isTrue();
        assertThat(simulator.requestCount() - callsBefore).isEqualTo(1);

        // When it is 60 s old, the purge deletes it
        clockMs.addAndGet(1);
        driver.advanceWallClockTime(NeuronAnswers.purgeInterval(Duration.ofMinutes(1)));
        KeyValueStore<String, CachedAnswer> answers = driver.getKeyValueStore(NeuronAnswers.storeName(spec()));
        assertThat(answers.approximateNumEntries()).isZero();
        // and the same work is asked again
        input().pipeInput(key("c"), signal("s-3", "Rotate the TLS certificates"));
        assertThat(awaitOutput(1).get(0).value().getHops().get(0).getCacheHit()).isFalse();
        assertThat(simulator.requestCount() - callsBefore).isEqualTo(2);
        // and nothing else came out
        assertThat(output().isEmpty()).isTrue();
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    @Test
    void shouldEvictTheAnswersClosestToExpiryToStayWithinTheByteBound() {
        long bound = 2048;
        start(Map.of(Hal9Config.CACHE_MAX_BYTES_CONFIG, bound));
        long callsBefore = simulator.requestCount();
        // Given twelve different works, a second apart, more than the bound holds
        int works = 12;
        for (int i = 0; i < works; i++) {
            input().pipeInput(key("k-" + i), signal("s-" + i, "Migrate shard " + i + " of the ledger"));
            awaitOutput(1);
            // the store never holds more than its bound
            assertThat(metrics.storeBytes()).as("bytes held after work %d", i).isPositive().isLessThanOrEqualTo(bound);
            clockMs.addAndGet(1_000);
        }
        assertThat(simulator.requestCount() - callsBefore).isEqualTo(works);
        assertThat(metrics.storeEvictions()).isPositive();

        // When the newest and the oldest work come again
        input().pipeInput(key("k-new"), signal("s-new", "Migrate shard " + (works - 1) + " of the ledger"));
        input().pipeInput(key("k-old"), signal("s-old", "Migrate shard 0 of the ledger"));
        List<TestRecord<byte[], Signal>> again = awaitOutput(2);

        // Then the newest is answered from the store, and the oldest, evicted, by Claude
        assertThat(again).extracting(r -> r.value().getRootId()).containsExactly("s-new", "s-old");
        assertThat(again).extracting(r -> r.value().getHops().get(0).getCacheHit()).containsExactly(true, false);
        assertThat(simulator.requestCount() - callsBefore).isEqualTo(works + 1);
        assertThat(metrics.storeBytes()).isLessThanOrEqualTo(bound);
        assertThat(output().isEmpty()).isTrue();
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    @Test
    void shouldRouteThroughTheNamedRepartitionTopicAndKeepAnswersInTheNamedStore() {
        Topology topology = start(Map.of());
        TopologyDescription description = topology.describe();

        assertThat(description.subtopologies()).hasSize(2);
        // the broker's topic is hal9-l2-l2-route-repartition: the application id comes first
        assertThat(topics(description)).contains("l2-route-repartition");
        assertThat(stores(description)).containsExactlyInAnyOrder("l2-inflight", "l2-neuron-cache");
        assertThat(processors(description)).contains("l2-route", "l2-route-by-content", "l2-neuron");
    }

    @Test
    void shouldKeepTodaysShapeWithRoutingByKey() {
        Topology topology = start(Map.of(Hal9Config.CACHE_ROUTING_CONFIG, "key"));
        TopologyDescription description = topology.describe();

        // one sub-topology reading the input, no repartition topic, no answer store
        assertThat(description.subtopologies()).hasSize(1);
        assertThat(topics(description)).noneMatch(topic -> topic.endsWith("-repartition"));
        assertThat(stores(description)).containsExactly("l2-inflight");
        // and signals go out under their own keys as before
        input().pipeInput(key("k-1"), signal("s-1", "Shard the orders table"));
        List<TestRecord<byte[], Signal>> out = awaitOutput(1);
        assertThat(out.get(0).key()).isEqualTo(key("k-1"));
        assertThat(output().isEmpty()).isTrue();
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    private Topology start(Map<String, Object> overrides) {
        config = Hal9Config.of(overrides);
        topics = new Topics(config, new HttpSchemaRegistryClient(registry.url()));
        StreamsBuilder builder = new StreamsBuilder();
        LayerSpec spec = spec();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        metrics = new LayerMetrics(meters, LAYER);
        NeuronClient neuron = Hal9Settings.contentRouting(config)
                ? CachedNeuronClient.joiningOnly(claude, Hal9Settings.cache(config, LAYER), LAYER, () -> clockMs.get() * 1_000_000)
                : new CachedNeuronClient(claude, Hal9Settings.cache(config, LAYER), LAYER);
        LayerTopology.build(builder, topics, LayerStage.create(spec, Hal9Settings.stage(config), Hal9Settings.capacity(config), neuron,
                metrics, meters).withClock(clock));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, spec.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        Topology topology = builder.build();
        driver = new TopologyTestDriver(topology, props);
        return topology;
    }

    private LayerSpec spec() {
        return LayerSpec.of(LAYER, config);
    }

    /** Fires the stage's punctuator on this thread until {@code count} records came out. */
    private List<TestRecord<byte[], Signal>> awaitOutput(int count) {
        TestOutputTopic<byte[], Signal> out = output();
        List<TestRecord<byte[], Signal>> records = new ArrayList<>();
        await().pollInSameThread().atMost(Duration.ofSeconds(20)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(AsyncNeuronProcessor.PUNCTUATE_INTERVAL_MS));
            records.addAll(out.readRecordsToList());
            return records.size() >= count;
        });
        return records;
    }

    private TestInputTopic<byte[], Signal> input() {
        var topic = topics.input(LAYER);
        return driver.createInputTopic(topic.name(), new ByteArraySerializer(), topic.valueSerde().serializer());
    }

    private TestOutputTopic<byte[], Signal> output() {
        var topic = topics.output(LAYER);
        return driver.createOutputTopic(topic.name(), new ByteArrayDeserializer(), topic.valueSerde().deserializer());
    }

    private TestOutputTopic<byte[], ?> deadLetters() {
        var topic = topics.deadLetters();
        return driver.createOutputTopic(topic.name(), new ByteArrayDeserializer(), topic.valueSerde().deserializer());
    }

    private static List<String> topics(TopologyDescription description) {
        List<String> names = new ArrayList<>();
        for (TopologyDescription.Subtopology sub : description.subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    names.addAll(source.topicSet());
                } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
                    names.add(sink.topic());
                }
            }
        }
        return names;
    }

    private static List<String> stores(TopologyDescription description) {
        return description.subtopologies().stream().flatMap(sub -> sub.nodes().stream())
                .filter(node -> node instanceof TopologyDescription.Processor)
                .flatMap(node -> ((TopologyDescription.Processor) node).stores().stream()).distinct().toList();
    }

    private static List<String> processors(TopologyDescription description) {
        return description.subtopologies().stream().flatMap(sub -> sub.nodes().stream())
                .map(TopologyDescription.Node::name).toList();
    }
}
