package io.hal9.connectors.converter;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.connectors.converter.ConverterFixture.TestRecord;

import org.apache.avro.generic.GenericData;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One behaviour per Avro type: what a record with a field of that type looks like in Connect. */
class Hal9AvroConverterTypeMappingTest {

    private static final String TOPIC = "hal9.results";
    private static final long AT_MILLIS = 1_793_614_530_123L; // 2026-11-02T10:15:30.123Z
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
    void shouldMapRecordToStructNamedAfterAvroFullNameWithRegistryIdAsVersion() {
        org.apache.avro.Schema avro = parse("""
                {"type": "record", "name": "Sample", "namespace": "io.hal9.test", "doc": "A sample row.",
                 "fields": [{"name": "id", "type": "string"}, {"name": "count", "type": "int"}]}""");
        byte[] bytes = fixture.produce(TOPIC, new TestRecord(avro).with("id", "r-1").with("count", 3));
        int id = fixture.client.register(TOPIC + "-value", avro);

        SchemaAndValue data = converter.toConnectData(TOPIC, bytes);

        Schema schema = data.schema();
        assertThat(schema.type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(schema.name()).isEqualTo("io.hal9.test.Sample");
        assertThat(schema.doc()).isEqualTo("A sample row.");
        assertThat(schema.version()).isEqualTo(id);
        assertThat(schema.isOptional()).isFalse();
        assertThat(parse(schema.parameters().get(AvroData.AVRO_SCHEMA))).isEqualTo(avro);
        assertThat(schema.fields()).extracting(Field::name).containsExactly("id", "count");
        assertThat(data.value()).isEqualTo(new Struct(schema).put("id", "r-1").put("count", 3));
    }

    @Test
    void shouldMapStringToString() {
        SchemaAndValue data = convert("\"string\"", "Write a function that adds two numbers.");

        assertThat(fieldSchema(data)).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(value(data)).isEqualTo("Write a function that adds two numbers.");
    }

    @Test
    void shouldMapIntToInt32() {
        SchemaAndValue data = convert("\"int\"", 42);

        assertThat(fieldSchema(data)).isEqualTo(Schema.INT32_SCHEMA);
        assertThat(value(data)).isEqualTo(42);
    }

    @Test
    void shouldMapLongToInt64() {
        SchemaAndValue data = convert("\"long\"", 1L << 40);

        assertThat(fieldSchema(data)).isEqualTo(Schema.INT64_SCHEMA);
        assertThat(value(data)).isEqualTo(1L << 40);
    }

    @Test
    void shouldMapFloatToFloat32() {
        SchemaAndValue data = convert("\"float\"", 0.25f);

        assertThat(fieldSchema(data)).isEqualTo(Schema.FLOAT32_SCHEMA);
        assertThat(value(data)).isEqualTo(0.25f);
    }

    @Test
    void shouldMapDoubleToFloat64() {
        SchemaAndValue data = convert("\"double\"", 0.75);

        assertThat(fieldSchema(data)).isEqualTo(Schema.FLOAT64_SCHEMA);
        assertThat(value(data)).isEqualTo(0.75);
    }

    @Test
    void shouldMapBooleanToBoolean() {
        SchemaAndValue data = convert("\"boolean\"", true);

        assertThat(fieldSchema(data)).isEqualTo(Schema.BOOLEAN_SCHEMA);
        assertThat(value(data)).isEqualTo(true);
    }

    @Test
    void shouldMapBytesToByteArray() {
        SchemaAndValue data = convert("\"bytes\"", ByteBuffer.wrap(new byte[] {0x7b, 0x00, (byte) 0xff}));

        assertThat(fieldSchema(data)).isEqualTo(Schema.BYTES_SCHEMA);
        assertThat(value(data)).isEqualTo(new byte[] {0x7b, 0x00, (byte) 0xff});
    }

    @Test
    void shouldMapFixedToBytesNamedAfterTheFixedWithItsSize() {
        SchemaAndValue data = convert("{\"type\": \"fixed\", \"name\": \"Hash\", \"size\": 4}",
                new GenericData.Fixed(null, new byte[] {1, 2, 3, 4}));

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.BYTES);
        assertThat(schema.name()).isEqualTo("io.hal9.test.Hash");
        assertThat(schema.parameters()).containsExactly(Map.entry(AvroData.FIXED_SIZE, "4"));
        assertThat(value(data)).isEqualTo(new byte[] {1, 2, 3, 4});
    }

