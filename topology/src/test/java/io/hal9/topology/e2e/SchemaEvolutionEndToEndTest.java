package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Contracts;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.NewerSignals;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer on a newer version of the {@link Signal} contract, through L2, L3 and L4 on a real
 * broker with the schema registry and the simulator: the fields it added reach {@code hal9.results}.
 */
class SchemaEvolutionEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(5))));

    private static final Duration DELIVERY = Duration.ofSeconds(120);

    @TempDir
    Path stateDir;

    private Topics topics;
    private SchemaRegistryClient registry;
    private Hal9Node node;

    @BeforeEach
    void startHierarchy(TestInfo test) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, KAFKA.stack().simulatorUrl());
        Hal9Config config = Hal9Config.of(settings);
        registry = KAFKA.stack().registry();
        topics = new Topics(config, registry);
        KAFKA.createTopics(4, topics.allNames().toArray(String[]::new));
        // the contracts as `hal9 topics` registers them: every subject holds today's Signal
        Contracts.register(topics, registry);
        node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl())));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    @AfterEach
    void stopHierarchy() {
        node.close();
    }

    @Test
    void shouldCarryTheFieldsANewerProducerAddedThroughEveryLayerToTheResults() throws Exception {
        // Given a producer on a newer Signal (ticket, and urgency with a default) and one on today's
        GenericRecord withValues = NewerSignals.of(signal("newer", "Fix the login bug"), NewerSignals.SCHEMA);
        withValues.put("ticket", "INC-4711");
        withValues.put("urgency", 1);
        GenericRecord withDefaults = NewerSignals.of(signal("defaults", "Write the release notes"), NewerSignals.SCHEMA);
        try (KafkaProducer<byte[], byte[]> producer = rawProducer()) {
            producer.send(new ProducerRecord<>(input(), key("newer"),
                    NewerSignals.serialize(registry, input(), withValues))).get();   // carries ticket and urgency
            producer.send(new ProducerRecord<>(input(), key("defaults"),
                    NewerSignals.serialize(registry, input(), withDefaults))).get(); // carries the defaults
            producer.send(new ProducerRecord<>(input(), key("today"),
                    topics.signalSerde().serializer().serialize(input(), signal("today", "Plan the sprint")))).get();
        }

        // Then every result arrives after L2, L3 and L4 under its key
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 3, DELIVERY);
        assertThat(results).hasSize(3);
        Map<String, GenericRecord> byKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : results) {
            byKey.put(new String(record.key(), StandardCharsets.UTF_8), NewerSignals.read(registry, record.value()));
            // and a consumer on today's Signal reads every one of them
            Signal result = topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
            assertThat(result.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3", "L4");
        }
        assertThat(byKey).containsOnlyKeys("newer", "defaults", "today");
        // and the newer producer's fields travelled with their values
        GenericRecord newer = byKey.get("newer");
        assertThat(newer.getSchema().getField("ticket")).as("ticket in the result's schema").isNotNull();
        assertThat(String.valueOf(newer.get("ticket"))).isEqualTo("INC-4711");
        assertThat(newer.get("urgency")).isEqualTo(1);
        assertThat(String.valueOf(newer.get("rootId"))).isEqualTo("newer");
        GenericRecord defaults = byKey.get("defaults");
        assertThat(defaults.getSchema().getField("ticket")).as("ticket in the result's schema").isNotNull();
        assertThat(defaults.get("ticket")).isNull();
        assertThat(defaults.get("urgency")).isEqualTo(3);
        // and the result of today's producer is written with today's Signal, nothing added
        assertThat(byKey.get("today").getSchema()).isEqualTo(Signal.getClassSchema());
        // and the results subject holds a newer version that today's Signal readers accept
        Schema latest = registry.latest(topics.results().name() + "-value").schema();
        assertThat(latest.getFields()).extracting(Schema.Field::name).endsWith("ticket", "urgency");
        // and nothing was dead-lettered
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, Duration.ofSeconds(2))).isEmpty();
    }

    private String input() {
        return topics.inputName("L2");
    }

    private static KafkaProducer<byte[], byte[]> rawProducer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
