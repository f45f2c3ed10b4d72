package io.hal9.connectors.converter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Gradient;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Priority;
import io.hal9.schemas.v1.Propagation;
import io.hal9.schemas.v1.Signal;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HAL9's own contracts, every field set, as a sink on hal9.results and hal9.dlq sees them. */
class Hal9AvroConverterContractsTest {

    static final Instant CREATED = Instant.parse("2026-11-02T10:15:30.123Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConverterFixture fixture;
    private Hal9AvroConverter converter;

    @BeforeEach
    void start() {
        fixture = new ConverterFixture();
        converter = fixture.valueConverter();
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void shouldConvertSignalWithEveryField() throws Exception {
        // Given a result as L4 writes it to hal9.results
        byte[] bytes = fixture.produce("hal9.results", fullSignal());

        // When a sink's converter reads it
        SchemaAndValue data = converter.toConnectData("hal9.results", bytes);

        // Then every field arrives, nested records as structs, maps and arrays as JSON text
        Schema schema = data.schema();
        assertThat(schema.name()).isEqualTo("io.hal9.schemas.v1.Signal");
        assertThat(schema.fields()).extracting(Field::name).containsExactly("signalId", "rootId", "parentId",
                "fromNeuron", "toNeuron", "layerFrom", "layerTo", "propagation", "activation", "gradient",
                "metadata", "createdAt", "hops", "priority");
        for (String optionalString : List.of("signalId", "rootId", "parentId", "fromNeuron", "toNeuron",
                "layerFrom", "layerTo")) {
            assertThat(schema.field(optionalString).schema().type()).isEqualTo(Schema.Type.STRING);
            assertThat(schema.field(optionalString).schema().isOptional()).isTrue();
        }
        Schema propagation = schema.field("propagation").schema();
        assertThat(propagation.name()).isEqualTo("io.hal9.schemas.v1.Propagation");
        assertThat(propagation.parameters()).containsEntry(AvroData.ENUM_SYMBOLS, "FORWARD,BACKWARD");
        assertThat(propagation.defaultValue()).isEqualTo("FORWARD");
        Schema activation = schema.field("activation").schema();
        assertThat(activation.name()).isEqualTo("io.hal9.schemas.v1.Activation");
        assertThat(activation.fields()).extracting(Field::name).containsExactly("content", "strength", "features");
        Schema gradient = schema.field("gradient").schema();
        assertThat(gradient.isOptional()).isTrue();
        assertThat(gradient.fields()).extracting(Field::name)
                .containsExactly("errorType", "magnitude", "adjustments", "loss");
        assertThat(schema.field("metadata").schema().parameters()).containsEntry(AvroData.JSON_TEXT, "map");
        assertThat(schema.field("createdAt").schema().name()).isEqualTo(Timestamp.LOGICAL_NAME);
        assertThat(schema.field("createdAt").schema().isOptional()).isTrue();
        assertThat(schema.field("hops").schema().parameters()).containsEntry(AvroData.JSON_TEXT, "array");

        Struct signal = (Struct) data.value();
        assertThat(signal.getString("signalId")).isEqualTo("sig-2");
        assertThat(signal.getString("rootId")).isEqualTo("sig-0");
        assertThat(signal.getString("parentId")).isEqualTo("sig-1");
        assertThat(signal.getString("fromNeuron")).isEqualTo("L3-planner");
        assertThat(signal.getString("toNeuron")).isEqualTo("L2-coder");
        assertThat(signal.getString("layerFrom")).isEqualTo("L3");
        assertThat(signal.getString("layerTo")).isEqualTo("L2");
        assertThat(signal.getString("propagation")).isEqualTo("BACKWARD");
        assertThat(signal.getString("priority")).isEqualTo("HIGH");
        assertThat(schema.field("priority").schema().defaultValue()).isEqualTo("NORMAL");
        Struct activationValue = signal.getStruct("activation");
        assertThat(activationValue.getString("content")).isEqualTo("Write a function that adds two numbers.");
        assertThat(activationValue.getFloat64("strength")).isEqualTo(0.75);
        assertThat(JSON.readTree(activationValue.getString("features")))
                .isEqualTo(JSON.readTree("{\"urgency\": 0.9, \"novelty\": 0.1}"));
        Struct gradientValue = signal.getStruct("gradient");
        assertThat(gradientValue.getString("errorType")).isEqualTo("test-failure");
        assertThat(gradientValue.getFloat64("magnitude")).isEqualTo(0.4);
        assertThat(gradientValue.getString("adjustments")).isEqualTo("[\"handle overflow\",\"add a docstring\"]");
        assertThat(gradientValue.getFloat64("loss")).isEqualTo(1.25);
        assertThat(JSON.readTree(signal.getString("metadata")))
                .isEqualTo(JSON.readTree("{\"tenant\": \"acme\", \"trace\": \"abc123\"}"));
        assertThat(signal.get("createdAt")).isEqualTo(java.util.Date.from(CREATED));
        assertThat(JSON.readTree(signal.getString("hops"))).isEqualTo(JSON.readTree("""
                [{"layer": "L4", "neuron": "L4-strategist", "model": "claude-sonnet-4-5", "cacheHit": true,
                  "latencyMs": 820, "inputTokens": 1200, "outputTokens": 300, "at": 1793614530623, "output": null,
                  "stopReason": null, "cacheWriteTokens": 0, "cacheReadTokens": 0, "costUsd": 0.0},
                 {"layer": "L3", "neuron": "L3-planner", "model": "claude-sonnet-4-5", "cacheHit": false,
                  "latencyMs": 820, "inputTokens": 1200, "outputTokens": 300, "at": 1793614530623,
                  "output": "Split it into a parser and an adder.", "stopReason": "max_tokens", "cacheWriteTokens": 0,
                  "cacheReadTokens": 0, "costUsd": 0.0}]"""));
    }

    @Test
    void shouldConvertDeadLetterWithEveryField() {
        // Given a dead letter as a layer writes it to hal9.dlq
        byte[] bytes = fixture.produce("hal9.dlq", deadLetter());

        // When a sink's converter reads it
        SchemaAndValue data = converter.toConnectData("hal9.dlq", bytes);

        // Then every field arrives with its Connect type
        Schema schema = data.schema();
        assertThat(schema.name()).isEqualTo("io.hal9.schemas.v1.DeadLetter");
        assertThat(schema.fields()).extracting(Field::name).containsExactly("originalKey", "originalValue",
                "sourceTopic", "sourcePartition", "sourceOffset", "layer", "category", "reason", "attempts",
                "firstFailureAt", "lastFailureAt", "signalId", "rootId");
        assertThat(schema.field("originalKey").schema()).isEqualTo(Schema.OPTIONAL_BYTES_SCHEMA);
        assertThat(schema.field("originalValue").schema().type()).isEqualTo(Schema.Type.BYTES);
        assertThat(schema.field("originalValue").schema().doc()).isEqualTo("The bytes exactly as read from the source topic.");
        assertThat(schema.field("sourceTopic").schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(schema.field("sourcePartition").schema()).isEqualTo(Schema.INT32_SCHEMA);
        assertThat(schema.field("sourceOffset").schema()).isEqualTo(Schema.INT64_SCHEMA);
        assertThat(schema.field("category").schema().parameters()).containsEntry(AvroData.ENUM_SYMBOLS,
                "DESERIALIZATION,INVALID_INPUT,CLIENT_ERROR,AUTH,RATE_LIMITED,TRANSIENT,TIMEOUT,UNKNOWN,REFUSED");
        assertThat(schema.field("attempts").schema().defaultValue()).isEqualTo(0);
        assertThat(schema.field("firstFailureAt").schema()).isEqualTo(Timestamp.SCHEMA);
        assertThat(schema.field("lastFailureAt").schema()).isEqualTo(Timestamp.SCHEMA);

        Struct letter = (Struct) data.value();
        assertThat(letter.getBytes("originalKey")).isEqualTo("sig-2".getBytes(StandardCharsets.UTF_8));
        assertThat(letter.getBytes("originalValue")).isEqualTo(new byte[] {0x7b, 0x00, (byte) 0xff});
        assertThat(letter.getString("sourceTopic")).isEqualTo("hal9.signals.l2");
        assertThat(letter.getInt32("sourcePartition")).isEqualTo(3);
        assertThat(letter.getInt64("sourceOffset")).isEqualTo(42L);
        assertThat(letter.getString("layer")).isEqualTo("L2");
        assertThat(letter.getString("category")).isEqualTo("RATE_LIMITED");
        assertThat(letter.getString("reason")).isEqualTo("429 from Claude after 3 attempts");
        assertThat(letter.getInt32("attempts")).isEqualTo(3);
        assertThat(letter.get("firstFailureAt")).isEqualTo(java.util.Date.from(CREATED));
        assertThat(letter.get("lastFailureAt")).isEqualTo(java.util.Date.from(CREATED.plusSeconds(30)));
        assertThat(letter.getString("signalId")).isEqualTo("sig-2");
        assertThat(letter.getString("rootId")).isEqualTo("sig-0");
    }

    /** A signal with every field set, as it looks after travelling through two layers. */
    static Signal fullSignal() {
        return Signal.newBuilder()
                .setSignalId("sig-2")
                .setRootId("sig-0")
                .setParentId("sig-1")
                .setFromNeuron("L3-planner")
                .setToNeuron("L2-coder")
                .setLayerFrom("L3")
                .setLayerTo("L2")
                .setPropagation(Propagation.BACKWARD)
                .setActivation(Activation.newBuilder()
                        .setContent("Write a function that adds two numbers.")
                        .setStrength(0.75)
                        .setFeatures(Map.of("urgency", 0.9, "novelty", 0.1))
                        .build())
                .setGradient(Gradient.newBuilder()
                        .setErrorType("test-failure")
                        .setMagnitude(0.4)
                        .setAdjustments(List.of("handle overflow", "add a docstring"))
                        .setLoss(1.25)
                        .build())
                .setMetadata(Map.of("tenant", "acme", "trace", "abc123"))
                .setCreatedAt(CREATED)
                .setHops(List.of(
                        hop("L4", "L4-strategist", true, null),
                        hop("L3", "L3-planner", false, "Split it into a parser and an adder.")))
                .setPriority(Priority.HIGH)
                .build();
    }

    /** A dead letter with every field set. */
    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setOriginalKey(ByteBuffer.wrap("sig-2".getBytes(StandardCharsets.UTF_8)))
                .setOriginalValue(ByteBuffer.wrap(new byte[] {0x7b, 0x00, (byte) 0xff}))
                .setSourceTopic("hal9.signals.l2")
                .setSourcePartition(3)
                .setSourceOffset(42L)
                .setLayer("L2")
                .setCategory(ErrorCategory.RATE_LIMITED)
                .setReason("429 from Claude after 3 attempts")
                .setAttempts(3)
                .setFirstFailureAt(CREATED)
                .setLastFailureAt(CREATED.plusSeconds(30))
                .setSignalId("sig-2")
                .setRootId("sig-0")
                .build();
    }

    private static Hop hop(String layer, String neuron, boolean cacheHit, String output) {
        return Hop.newBuilder()
                .setLayer(layer)
                .setNeuron(neuron)
                .setModel("claude-sonnet-4-5")
                .setCacheHit(cacheHit)
                .setLatencyMs(820)
                .setInputTokens(1200)
                .setOutputTokens(300)
                .setAt(CREATED.plusMillis(500))
                .setOutput(output)
                .setStopReason(output == null ? null : "max_tokens")
                .build();
    }
}
