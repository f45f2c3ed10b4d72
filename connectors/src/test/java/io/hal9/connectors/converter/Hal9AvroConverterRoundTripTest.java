package io.hal9.connectors.converter;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.hal9.connectors.converter.ConverterFixture.TestRecord;
import io.hal9.schemas.serde.AvroDeserializer;
import io.hal9.schemas.serde.AvroSerializer;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Avro bytes → Connect → Avro bytes, and Connect data that never was Avro → Avro → Connect. */
class Hal9AvroConverterRoundTripTest {

    private static final String TOPIC = "hal9.results";

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
    void shouldWriteBackAnEqualSignalWithTheSameSchemaId() {
        // Given a result as L4 writes it
        Signal signal = Hal9AvroConverterContractsTest.fullSignal();
        byte[] original = fixture.produce(TOPIC, signal);

        // When it goes to Connect and back to the same topic
        SchemaAndValue data = converter.toConnectData(TOPIC, original);
        byte[] written = converter.fromConnectData(TOPIC, data.schema(), data.value());

        // Then the header names the same schema id and HAL9 reads an equal signal (the bytes may
        // differ only in the order of map entries, which Avro does not fix)
        assertThat(Arrays.copyOf(written, 5)).isEqualTo(Arrays.copyOf(original, 5));
        assertThat(new AvroDeserializer<>(fixture.client, Signal.class).deserialize(TOPIC, written)).isEqualTo(signal);
    }

    @Test
    void shouldWriteDeadLetterToAnotherTopicUnderItsOwnSubjectWithTheOriginalSchema() {
        DeadLetter letter = Hal9AvroConverterContractsTest.deadLetter();
        SchemaAndValue data = converter.toConnectData("hal9.dlq", fixture.produce("hal9.dlq", letter));

        byte[] written = converter.fromConnectData("hal9.dlq.archive", data.schema(), data.value());

        assertThat(fixture.client.latest("hal9.dlq.archive-value").schema()).isEqualTo(DeadLetter.getClassSchema());
        assertThat(new AvroDeserializer<>(fixture.client, DeadLetter.class).deserialize("hal9.dlq.archive", written))
                .isEqualTo(letter);
    }

