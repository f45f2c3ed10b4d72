package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.RecordedRequest;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chain grown by configuration: L2, L3, L4 and an L5 whose system prompt is a file outside the
 * jar, on a real broker with the schema registry and the Claude SDK talking to the simulator over HTTP.
 */
class LongerChainEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration DELIVERY = Duration.ofSeconds(120);
    private static final String L5_PROMPT = """
            version: 2026-12-01.1
            You are a HAL9 L5 Strategic neuron.
            Your horizon is the direction: say which objectives serve it and in what order.
            """;

    private static SchemaRegistryServer registry;
    private static ClaudeSimulator simulator;

    @TempDir
    Path stateDir;

    @TempDir
    Path promptDir;

    @BeforeAll
    static void startServers() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        simulator = ClaudeSimulator.start("127.0.0.1", 0, SimulatorOptions.defaults().withLatency(Duration.ofMillis(5)));
    }

    @AfterAll
    static void stopServers() {
        simulator.close();
        registry.close();
    }

    @Test
    void shouldDeliverSignalsThroughFourLayersWithL5AnsweringFromItsPromptFile(TestInfo test) throws IOException {
        // Given the chain L2, L3, L4, L5 with L5's prompt in a file
        Path l5Prompt = Files.writeString(promptDir.resolve("L5.md"), L5_PROMPT, StandardCharsets.UTF_8);
        Hal9Config config = Hal9Config.of(settings(test, l5Prompt.toString()));
        Topics topics = new Topics(config, new HttpSchemaRegistryClient(registry.url()));
        KAFKA.createTopics(4, topics.allNames().toArray(String[]::new));
        assertThat(topics.inputName("L5")).endsWith("signals.l5");

        try (Hal9Node node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", simulator.baseUrl())))) {
            node.start();
            await().atMost(Duration.ofSeconds(60)).until(node::running);

            // When three signals with different contents are published to L2
            try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(producerProps(),
                    new ByteArraySerializer(), topics.signalSerde().serializer())) {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(topics.inputName("L2"), key("key-" + i),
                            signal("signal-" + i, "open a store in city " + i)));
                }
            }

            // Then each result has made four hops, the last one L5 answering in the role its file gives it
            List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 3, DELIVERY);
            assertThat(results).hasSize(3);
            for (ConsumerRecord<byte[], byte[]> record : results) {
                Signal result = topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
                assertThat(result.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3", "L4", "L5");
                assertThat(result.getLayerFrom()).isEqualTo("L5");
                assertThat(result.getFromNeuron()).isEqualTo("l5");
                Hop l5 = result.getHops().get(3);
                assertThat(l5.getNeuron()).isEqualTo("l5");
                // L4's model, answered under its own id (the 5.5 models have no dated snapshots)
                assertThat(l5.getModel()).isEqualTo("claude-sonnet-5-5");
                assertThat(l5.getOutput()).startsWith("L5 Strategic:");
                assertThat(result.getActivation().getContent()).isEqualTo(l5.getOutput());
            }
            // and the last request the simulator received carried L5's prompt file as its system prompt
            RecordedRequest last = simulator.lastRequest().orElseThrow();
            assertThat(last.body().path("system").toString())
                    .contains("You are a HAL9 L5 Strategic neuron.")
                    .contains("Your horizon is the direction: say which objectives serve it and in what order.")
                    .doesNotContain("version:");
            // and nothing went to the dead-letter topic
            assertThat(KAFKA.consume(topics.deadLetters().name(), 1, Duration.ofSeconds(2))).isEmpty();
        }
    }

    @Test
    void shouldRefuseToStartALayerWhosePromptFileIsMissingBeforeConnecting(TestInfo test) {
        String missing = promptDir.resolve("L5.md").toString();
        Map<String, Object> settings = settings(test, missing);
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");   // nothing listens there
        Hal9Config config = Hal9Config.of(settings);
        long requestsBefore = simulator.requestCount();

        try (ClaudeNeuronClient neuron = new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", simulator.baseUrl()))) {
            assertThatThrownBy(() -> new Hal9Node(config, config.layersChain(), neuron))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("hal9.l5.prompt.file").hasMessageContaining(missing)
                    .hasMessageContaining("no such prompt file");
        }
        assertThat(simulator.requestCount()).isEqualTo(requestsBefore);
    }

    private Map<String, Object> settings(TestInfo test, String l5PromptFile) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), registry.url());
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, simulator.baseUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L3,L4,L5");
        settings.put("hal9.l5.prompt.file", l5PromptFile);
        return settings;
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }
}
