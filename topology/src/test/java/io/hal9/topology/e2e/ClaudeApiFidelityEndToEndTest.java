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

import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer against a simulator that answers as the real Messages API does, end to end: one layer (L2,
 * writing to the results topic) on the real broker, the real SDK over HTTP, the default price table.
 */
class ClaudeApiFidelityEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final Duration QUIET = Duration.ofSeconds(3);

    @TempDir
    Path stateDir;

    private LocalStack stack;
    private ClaudeSimulator simulator;
    private Hal9Node node;
    private Topics topics;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldCountTheCostOfCallsAnsweredByADatedSnapshotOfTheAlias(TestInfo test) {
        // Given the simulator answers as the API does: the snapshot id (claude-haiku-4-5-<date>) for the alias
        // L2 asks for, and the price table knows only the alias
        start(test, SimulatorOptions.defaults(), Map.of());

        // When three signals are answered
        List<String> ids = publish(3, "priced task");

        // Then each hop names the snapshot that answered, and the layer's cost counter is positive
        List<Signal> results = decode(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY));
        assertThat(results).extracting(Signal::getRootId).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(results).allSatisfy(result ->
                assertThat(result.getHops().get(0).getModel()).matches("claude-haiku-4-5-\\d{8}"));
        assertThat(cost()).isPositive();
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    private double cost() {
        return node.metrics().get(LayerMetrics.CLAUDE_COST).tag("layer", "L2").counter().count();
    }

    private void start(TestInfo test, SimulatorOptions options, Map<String, Object> extra) {
        stack = KAFKA.newStack().registry().simulator(options.withLatency(Duration.ofMillis(20))).start();
        simulator = stack.simulator();
        String prefix = KafkaFixture.topicName(test, "hal9");
        Map<String, Object> settings = new HashMap<>();
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, stack.registryUrl());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, simulator.baseUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, "L2");
        settings.put(Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG, prefix + ".signals.");
        settings.put(Hal9Config.TOPIC_RESULTS_CONFIG, prefix + ".results");
        settings.put(Hal9Config.TOPIC_DLQ_CONFIG, prefix + ".dlq");
        settings.put(Hal9Config.APPLICATION_ID_PREFIX_CONFIG, prefix + "-");
        settings.put(Hal9Config.ADMIN_PORT_CONFIG, 0);
        settings.put(Hal9Config.ADMIN_HOST_CONFIG, "127.0.0.1");
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 4);
        settings.put(Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, 100);
        settings.put(Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, 500);
        settings.putAll(extra);
        Hal9Config config = Hal9Config.of(settings);
        topics = new Topics(config, stack.registry());
        KAFKA.createTopics(2, topics.allNames().toArray(String[]::new));
        node = new Hal9Node(config, config.layersChain(), Hal9Node.claudeClient(config, "test-key"));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    private List<String> publish(int count, String content) {
        List<String> ids = new ArrayList<>();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.signalSerde().serializer())) {
            for (int i = 0; i < count; i++) {
                String id = "signal-" + i;
                producer.send(new ProducerRecord<>(topics.inputName("L2"), key(id), signal(id, content + " #" + i)));
                ids.add(id);
            }
        }
        return ids;
    }

    private List<Signal> decode(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .map(r -> topics.signalSerde().deserializer().deserialize(r.topic(), r.value()))
                .toList();
    }
}
