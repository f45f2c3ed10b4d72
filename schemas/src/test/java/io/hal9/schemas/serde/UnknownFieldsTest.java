package io.hal9.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fields a producer on a newer {@link Signal} added, read next to the compiled Signal and
 * written on with it: what lets a layer carry them to the next topic.
 */
class UnknownFieldsTest {

    private static final String INPUT = "hal9.signals.l2";
    private static final String OUTPUT = "hal9.signals.l3";

    /** Today's Signal plus an optional ticket and an urgency with a default. */
    private static final Schema NEWER = withFields(
            "{\"name\":\"ticket\",\"type\":[\"null\",\"string\"],\"default\":null}",
            "{\"name\":\"urgency\",\"type\":\"int\",\"default\":3}");

    private SchemaRegistryServer registry;
    private HttpSchemaRegistryClient client;
    private AvroDeserializer<Signal> reader;
    private AvroSerializer<org.apache.avro.generic.IndexedRecord> writer;

    @BeforeEach
    void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        client = new HttpSchemaRegistryClient(registry.url());
        reader = new AvroDeserializer<>(client, Signal.class);
        writer = new AvroSerializer<>(client, false);
        // every subject holds today's Signal, as `hal9 topics` registers it
        client.register(INPUT + "-value", Signal.getClassSchema());
        client.register(OUTPUT + "-value", Signal.getClassSchema());
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void shouldReadTheFieldsANewerProducerAddedNextToTheCompiledSignal() throws Exception {
        // Given a signal a producer on the newer contract wrote
        byte[] bytes = produce(NEWER, "INC-4711", 1);

        // When a layer reads it
        Signal signal = reader.deserialize(INPUT, bytes);
        UnknownFields unknown = reader.unknownFields(bytes);

        // Then the Signal is whole, and the two fields it does not know come with their values
        assertThat(signal).isEqualTo(TestRecords.fullSignal());
        assertThat(unknown.isEmpty()).isFalse();
        assertThat(String.valueOf(unknown.get("ticket"))).isEqualTo("INC-4711");
        assertThat(unknown.get("urgency")).isEqualTo(1);
        assertThat(unknown.extendedSchema().getFields()).extracting(Schema.Field::name)
                .containsExactlyElementsOf(NEWER.getFields().stream().map(Schema.Field::name).toList());
    }

    @Test
    void shouldFindNoUnknownFieldsInTodaysOrAnOlderSignal() throws Exception {
        byte[] today = new AvroSerializer<Signal>(client, false).serialize(INPUT, TestRecords.fullSignal());
        Schema older = withoutLastField(Signal.getClassSchema());
        client.register(INPUT + "-value", older);

        assertThat(reader.unknownFields(today)).isSameAs(UnknownFields.NONE);
        assertThat(reader.unknownFields(wire(older, TestRecords.fullSignal()))).isSameAs(UnknownFields.NONE);
        assertThat(UnknownFields.NONE.appendTo(TestRecords.fullSignal())).isEqualTo(TestRecords.fullSignal());
    }

    @Test
    void shouldWriteAnAnswerWithTheUnknownFieldsAsABackwardCompatibleVersionOfTheNextSubject() throws Exception {
        // Given a layer's answer to a newer producer's signal
        byte[] input = produce(NEWER, "INC-4711", 1);
        Signal derived = reader.deserialize(INPUT, input);
        derived.setLayerFrom("L2");

        // When the layer writes it on with the fields it does not know
        byte[] output = writer.serialize(OUTPUT, reader.unknownFields(input).appendTo(derived));

        // Then the next subject holds the extended Signal as its second version
        assertThat(client.latest(OUTPUT + "-value").version()).isEqualTo(2);
        // and a reader on the newer contract sees the answer and the fields
        GenericRecord read = readWithWriterSchema(output);
        assertThat(read.get("layerFrom").toString()).isEqualTo("L2");
        assertThat(read.get("ticket").toString()).isEqualTo("INC-4711");
        assertThat(read.get("urgency")).isEqualTo(1);
        // and a reader on today's Signal reads the same answer, logical types included
        assertThat(reader.deserialize(OUTPUT, output)).isEqualTo(derived);
        // and the next layer finds the same fields again
        assertThat(reader.unknownFields(output).get("ticket").toString()).isEqualTo("INC-4711");
    }

