package io.hal9.connectors.converter;

import static org.assertj.core.api.Assertions.assertThat;

import io.hal9.connectors.converter.ConverterFixture.TestRecord;
import io.hal9.schemas.registry.SchemaRegistryClient.RegisteredSchema;

import org.apache.avro.Schema;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Records of two versions of one subject, as a sink reads a topic whose producers upgraded. */
class Hal9AvroConverterEvolutionTest {

    private static final String TOPIC = "hal9.results";

    private static final Schema V1 = new Schema.Parser().parse("""
            {"type": "record", "name": "Answer", "namespace": "io.hal9.test", "fields": [
              {"name": "id", "type": "string"},
              {"name": "content", "type": "string"}
            ]}""");

    /** V1 plus an optional field (default null) and a field with a non-null default. */
    private static final Schema V2 = new Schema.Parser().parse("""
            {"type": "record", "name": "Answer", "namespace": "io.hal9.test", "fields": [
              {"name": "id", "type": "string"},
              {"name": "content", "type": "string"},
              {"name": "reviewer", "type": ["null", "string"], "default": null},
              {"name": "tier", "type": "int", "default": 1}
            ]}""");

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
    void shouldConvertOldAndNewVersionOfSubjectEachWithItsOwnSchema() {
        // Given an old producer's record, then a new producer's record under the same subject
        byte[] old = fixture.produce(TOPIC, new TestRecord(V1).with("id", "a-1").with("content", "first"));
        byte[] current = fixture.produce(TOPIC, new TestRecord(V2).with("id", "a-2").with("content", "second")
                .with("reviewer", "L4").with("tier", 2));
        RegisteredSchema latest = fixture.client.latest(TOPIC + "-value");
        assertThat(latest.version()).isEqualTo(2);

        // When a sink reads both, the old one last
        SchemaAndValue newer = converter.toConnectData(TOPIC, current);
        SchemaAndValue older = converter.toConnectData(TOPIC, old);

        // Then the new schema has the new fields, optional where they may be null, with a higher version
        assertThat(newer.schema().fields()).extracting(Field::name)
                .containsExactly("id", "content", "reviewer", "tier");
        assertThat(newer.schema().field("reviewer").schema().isOptional()).isTrue();
        assertThat(newer.schema().field("reviewer").schema().defaultValue()).isNull();
        assertThat(newer.schema().field("tier").schema().isOptional()).isFalse();
        assertThat(newer.schema().field("tier").schema().defaultValue()).isEqualTo(1);
        assertThat(newer.schema().version()).isEqualTo(latest.id());
        Struct newValue = (Struct) newer.value();
        assertThat(newValue.getString("reviewer")).isEqualTo("L4");
        assertThat(newValue.getInt32("tier")).isEqualTo(2);
        // And the old record keeps the old schema: the new fields are absent, not invented
        assertThat(older.schema().fields()).extracting(Field::name).containsExactly("id", "content");
        assertThat(older.schema().version()).isLessThan(newer.schema().version());
        assertThat(((Struct) older.value()).getString("content")).isEqualTo("first");
    }

    @Test
    void shouldConvertNewVersionWithOptionalFieldLeftNull() {
        byte[] current = fixture.produce(TOPIC, new TestRecord(V2).with("id", "a-3").with("content", "third")
                .with("reviewer", null).with("tier", 1));

        SchemaAndValue data = converter.toConnectData(TOPIC, current);

        Struct value = (Struct) data.value();
        assertThat(value.get("reviewer")).isNull();
        assertThat(value.getInt32("tier")).isEqualTo(1);
    }
}
