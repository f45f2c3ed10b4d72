package io.hal9.topology.layer;

import static io.hal9.topology.testing.TestSignals.bytes;
import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.FaultPlan;
import io.hal9.neurons.simulator.SimulatedFault;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.kafka.Topic;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.NewerSignals;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The layer topology on a {@link TopologyTestDriver}, with the real schema registry and the real
 * Claude SDK talking to the Messages-API simulator over HTTP.
 */
class LayerTopologyTest {

    private static final String CLIENT_ERROR_MARKER = "[reject-as-400]";

    private static SchemaRegistryServer registry;
    private static ClaudeSimulator simulator;
    private static NeuronClient neuron;

    private TopologyTestDriver driver;
    private Topics topics;
    private LayerMetrics metrics;

    @BeforeAll
    static void startServers() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        FaultPlan rejectMarked = request -> request.content().contains(CLIENT_ERROR_MARKER)
                ? Optional.of(SimulatedFault.of(400, "invalid_request_error", "simulated bad request"))
                : Optional.empty();
        simulator = ClaudeSimulator.start("127.0.0.1", 0,
                SimulatorOptions.defaults().withLatency(Duration.ZERO).withFaults(rejectMarked));
        neuron = new ClaudeNeuronClient(ClaudeTestSettings.of("test-key", simulator.baseUrl()));
    }

    @AfterAll
    static void stopServers() {
        neuron.close();
        simulator.close();
        registry.close();
    }

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"L2", "L3", "L4"})
    void shouldForwardDerivedSignalToNextTopicKeepingKey(String layer) {
        start(layer);
        // Given a signal that already passed the layers before this one
        Signal input = signal("root-1", "Add a rate limiter to the public API");
        // When it reaches the layer
        input(layer).pipeInput(key("order-7"), input);

        // Then the derived signal goes to the next layer's topic (results after L4), under the same key
        List<TestRecord<byte[], Signal>> out = awaitOutput(topics.output(layer), 1);
        assertThat(out).hasSize(1);
        assertThat(new String(out.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("order-7");
        Signal derived = out.get(0).value();
        assertThat(derived.getRootId()).isEqualTo("root-1");
        assertThat(derived.getParentId()).isEqualTo("root-1");
        assertThat(derived.getSignalId()).isNotEqualTo("root-1");
        assertThat(derived.getLayerFrom()).isEqualTo(layer);
        Hop hop = derived.getHops().get(0);
        assertThat(hop.getLayer()).isEqualTo(layer);
        assertThat(hop.getOutput()).contains(layer).isEqualTo(derived.getActivation().getContent());
        assertThat(hop.getInputTokens()).isPositive();
        assertThat(hop.getOutputTokens()).isPositive();
        // and nothing else came out
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    @Test
    void shouldForwardDerivedSignalInBlockingModeToo() {
        start("L2", Map.of(Hal9Config.NEURON_MODE_CONFIG, "blocking"));
        input("L2").pipeInput(key("k"), signal("root-b", "Answer while the thread waits"));

        // the blocking stage answers before pipeInput returns
        Signal derived = output(topics.output("L2")).readValue();
        assertThat(derived.getRootId()).isEqualTo("root-b");
        assertThat(derived.getHops()).extracting(Hop::getLayer).containsExactly("L2");
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"async", "blocking"})
    void shouldForwardAnAnswerCutAtMaxTokensWithItsStopReasonInTheHop(String mode) {
        // the simulator's claude-haiku-5-5 thinks 64 tokens at effort low, then answers: 8 tokens are left
        start("L2", Map.of(Hal9Config.NEURON_MODE_CONFIG, mode,
                String.format(Hal9Config.LAYER_MAX_TOKENS_CONFIG_FORMAT, "l2"), 72));
        input("L2").pipeInput(key("k"), signal("root-cut", "Answer in more than eight tokens"));

        Signal derived = awaitOutput(topics.output("L2"), 1).get(0).value();
        assertThat(derived.getHops().get(0).getStopReason()).isEqualTo("max_tokens");
        // 8 tokens of the 5.x tokenizer (about 1.3 per 4 characters): 24 characters
        assertThat(derived.getActivation().getContent()).hasSize(24);
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"async", "blocking"})
    void shouldDeadLetterAnAnswerCutWhileThinkingBeforeAnyTextNamingTheSettings(String mode) {
        // the simulator's claude-haiku-5-5 thinks 64 tokens at effort low: a limit of 8 ends inside the thinking
        start("L2", Map.of(Hal9Config.NEURON_MODE_CONFIG, mode,
                String.format(Hal9Config.LAYER_MAX_TOKENS_CONFIG_FORMAT, "l2"), 8));
        input("L2").pipeInput(key("k"), signal("root-thought", "Answer after thinking"));

        DeadLetter letter = awaitDeadLetter();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.CLIENT_ERROR);
        assertThat(letter.getReason()).isEqualTo("Claude's answer was cut at max_tokens (8) before any text: 8 of "
                + "its 8 output tokens went to thinking; raise hal9.l2.max.tokens or lower hal9.l2.effort");
        assertThat(output(topics.output("L2")).isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"async", "blocking"})
    void shouldCarryTheFieldsANewerProducerAddedToTheNextLayer(String mode) {
        start("L2", Map.of(Hal9Config.NEURON_MODE_CONFIG, mode));
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());
        // Given a signal from a producer on a newer Signal that adds a ticket and an urgency
        GenericRecord newer = NewerSignals.of(signal("root-newer", "Carry my ticket"), NewerSignals.SCHEMA);
        newer.put("ticket", "INC-4711");
        newer.put("urgency", 1);
        String input = topics.inputName("L2");
        driver.createInputTopic(input, new ByteArraySerializer(), new ByteArraySerializer())
                .pipeInput(key("k"), NewerSignals.serialize(client, input, newer));

        // Then the derived signal carries both fields, with their values, under the same key
        TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic(topics.output("L2").name(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TestRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        await().pollInSameThread().atMost(Duration.ofSeconds(20)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(AsyncNeuronProcessor.PUNCTUATE_INTERVAL_MS));
            records.addAll(out.readRecordsToList());
            return !records.isEmpty();
        });
        assertThat(records).hasSize(1);
        assertThat(records.get(0).key()).isEqualTo(key("k"));
        GenericRecord derived = NewerSignals.read(client, records.get(0).value());
        assertThat(String.valueOf(derived.get("ticket"))).isEqualTo("INC-4711");
        assertThat(derived.get("urgency")).isEqualTo(1);
        assertThat(String.valueOf(derived.get("layerFrom"))).isEqualTo("L2");
        assertThat(String.valueOf(derived.get("rootId"))).isEqualTo("root-newer");
        // and nothing else came out
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"async", "blocking"})
    void shouldDeadLetterARefusalAsRefused(String mode) {
        try (ClaudeSimulator refusing = ClaudeSimulator.start("127.0.0.1", 0,
                SimulatorOptions.defaults().withLatency(Duration.ZERO).withRefusals(1.0, 1));
             NeuronClient refused = new ClaudeNeuronClient(
                     ClaudeTestSettings.of("test-key", refusing.baseUrl()))) {
            start("L2", Map.of(Hal9Config.NEURON_MODE_CONFIG, mode), registry.url(), refused);
            input("L2").pipeInput(key("no"), signal("root-no", "A task Claude declines"));

            DeadLetter letter = awaitDeadLetter();
            assertThat(letter.getCategory()).isEqualTo(ErrorCategory.REFUSED);
            assertThat(letter.getReason()).isEqualTo("Claude refused: " + ClaudeSimulator.REFUSAL_EXPLANATION);
            assertThat(letter.getAttempts()).isEqualTo(1);
            assertThat(letter.getRootId()).isEqualTo("root-no");
            assertThat(output(topics.output("L2")).isEmpty()).isTrue();
        }
    }

    @Test
    void shouldNameTheResultsTopicAsOutputOfTheLastLayer() {
        start("L4");
        assertThat(topics.output("L4").name()).isEqualTo("hal9.results");
        assertThat(topics.output("L2").name()).isEqualTo("hal9.signals.l3");
        assertThat(topics.output("L3").name()).isEqualTo("hal9.signals.l4");
    }

    @Test
    void shouldAppendHopAfterEarlierHopsAndAddressNextLayer() {
        start("L3");
        // Given a signal L2 already answered
        Signal fromL2 = signal("root-2", "L2 steps: write the limiter middleware");
        fromL2.setHops(List.of(Hop.newBuilder().setLayer("L2").setNeuron("l2-implementation").setModel("m")
                .setAt(Instant.EPOCH).setOutput("L2 steps").build()));
        input("L3").pipeInput(key("k"), fromL2);

        Signal derived = awaitOutput(topics.output("L3"), 1).get(0).value();
        assertThat(derived.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3");
        assertThat(derived.getLayerTo()).isEqualTo("L4");
        assertThat(derived.getToNeuron()).isEqualTo("l4-tactical");
    }

    @Test
    void shouldDeadLetterUndecodableBytesAndKeepProcessing() {
        start("L2");
        var raw = driver.createInputTopic("hal9.signals.l2", new ByteArraySerializer(), new ByteArraySerializer());
        byte[] garbage = "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8);
        // Given a record that is not in the wire format, then a good one
        raw.pipeInput(key("bad"), garbage);
        input("L2").pipeInput(key("good"), signal("root-3", "Fix the flaky tests"));

        // Then the bad record is a dead letter with its reason and origin
        DeadLetter letter = deadLetters().readValue();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.DESERIALIZATION);
        assertThat(letter.getReason()).contains("magic byte");
        assertThat(letter.getSourceTopic()).isEqualTo("hal9.signals.l2");
        assertThat(letter.getSourcePartition()).isZero();
        assertThat(letter.getSourceOffset()).isZero();
        assertThat(letter.getAttempts()).isZero();
        assertThat(bytes(letter.getOriginalValue())).isEqualTo(garbage);
        assertThat(bytes(letter.getOriginalKey())).isEqualTo(key("bad"));
        // and the good record still gets its answer
        assertThat(awaitOutput(topics.output("L2"), 1).get(0).value().getRootId()).isEqualTo("root-3");
        assertThat(deadLetters().isEmpty()).isTrue();
        // and both count as read from the input: each took an offset there
        assertThat(metrics.signalsRead()).isEqualTo(2);
    }

    @Test
    void shouldDeadLetterEmptyContentWithoutCallingClaude() {
        start("L2");
        long callsBefore = simulator.requestCount();
        input("L2").pipeInput(key("empty"), signal("root-4", "   "));

        DeadLetter letter = deadLetters().readValue();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.INVALID_INPUT);
        assertThat(letter.getReason()).contains("empty content");
        assertThat(letter.getSignalId()).isEqualTo("root-4");
        assertThat(simulator.requestCount()).isEqualTo(callsBefore);
        assertThat(output(topics.output("L2")).isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterOversizedContent() {
        start("L2", Map.of(Hal9Config.SIGNAL_MAX_CONTENT_BYTES_CONFIG, 16));
        input("L2").pipeInput(key("big"), signal("root-5", "a task far longer than sixteen bytes"));

        DeadLetter letter = deadLetters().readValue();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.INVALID_INPUT);
        assertThat(letter.getReason()).contains("hal9.signal.max.content.bytes=16");
        assertThat(output(topics.output("L2")).isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterSignalClaudeRejectsAsClientError() {
        start("L2");
        input("L2").pipeInput(key("rejected"), signal("root-6", "please " + CLIENT_ERROR_MARKER));

        DeadLetter letter = awaitDeadLetter();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.CLIENT_ERROR);
        assertThat(letter.getReason()).contains("400");
        assertThat(letter.getAttempts()).isEqualTo(1);
        assertThat(letter.getRootId()).isEqualTo("root-6");
        assertThat(output(topics.output("L2")).isEmpty()).isTrue();
    }

    @Test
    void shouldFailInsteadOfDeadLetteringWhileTheRegistryIsUnreachable() {
        // Given a good record whose schema the layer must look up, and a registry that does not answer
        start("L2");
        byte[] good = topics.signalSerde().serializer().serialize("hal9.signals.l2", signal("root-7", "a good task"));
        driver.close();
        start("L2", Map.of(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, "http://127.0.0.1:1"), "http://127.0.0.1:1");
        var raw = driver.createInputTopic("hal9.signals.l2", new ByteArraySerializer(), new ByteArraySerializer());

        // When it arrives, the task fails (so the record is read again later) rather than losing it
        assertThatThrownBy(() -> raw.pipeInput(key("good"), good)).isInstanceOf(StreamsException.class);
        assertThat(deadLetters().isEmpty()).isTrue();
        assertThat(output(topics.output("L2")).isEmpty()).isTrue();
    }

    @Test
    void shouldGiveSignalWithoutIdAStableIdFromItsOffset() {
        start("L2");
        Signal anonymous = Signal.newBuilder()
                .setActivation(Activation.newBuilder().setContent("Only content is required").build()).build();
        input("L2").pipeInput(key("anon"), anonymous);

        Signal derived = awaitOutput(topics.output("L2"), 1).get(0).value();
        assertThat(derived.getRootId()).isNotBlank().isEqualTo(derived.getParentId());
        assertThat(deadLetters().isEmpty()).isTrue();
    }

    private void start(String layer) {
        start(layer, Map.of());
    }

    private void start(String layer, Map<String, Object> overrides) {
        start(layer, overrides, registry.url());
    }

    private void start(String layer, Map<String, Object> overrides, String registryUrl) {
        start(layer, overrides, registryUrl, neuron);
    }

    private void start(String layer, Map<String, Object> overrides, String registryUrl, NeuronClient client) {
        Hal9Config config = Hal9Config.of(overrides);
        topics = new Topics(config, new HttpSchemaRegistryClient(registryUrl));
        StreamsBuilder builder = new StreamsBuilder();
        LayerSpec spec = LayerSpec.of(layer, config);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics = new LayerMetrics(registry, layer);
        LayerTopology.build(builder, topics, LayerStage.create(spec, Hal9Settings.stage(config), Hal9Settings.capacity(config), client,
                metrics, registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, spec.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(builder.build(), props);
    }

    /** Fires the stage's punctuator on this thread until {@code count} records came out. */
    private List<TestRecord<byte[], Signal>> awaitOutput(Topic<byte[], Signal> topic, int count) {
        TestOutputTopic<byte[], Signal> out = output(topic);
        List<TestRecord<byte[], Signal>> records = new java.util.ArrayList<>();
        await().pollInSameThread().atMost(Duration.ofSeconds(20)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(AsyncNeuronProcessor.PUNCTUATE_INTERVAL_MS));
            records.addAll(out.readRecordsToList());
            return records.size() >= count;
        });
        return records;
    }

    private DeadLetter awaitDeadLetter() {
        TestOutputTopic<byte[], DeadLetter> out = deadLetters();
        List<DeadLetter> letters = new java.util.ArrayList<>();
        await().pollInSameThread().atMost(Duration.ofSeconds(20)).until(() -> {
            driver.advanceWallClockTime(Duration.ofMillis(AsyncNeuronProcessor.PUNCTUATE_INTERVAL_MS));
            letters.addAll(out.readValuesToList());
            return !letters.isEmpty();
        });
        return letters.get(0);
    }

    private TestInputTopic<byte[], Signal> input(String layer) {
        Topic<byte[], Signal> topic = topics.input(layer);
        return driver.createInputTopic(topic.name(), new ByteArraySerializer(), topic.valueSerde().serializer());
    }

    private TestOutputTopic<byte[], Signal> output(Topic<byte[], Signal> topic) {
        return driver.createOutputTopic(topic.name(), new ByteArrayDeserializer(), topic.valueSerde().deserializer());
    }

    private TestOutputTopic<byte[], DeadLetter> deadLetters() {
        Topic<byte[], DeadLetter> topic = topics.deadLetters();
        return driver.createOutputTopic(topic.name(), new ByteArrayDeserializer(), topic.valueSerde().deserializer());
    }
}