    @Test
    void shouldRoundTripEveryMappedTypeToAnEqualRecord() {
        // Given a record with one field of every mapped type
        org.apache.avro.Schema avro = new org.apache.avro.Schema.Parser().parse("""
                {"type": "record", "name": "Everything", "namespace": "io.hal9.test", "fields": [
                  {"name": "s", "type": "string"},
                  {"name": "i", "type": "int"},
                  {"name": "l", "type": "long"},
                  {"name": "f", "type": "float"},
                  {"name": "d", "type": "double"},
                  {"name": "b", "type": "boolean"},
                  {"name": "raw", "type": "bytes"},
                  {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
                  {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
                  {"name": "maybe", "type": ["null", "string"], "default": null},
                  {"name": "either", "type": ["string", "int", "null"]},
                  {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                  {"name": "day", "type": {"type": "int", "logicalType": "date"}},
                  {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
                  {"name": "micros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                  {"name": "scores", "type": {"type": "map", "values": ["null", "double"]}},
                  {"name": "tags", "type": {"type": "array", "items": "string"}},
                  {"name": "maybeTags", "type": ["null", {"type": "array", "items": "string"}], "default": null},
                  {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
                    {"name": "n", "type": "int"},
                    {"name": "colors", "type": {"type": "array", "items": "Color"}}
                  ]}}
                ]}""");
        org.apache.avro.Schema color = avro.getField("color").schema();
        TestRecord record = new TestRecord(avro)
                .with("s", "text").with("i", -7).with("l", 1L << 50).with("f", 1.5f).with("d", Double.NaN)
                .with("b", false).with("raw", ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .with("hash", new GenericData.Fixed(avro.getField("hash").schema(), new byte[] {9, 8}))
                .with("color", new GenericData.EnumSymbol(color, "GREEN"))
                .with("maybe", null).with("either", 12)
                .with("at", 1_793_614_530_123L).with("day", 20_759)
                .with("price", ByteBuffer.wrap(BigInteger.valueOf(-12_345).toByteArray()))
                .with("micros", 1_793_614_530_123_456L)
                .with("scores", new java.util.HashMap<>(Map.of("a", 1.0)))
                .with("tags", List.of("x", "y"))
                .with("maybeTags", null)
                .with("inner", new TestRecord(avro.getField("inner").schema()).with("n", 1)
                        .with("colors", List.of(new GenericData.EnumSymbol(color, "RED"))));
        byte[] original = fixture.produce(TOPIC, record);

        // When it goes to Connect and back
        SchemaAndValue data = converter.toConnectData(TOPIC, original);
        byte[] written = converter.fromConnectData(TOPIC, data.schema(), data.value());

        // Then the same bytes come back, and they decode to an equal record
        assertThat(written).isEqualTo(original);
        assertThat(decode(avro, written)).isEqualTo(decode(avro, original));
    }

    @Test
    void shouldDeriveAvroSchemaForConnectDataThatNeverWasAvro() {
        // Given a struct a source connector builds, with Connect logical types and optional fields
        Schema address = SchemaBuilder.struct().name("io.hal9.test.Address").optional()
                .field("city", Schema.STRING_SCHEMA).build();
        Schema schema = SchemaBuilder.struct().name("io.hal9.test.Customer").doc("A customer row.")
                .field("id", Schema.INT64_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA)
                .field("small", Schema.INT16_SCHEMA)
                .field("level", SchemaBuilder.int32().defaultValue(3).build())
                .field("joined", Timestamp.SCHEMA)
                .field("birthday", Date.builder().optional().build())
                .field("balance", Decimal.builder(2).build())
                .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
                .field("limits", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
                .field("address", address)
                .build();
        Struct value = new Struct(schema)
                .put("id", 42L).put("name", null).put("small", (short) 7)
                .put("level", 5)
                .put("joined", new java.util.Date(1_793_614_530_123L))
                .put("birthday", new java.util.Date(20_759 * 86_400_000L))
                .put("balance", new BigDecimal("10.50"))
                .put("tags", List.of("vip"))
                .put("limits", Map.of("daily", 100))
                .put("address", new Struct(address).put("city", "Seoul"));

        // When it is written and read back
        byte[] bytes = converter.fromConnectData("crm.customers", schema, value);
        SchemaAndValue read = converter.toConnectData("crm.customers", bytes);

        // Then the registry holds a derived schema named after the struct
        org.apache.avro.Schema registered = fixture.client.latest("crm.customers-value").schema();
        assertThat(registered.getFullName()).isEqualTo("io.hal9.test.Customer");
        assertThat(registered.getDoc()).isEqualTo("A customer row.");
        assertThat(registered.getField("name").schema().isNullable()).isTrue();
        assertThat(registered.getField("level").defaultVal()).isEqualTo(3);
        // And the scalar, logical and nested values come back as they were written
        Struct back = (Struct) read.value();
        assertThat(back.getInt64("id")).isEqualTo(42L);
        assertThat(back.get("name")).isNull();
        assertThat(back.getInt16("small")).isEqualTo((short) 7);
        assertThat(back.getInt32("level")).isEqualTo(5);
        assertThat(back.get("joined")).isEqualTo(new java.util.Date(1_793_614_530_123L));
        assertThat(back.get("birthday")).isEqualTo(new java.util.Date(20_759 * 86_400_000L));
        assertThat(back.get("balance")).isEqualTo(new BigDecimal("10.50"));
        assertThat(back.getString("tags")).isEqualTo("[\"vip\"]");
        assertThat(back.getString("limits")).isEqualTo("{\"daily\":100}");
        assertThat(back.getStruct("address").getString("city")).isEqualTo("Seoul");
    }

    @Test
    void shouldDeriveAvroSchemaWhenTransformChangedTheConnectSchema() {
        // Given a Signal read from Kafka whose schema a transform has changed (a field dropped)
        SchemaAndValue data = converter.toConnectData(TOPIC,
                fixture.produce(TOPIC, Hal9AvroConverterContractsTest.fullSignal()));
        Schema original = data.schema();
        SchemaBuilder changed = SchemaBuilder.struct().name(original.name()).version(original.version());
        original.parameters().forEach(changed::parameter);
        original.fields().stream().filter(field -> !field.name().equals("hops"))
                .forEach(field -> changed.field(field.name(), field.schema()));
        Schema trimmed = changed.build();
        Struct value = new Struct(trimmed);
        trimmed.fields().forEach(field -> value.put(field, ((Struct) data.value()).get(field.name())));

        // When it is written to another topic
        byte[] bytes = converter.fromConnectData("hal9.results.slim", trimmed, value);

        // Then the kept Avro schema is not trusted: the written schema has no hops, the rest survives
        org.apache.avro.Schema registered = fixture.client.latest("hal9.results.slim-value").schema();
        assertThat(registered.getField("hops")).isNull();
        assertThat(registered.getField("activation").schema().getField("features").schema().getType())
                .isEqualTo(org.apache.avro.Schema.Type.MAP);
        Struct back = (Struct) converter.toConnectData("hal9.results.slim", bytes).value();
        assertThat(back.getStruct("activation").getString("content")).isEqualTo("Write a function that adds two numbers.");
        assertThat(back.getString("metadata")).isEqualTo(((Struct) data.value()).getString("metadata"));
    }

    @Test
    void shouldRegisterKeysUnderKeySubject() {
        Hal9AvroConverter keys = fixture.converter(Map.of(), true);
        Schema key = SchemaBuilder.struct().name("io.hal9.test.Key").field("id", Schema.STRING_SCHEMA).build();

        byte[] bytes = keys.fromConnectData(TOPIC, key, new Struct(key).put("id", "sig-2"));

        assertThat(fixture.client.latest(TOPIC + "-key").schema().getFullName()).isEqualTo("io.hal9.test.Key");
        assertThat(((Struct) keys.toConnectData(TOPIC, bytes).value()).getString("id")).isEqualTo("sig-2");
    }

    @Test
    void shouldWriteWithLatestSchemaWhenAutoRegistrationIsOff() {
        // Given a subject whose schema a release pipeline registered
        int id = fixture.client.register(TOPIC + "-value", Signal.getClassSchema());
        Hal9AvroConverter strict = fixture.converter(Map.of("auto.register.schemas", "false"), false);
        SchemaAndValue data = converter.toConnectData(TOPIC,
                new AvroSerializer<Signal>(fixture.client, false).serialize(TOPIC,
                        Hal9AvroConverterContractsTest.fullSignal()));

        // When a converter that may not register writes a signal
        byte[] bytes = strict.fromConnectData(TOPIC, data.schema(), data.value());

        // Then it uses the registered id
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(fixture.client.latest(TOPIC + "-value").version()).isEqualTo(1);
    }

    @Test
    void shouldWriteTombstoneForNullValue() {
        assertThat(converter.fromConnectData(TOPIC, Schema.OPTIONAL_STRING_SCHEMA, null)).isNull();
    }

    private static GenericRecord decode(org.apache.avro.Schema schema, byte[] bytes) {
        try {
            return new GenericDatumReader<GenericRecord>(schema).read(null,
                    DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