    @Test
    void shouldMapEnumToStringKeepingSymbolsAsParameter() {
        org.apache.avro.Schema avro = recordWith("""
                {"type": "enum", "name": "Propagation", "symbols": ["FORWARD", "BACKWARD"]}""");
        org.apache.avro.Schema enumSchema = avro.getField("x").schema();

        SchemaAndValue data = convert(avro, new GenericData.EnumSymbol(enumSchema, "BACKWARD"));

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.STRING);
        assertThat(schema.name()).isEqualTo("io.hal9.test.Propagation");
        assertThat(schema.isOptional()).isFalse();
        assertThat(schema.parameters()).containsExactly(Map.entry(AvroData.ENUM_SYMBOLS, "FORWARD,BACKWARD"));
        assertThat(value(data)).isEqualTo("BACKWARD");
    }

    @Test
    void shouldMapNullableUnionToOptionalFieldWithValue() {
        SchemaAndValue data = convert("[\"null\", \"string\"], \"default\": null", "L3");

        assertThat(fieldSchema(data)).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        assertThat(value(data)).isEqualTo("L3");
    }

    @Test
    void shouldMapNullableUnionToOptionalFieldWithNullValueAndNullDefault() {
        SchemaAndValue data = convert("[\"null\", \"long\"], \"default\": null", null);

        Schema schema = fieldSchema(data);
        assertThat(schema).isEqualTo(Schema.OPTIONAL_INT64_SCHEMA);
        assertThat(schema.defaultValue()).isNull();
        assertThat(value(data)).isNull();
    }

    @Test
    void shouldKeepNullOfUnionWhoseDefaultIsNotNull() {
        // ["string", "null"] with default "none": a Connect default would replace the null on Struct.get
        SchemaAndValue data = convert("[\"string\", \"null\"], \"default\": \"none\"", null);

        assertThat(fieldSchema(data)).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        assertThat(value(data)).isNull();
    }

    @Test
    void shouldCarryDefaultOfFieldThatCannotBeNull() {
        SchemaAndValue data = convert("\"int\", \"default\": 7", 3);

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.INT32);
        assertThat(schema.isOptional()).isFalse();
        assertThat(schema.defaultValue()).isEqualTo(7);
        assertThat(value(data)).isEqualTo(3);
    }

    @Test
    void shouldMapTimestampMillisToConnectTimestamp() {
        SchemaAndValue data = convert("{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}", AT_MILLIS);

        assertThat(fieldSchema(data)).isEqualTo(Timestamp.SCHEMA);
        assertThat(value(data)).isEqualTo(new java.util.Date(AT_MILLIS));
    }

    @Test
    void shouldMapDateToConnectDate() {
        int days = 20_759; // 2026-11-02
        SchemaAndValue data = convert("{\"type\": \"int\", \"logicalType\": \"date\"}", days);

        assertThat(fieldSchema(data)).isEqualTo(Date.SCHEMA);
        assertThat(value(data)).isEqualTo(new java.util.Date(days * 86_400_000L));
    }

    @Test
    void shouldMapTimeMillisToConnectTime() {
        int millisOfDay = 36_930_123; // 10:15:30.123
        SchemaAndValue data = convert("{\"type\": \"int\", \"logicalType\": \"time-millis\"}", millisOfDay);

        assertThat(fieldSchema(data)).isEqualTo(Time.SCHEMA);
        assertThat(value(data)).isEqualTo(new java.util.Date(millisOfDay));
    }

    @Test
    void shouldMapDecimalToConnectDecimalWithPrecision() {
        byte[] unscaled = BigInteger.valueOf(12_345).toByteArray();
        SchemaAndValue data = convert(
                "{\"type\": \"bytes\", \"logicalType\": \"decimal\", \"precision\": 10, \"scale\": 2}",
                ByteBuffer.wrap(unscaled));

        Schema schema = fieldSchema(data);
        assertThat(schema.name()).isEqualTo(Decimal.LOGICAL_NAME);
        assertThat(schema.parameters()).containsOnly(
                Map.entry(Decimal.SCALE_FIELD, "2"), Map.entry(AvroData.DECIMAL_PRECISION, "10"));
        assertThat(value(data)).isEqualTo(new BigDecimal("123.45"));
    }

    @Test
    void shouldKeepOtherLogicalTypesAsUnderlyingTypeNamingTheLogicalType() {
        SchemaAndValue data = convert("{\"type\": \"long\", \"logicalType\": \"timestamp-micros\"}",
                AT_MILLIS * 1000 + 456);

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.INT64);
        assertThat(schema.name()).isNull();
        assertThat(schema.parameters()).containsExactly(Map.entry(AvroData.LOGICAL_TYPE, "timestamp-micros"));
        assertThat(value(data)).isEqualTo(AT_MILLIS * 1000 + 456);
    }

    @Test
    void shouldMapMapToJsonTextInOptionalString() throws Exception {
        org.apache.avro.Schema avro = recordWith("{\"type\": \"map\", \"values\": \"double\"}, \"default\": {}");
        Map<String, Object> features = new LinkedHashMap<>();
        features.put("urgency", 0.9);
        features.put("novelty", 0.1);

        SchemaAndValue data = convert(avro, features);

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.STRING);
        assertThat(schema.isOptional()).isTrue();
        assertThat(schema.defaultValue()).isEqualTo("{}");
        assertThat(schema.parameters()).containsOnly(
                Map.entry(AvroData.JSON_TEXT, "map"),
                Map.entry(AvroData.AVRO_SCHEMA, avro.getField("x").schema().toString()));
        assertThat(JSON.readTree((String) value(data)))
                .isEqualTo(JSON.readTree("{\"urgency\": 0.9, \"novelty\": 0.1}"));
    }

    @Test
    void shouldMapArrayToJsonTextInOptionalString() {
        org.apache.avro.Schema avro = recordWith("""
                {"type": "array", "items": {"type": "record", "name": "Hop", "fields": [
                  {"name": "layer", "type": "string"},
                  {"name": "output", "type": ["null", "string"], "default": null},
                  {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                  {"name": "raw", "type": "bytes"}
                ]}}""");
        org.apache.avro.Schema hop = avro.getField("x").schema().getElementType();
        List<Object> hops = List.of(
                new TestRecord(hop).with("layer", "L2").with("output", null).with("at", AT_MILLIS)
                        .with("raw", ByteBuffer.wrap(new byte[] {0x00, 0x01, (byte) 0xff})),
                new TestRecord(hop).with("layer", "L3").with("output", "done").with("at", AT_MILLIS + 1)
                        .with("raw", ByteBuffer.wrap(new byte[0])));

        SchemaAndValue data = convert(avro, hops);

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.STRING);
        assertThat(schema.isOptional()).isTrue();
        assertThat(schema.parameters()).containsEntry(AvroData.JSON_TEXT, "array");
        assertThat(value(data)).isEqualTo("[{\"layer\":\"L2\",\"output\":null,\"at\":1793614530123,\"raw\":\"AAH/\"},"
                + "{\"layer\":\"L3\",\"output\":\"done\",\"at\":1793614530124,\"raw\":\"\"}]");
    }

    @Test
    void shouldMapOtherUnionToJsonTextNamingTheBranch() {
        org.apache.avro.Schema avro = recordWith("[\"string\", \"int\"]");

        SchemaAndValue number = convert(avro, 5);
        SchemaAndValue text = convert(avro, "five");

        Schema schema = fieldSchema(number);
        assertThat(schema.type()).isEqualTo(Schema.Type.STRING);
        assertThat(schema.isOptional()).isTrue();
        assertThat(schema.parameters()).containsEntry(AvroData.JSON_TEXT, "union");
        assertThat(value(number)).isEqualTo("{\"int\":5}");
        assertThat(value(text)).isEqualTo("{\"string\":\"five\"}");
    }

    @Test
    void shouldMapNestedRecordToNestedStruct() {
        org.apache.avro.Schema avro = recordWith("""
                {"type": "record", "name": "Activation", "fields": [
                  {"name": "content", "type": "string"},
                  {"name": "strength", "type": "double", "default": 1.0}
                ]}""");
        org.apache.avro.Schema activation = avro.getField("x").schema();

        SchemaAndValue data = convert(avro,
                new TestRecord(activation).with("content", "Plan the release.").with("strength", 0.5));

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(schema.name()).isEqualTo("io.hal9.test.Activation");
        assertThat(schema.fields()).extracting(Field::name).containsExactly("content", "strength");
        assertThat(schema.field("strength").schema().defaultValue()).isEqualTo(1.0);
        Struct nested = (Struct) value(data);
        assertThat(nested.getString("content")).isEqualTo("Plan the release.");
        assertThat(nested.getFloat64("strength")).isEqualTo(0.5);
    }

    @Test
    void shouldMapNullableRecordToOptionalStruct() {
        org.apache.avro.Schema avro = recordWith("""
                ["null", {"type": "record", "name": "Gradient", "fields": [{"name": "loss", "type": "double"}]}],
                "default": null""");

        SchemaAndValue data = convert(avro, null);

        Schema schema = fieldSchema(data);
        assertThat(schema.type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(schema.isOptional()).isTrue();
        assertThat(value(data)).isNull();
    }

    @Test
    void shouldConvertTombstoneToNull() {
        assertThat(converter.toConnectData(TOPIC, null)).isEqualTo(SchemaAndValue.NULL);
    }

    @Test
    void shouldFetchEachWriterSchemaFromTheRegistryOnce() {
        org.apache.avro.Schema avro = recordWith("\"string\"");
        byte[] first = fixture.produce(TOPIC, new TestRecord(avro).with("x", "a"));
        byte[] second = fixture.produce(TOPIC, new TestRecord(avro).with("x", "b"));
        long before = fixture.registry.requestCount();

        SchemaAndValue a = converter.toConnectData(TOPIC, first);
        SchemaAndValue b = converter.toConnectData(TOPIC, second);
        SchemaAndValue again = converter.toConnectData(TOPIC, first);

        assertThat(fixture.registry.requestCount() - before).isEqualTo(1);
        assertThat(b.schema()).isSameAs(a.schema());
        assertThat(again.value()).isEqualTo(a.value());
    }

    // ------------------------------------------------------------------------------------ helpers

    /** A record io.hal9.test.Sample with one field x; {@code type} is the JSON after {@code "type": }. */
    private static org.apache.avro.Schema recordWith(String type) {
        return parse("{\"type\": \"record\", \"name\": \"Sample\", \"namespace\": \"io.hal9.test\", "
                + "\"fields\": [{\"name\": \"x\", \"type\": " + type + "}]}");
    }

    private SchemaAndValue convert(String type, Object x) {
        return convert(recordWith(type), x);
    }

    private SchemaAndValue convert(org.apache.avro.Schema avro, Object x) {
        TestRecord record = new TestRecord(avro).with("x", x);
        if (x instanceof GenericData.Fixed fixed) {
            record.put("x", new GenericData.Fixed(avro.getField("x").schema(), fixed.bytes()));
        }
        return converter.toConnectData(TOPIC, fixture.produce(TOPIC, record));
    }

    private static Schema fieldSchema(SchemaAndValue data) {
        assertThat(data.schema().fields()).extracting(Field::name).containsExactly("x");
        return data.schema().field("x").schema();
    }

    private static Object value(SchemaAndValue data) {
        return ((Struct) data.value()).get("x");
    }

    private static org.apache.avro.Schema parse(String json) {
        return new org.apache.avro.Schema.Parser().parse(json);
    }
}
