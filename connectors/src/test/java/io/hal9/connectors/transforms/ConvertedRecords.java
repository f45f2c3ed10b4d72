package io.hal9.connectors.transforms;

import java.util.Map;

import io.hal9.connectors.converter.Hal9AvroConverter;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.serde.AvroSerializer;

import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Records as a sink task sees them before its transformations: the value written by HAL9's own
 * serializer and read back by {@link Hal9AvroConverter} through a real (embedded) registry.
 */
final class ConvertedRecords implements AutoCloseable {

    private final SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0);
    private final HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());
    private final Hal9AvroConverter converter = new Hal9AvroConverter();

    ConvertedRecords() {
        converter.configure(Map.of("schema.registry.url", registry.url()), false);
    }

    /**
     * {@code value} on {@code topic} under {@code key} (a String, byte[] or null), as the sink task
     * gets it; a generic record stands for a producer on another version of the schema.
     */
    SinkRecord record(String topic, Object key, IndexedRecord value) {
        byte[] bytes = new AvroSerializer<IndexedRecord>(client, false).serialize(topic, value);
        SchemaAndValue data = converter.toConnectData(topic, bytes);
        Schema keySchema = key == null ? null : key instanceof String ? Schema.OPTIONAL_STRING_SCHEMA : Schema.OPTIONAL_BYTES_SCHEMA;
        return new SinkRecord(topic, 3, keySchema, key, data.schema(), data.value(), 42L);
    }

    @Override
    public void close() {
        converter.close();
        registry.close();
    }
}
