package io.hal9.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryException;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Priority;
import io.hal9.schemas.v1.Propagation;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

    private static final String SUBJECT = "hal9.l3.in-value";

    /** The first Signal contract: no routing fields, gradient, metadata, timestamps or hops. */
    private static final Schema SIGNAL_V0 = new Schema.Parser().parse("""
            {"type": "record", "name": "Signal", "namespace": "io.hal9.schemas.v1", "fields": [
              {"name": "signalId", "type": ["null", "string"], "default": null},
              {"name": "activation", "type": {"type": "record", "name": "Activation", "fields": [
                {"name": "content", "type": "string"},
                {"name": "strength", "type": "double", "default": 1.0}
              ]}}
            ]}""");

    private SchemaRegistryServer registry;
    private HttpSchemaRegistryClient client;

    @BeforeEach
    void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        client = new HttpSchemaRegistryClient(registry.url());
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void shouldReadRecordWrittenWithOlderSchemaFillingDefaults() throws Exception {
        // Given a record an old producer wrote with the v0 contract
        int v0Id = client.register(SUBJECT, SIGNAL_V0);
        GenericRecord activation = new GenericData.Record(SIGNAL_V0.getField("activation").schema());
        activation.put("content", "Summarise the incident report.");
        activation.put("strength", 0.5);
        GenericRecord old = new GenericData.Record(SIGNAL_V0);
        old.put("signalId", "sig-old");
        old.put("activation", activation);
        byte[] bytes = wireFormat(v0Id, SIGNAL_V0, old);

        // When today's consumer reads it as a Signal
        Signal read = new AvroDeserializer<>(client, Signal.class).deserialize("hal9.l3.in", bytes);

        // Then the old fields arrive and every newer field takes its default
        assertThat(read.getSignalId()).isEqualTo("sig-old");
        assertThat(read.getActivation().getContent()).isEqualTo("Summarise the incident report.");
        assertThat(read.getActivation().getStrength()).isEqualTo(0.5);
        assertThat(read.getActivation().getFeatures()).isEmpty();
        assertThat(read.getPropagation()).isEqualTo(Propagation.FORWARD);
        assertThat(read.getPriority()).isEqualTo(Priority.NORMAL);
        assertThat(read.getGradient()).isNull();
        assertThat(read.getMetadata()).isEmpty();
        assertThat(read.getCreatedAt()).isNull();
        assertThat(read.getHops()).isEmpty();
    }

    @Test
    void shouldAcceptCurrentSignalAsBackwardCompatibleWithV0() {
        client.register(SUBJECT, SIGNAL_V0);

        assertThat(client.isCompatible(SUBJECT, Signal.getClassSchema())).isTrue();
        int currentId = client.register(SUBJECT, Signal.getClassSchema());

        assertThat(client.latest(SUBJECT)).satisfies(latest -> {
            assertThat(latest.version()).isEqualTo(2);
            assertThat(latest.id()).isEqualTo(currentId);
        });
    }

    @Test
    void shouldRejectIncompatibleSchemaWith409() {
        client.register(SUBJECT, Signal.getClassSchema());

        SchemaRegistryException refused = catchThrowableOfType(SchemaRegistryException.class,
                () -> client.register(SUBJECT, withRequiredPriority()));

        assertThat(refused.httpStatus()).isEqualTo(409);
        assertThat(refused.errorCode()).isEqualTo(409);
        assertThat(refused).hasMessageContaining("Schema being registered is incompatible with an earlier schema")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("urgency");
        assertThat(client.latest(SUBJECT).version()).isEqualTo(1);
    }

    @Test
    void shouldReportIncompatibleSchemaAsNotCompatible() {
        client.register(SUBJECT, Signal.getClassSchema());

        assertThat(client.isCompatible(SUBJECT, withRequiredPriority())).isFalse();
    }

    @Test
    void shouldReadAHopWrittenBeforeStopReasonWithoutOne() throws Exception {
        // Given a signal a layer wrote before hops recorded their stop reason
        Schema before = signalBeforeStopReason();
        int beforeId = client.register(SUBJECT, before);
        GenericRecord old = oldSignal(before, oldHop(before));
        byte[] bytes = wireFormat(beforeId, before, old);

        // When today's consumer reads it
        Signal read = new AvroDeserializer<>(client, Signal.class).deserialize("hal9.l3.in", bytes);

        // Then its hop says nothing about how the answer stopped (null: not recorded), the rest arrives
        assertThat(read.getHops()).hasSize(1);
        assertThat(read.getHops().get(0).get("stopReason")).isNull();
        assertThat(read.getHops().get(0).getOutput()).isEqualTo("Write the parser first.");
    }

    @Test
    void shouldReadAHopWrittenBeforeItsCostAsCostingNothing() throws Exception {
        // Given a signal a layer wrote before hops recorded their prompt-cache tokens and cost
        Schema before = signalBeforeCost();
        assertThat(before.toString()).doesNotContain("costUsd").doesNotContain("cacheReadTokens").contains("stopReason");
        int beforeId = client.register(SUBJECT, before);
        GenericRecord hop = oldHop(before);
        hop.put("stopReason", "end_turn");
        GenericRecord old = oldSignal(before, hop);

        // When today's consumer reads it
        Signal read = new AvroDeserializer<>(client, Signal.class).deserialize("hal9.l3.in",
                wireFormat(beforeId, before, old));

        // Then its hop has no prompt-cache tokens and cost nothing, and today's contract is a compatible change
        assertThat(read.getHops().get(0).getCacheWriteTokens()).isZero();
        assertThat(read.getHops().get(0).getCacheReadTokens()).isZero();
        assertThat(read.getHops().get(0).getCostUsd()).isZero();
        assertThat(read.getHops().get(0).getStopReason()).isEqualTo("end_turn");
        assertThat(client.isCompatible(SUBJECT, Signal.getClassSchema())).isTrue();
    }

    @Test
    void shouldAcceptTheHopsStopReasonAsBackwardCompatible() {
        assertThat(Signal.getClassSchema().getField("hops").schema().getElementType().getField("stopReason"))
                .as("Hop.stopReason").isNotNull();
        assertThat(signalBeforeStopReason().toString()).doesNotContain("stopReason");
        client.register(SUBJECT, signalBeforeStopReason());

        assertThat(client.isCompatible(SUBJECT, Signal.getClassSchema())).isTrue();
        assertThat(client.register(SUBJECT, Signal.getClassSchema())).isPositive();
        assertThat(client.latest(SUBJECT).version()).isEqualTo(2);
    }

    @Test
    void shouldAcceptTheRefusedCategoryAsBackwardCompatibleAndReadItAsUnknownInAnOlderReader() throws Exception {
        // Given the dead-letter contract before REFUSED, registered first
        Schema before = deadLetterBeforeRefused();
        assertThat(DeadLetter.getClassSchema().getField("category").schema().getEnumSymbols()).contains("REFUSED");
        client.register("hal9.dlq-value", before);

        // When a layer writes a refused signal's dead letter with today's contract
        assertThat(client.isCompatible("hal9.dlq-value", DeadLetter.getClassSchema())).isTrue();
        DeadLetter letter = TestRecords.deadLetter();
        letter.setCategory(ErrorCategory.REFUSED);
        byte[] bytes = new AvroSerializer<DeadLetter>(client, true).serialize("hal9.dlq", letter);

        // Then a reader still on the older contract reads the category as its default, UNKNOWN
        Schema writer = client.schemaById(ByteBuffer.wrap(bytes, 1, 4).getInt());
        GenericRecord old = new GenericDatumReader<GenericRecord>(writer, before).read(null,
                DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(old.get("category").toString()).isEqualTo("UNKNOWN");
        assertThat(old.get("reason").toString()).isEqualTo(letter.getReason());
    }

    /** One L2 hop as a layer wrote it under the contract {@code before}. */
    private static GenericRecord oldHop(Schema before) {
        GenericRecord hop = new GenericData.Record(before.getField("hops").schema().getElementType());
        hop.put("layer", "L2");
        hop.put("neuron", "l2");
        hop.put("model", "claude-haiku-4-5");
        hop.put("cacheHit", false);
        hop.put("latencyMs", 420L);
        hop.put("inputTokens", 100L);
        hop.put("outputTokens", 60L);
        hop.put("at", 1_793_614_530_623L);
        hop.put("output", "Write the parser first.");
        return hop;
    }

    /** A signal under the contract {@code before} with that one hop, its other fields at their defaults. */
    private static GenericRecord oldSignal(Schema before, GenericRecord hop) {
        GenericRecord activation = new GenericData.Record(before.getField("activation").schema());
        activation.put("content", "Write the parser first.");
        activation.put("strength", 1.0);
        activation.put("features", Map.of());
        GenericRecord old = new GenericData.Record(before);
        before.getFields().stream().filter(Schema.Field::hasDefaultValue)
                .forEach(field -> old.put(field.name(), GenericData.get().getDefaultValue(field)));
        old.put("activation", activation);
        old.put("hops", List.of(hop));
        return old;
    }

    /** Today's Signal without Hop.stopReason (nor the later cost fields): the contract before hops recorded how an answer stopped. */
    private static Schema signalBeforeStopReason() {
        return withoutField(signalBeforeCost(), "\\{\"name\":\"stopReason\"(?:[^{}]|\\{[^{}]*})*},?");
    }

    /** Today's Signal without Hop.cacheWriteTokens, cacheReadTokens and costUsd: the contract before hops priced their call. */
    private static Schema signalBeforeCost() {
        Schema schema = Signal.getClassSchema();
        for (String field : List.of("cacheWriteTokens", "cacheReadTokens", "costUsd")) {
            schema = withoutField(schema, ",?\\{\"name\":\"" + field + "\"(?:[^{}]|\\{[^{}]*})*}");
        }
        return schema;
    }

    /** Today's DeadLetter without the REFUSED category. */
    private static Schema deadLetterBeforeRefused() {
        return withoutField(DeadLetter.getClassSchema(), ",\"REFUSED\"");
    }

    private static Schema withoutField(Schema schema, String regex) {
        String json = schema.toString();
        return new Schema.Parser().parse(json.replaceAll(regex, "").replace(",]", "]"));
    }

    /** Signal plus a required field without a default: new readers cannot read old signals. */
    private static Schema withRequiredPriority() {
        String current = Signal.getClassSchema().toString();
        String changed = current.replaceFirst("\"fields\":\\[",
                "\"fields\":[{\"name\":\"urgency\",\"type\":\"int\"},");
        return new Schema.Parser().parse(changed);
    }

    static byte[] wireFormat(int id, Schema schema, GenericRecord record) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
