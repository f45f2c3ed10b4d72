package io.hal9.connectors.converter;

import java.util.HashMap;
import java.util.Map;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.serde.AvroSerializer;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;

/**
 * An embedded schema registry on a free port, the project's real {@link AvroSerializer} to produce
 * wire-format bytes, and converters configured against the registry. Close it after each test.
 */
final class ConverterFixture implements AutoCloseable {

    final SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0);
    final HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());

    /** A value converter for this registry. */
    Hal9AvroConverter valueConverter() {
        return converter(Map.of(), false);
    }

    /** A converter for this registry with {@code extra} settings. */
    Hal9AvroConverter converter(Map<String, ?> extra, boolean isKey) {
        Map<String, Object> config = new HashMap<>(extra);
        config.put(Hal9AvroConverterConfig.SCHEMA_REGISTRY_URL_CONFIG, registry.url());
        Hal9AvroConverter converter = new Hal9AvroConverter();
        converter.configure(config, isKey);
        return converter;
    }

    /** {@code record} as a producer using HAL9's serializer writes it to {@code topic}'s values. */
    byte[] produce(String topic, IndexedRecord record) {
        return new AvroSerializer<IndexedRecord>(client, false).serialize(topic, record);
    }

    @Override
    public void close() {
        registry.close();
    }

    /** A generic record that can be built in one expression. */
    static final class TestRecord extends GenericData.Record {

        TestRecord(Schema schema) {
            super(schema);
        }

        /** Sets {@code field} and returns this record, for building records in one expression. */
        TestRecord with(String field, Object value) {
            put(field, value);
            return this;
        }
    }
}