    @Test
    void shouldCarryAFieldDeclaredWithoutADefaultAsOptional() throws Exception {
        // Given a producer whose subject allows any change, adding a required field
        compatibility(INPUT + "-value", "NONE");
        Schema required = withFields("{\"name\":\"team\",\"type\":\"string\"}");
        GenericRecord record = asNewer(required);
        record.put("team", "payments");
        byte[] input = wire(required, record);

        // When a layer carries it to a subject at the default compatibility (BACKWARD)
        byte[] output = writer.serialize(OUTPUT, reader.unknownFields(input).appendTo(reader.deserialize(INPUT, input)));

        // Then the subject accepts it: the field is optional there, with its value kept
        GenericRecord read = readWithWriterSchema(output);
        assertThat(read.get("team").toString()).isEqualTo("payments");
        Schema.Field team = read.getSchema().getField("team");
        assertThat(team.schema().getTypes()).extracting(Schema::getType)
                .containsExactly(Schema.Type.NULL, Schema.Type.STRING);
        assertThat(team.defaultVal()).isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
    }

    @Test
    void shouldWriteTheSignalWithoutTheFieldsWhenTheNextSubjectRefusesThem() throws Exception {
        // Given a next subject that already holds a field of that name with another type
        client.register(OUTPUT + "-value", withFields("{\"name\":\"urgency\",\"type\":\"string\",\"default\":\"low\"}"));
        compatibility(OUTPUT + "-value", "FULL_TRANSITIVE");
        byte[] input = produce(NEWER, "INC-4711", 1);
        Signal derived = reader.deserialize(INPUT, input);

        // When the layer writes its answer on
        byte[] output = writer.serialize(OUTPUT, reader.unknownFields(input).appendTo(derived));

        // Then the answer is written with today's Signal: it arrives, without the refused fields
        assertThat(readWithWriterSchema(output).getSchema()).isEqualTo(Signal.getClassSchema());
        assertThat(reader.deserialize(OUTPUT, output)).isEqualTo(derived);
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** Sets a subject's compatibility level ({@code PUT /config/{subject}}). */
    private void compatibility(String subject, String level) throws Exception {
        java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(registry.url() + "/config/" + subject))
                        .header("Content-Type", HttpSchemaRegistryClient.CONTENT_TYPE)
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    /** The full test signal as the newer producer writes it, registered under the input subject. */
    private byte[] produce(Schema schema, String ticket, int urgency) throws Exception {
        GenericRecord record = asNewer(schema);
        record.put("ticket", ticket);
        record.put("urgency", urgency);
        return wire(schema, record);
    }

    private byte[] wire(Schema schema, Object record) throws Exception {
        int id = client.register(INPUT + "-value", schema);
        ByteArrayOutputStream out = WireFormat.header(id);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        if (record instanceof Signal signal) {
            new SpecificDatumWriter<Signal>(schema).write(signal, encoder);
        } else {
            new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(schema).write((GenericRecord) record, encoder);
        }
        encoder.flush();
        return out.toByteArray();
    }

    /** The full test signal's fields in a record of {@code schema}, its own fields at their defaults. */
    private static GenericRecord asNewer(Schema schema) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(Signal.class).write(TestRecords.fullSignal(), encoder);
        encoder.flush();
        GenericRecord today = new GenericDatumReader<GenericRecord>(Signal.getClassSchema(), Signal.getClassSchema(),
                GenericData.get()).read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        GenericRecordBuilder builder = new GenericRecordBuilder(schema);
        schema.getFields().stream().filter(field -> Signal.getClassSchema().getField(field.name()) != null)
                .forEach(field -> builder.set(field.name(), today.get(field.name())));
        schema.getFields().stream().filter(field -> !field.hasDefaultValue() && !builder.has(field.name()))
                .forEach(field -> builder.set(field.name(), "placeholder"));
        return builder.build();
    }

    private GenericRecord readWithWriterSchema(byte[] bytes) throws Exception {
        Schema writerSchema = client.schemaById(WireFormat.schemaId(bytes));
        return new GenericDatumReader<GenericRecord>(writerSchema).read(null,
                DecoderFactory.get().binaryDecoder(bytes, WireFormat.HEADER_SIZE, bytes.length - WireFormat.HEADER_SIZE, null));
    }

    private static Schema withFields(String... fields) {
        String json = Signal.getClassSchema().toString();
        return new Schema.Parser().parse(json.substring(0, json.lastIndexOf(']')) + "," + String.join(",", fields)
                + "]}");
    }

    /** Today's Signal without its last top-level field (hops): an older producer's contract. */
    private static Schema withoutLastField(Schema schema) {
        List<Schema.Field> fields = schema.getFields().subList(0, schema.getFields().size() - 1).stream()
                .map(field -> new Schema.Field(field, field.schema())).toList();
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }
}
