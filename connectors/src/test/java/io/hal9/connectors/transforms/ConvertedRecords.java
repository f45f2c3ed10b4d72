package io.hal9.connectors.transforms;

import io.hal9.connectors.Hal9AvroConverter;
import io.hal9.schemas.registry.SchemaRegistryServer;
import io.hal9.schemas.serde.AvroSerializer;
import io.hal9.schemas.serde.HttpSchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
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

    /** {@code value} on {@code topic} under {@code key} (a String, byte[] or null), as the sink task gets it. */
    SinkRecord record(String topic, Object key, SpecificRecord value) {
        byte[] bytes = new AvroSerializer<SpecificRecord>(client, false).serialize(topic, value);
        SchemaAndValue data = converter.toConnectData(topic, bytes);
        Schema keySchema = key == null ? null : key instanceof String ? Schema.OPTIONAL_STRING_SCHEMA : Schema.OPTIONAL_BYTES_SCHEMA;
        return new SinkRecord(topic, 3, keySchema, key, data.schema(), data.value(), 42L);
    }

    /** A record written by a newer producer: {@code value} under its own schema, registered under the topic's subject. */
    SinkRecord newerRecord(String topic, Object key, GenericRecord value) {
        int id = client.register(topic + "-value", value.getSchema());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(value.getSchema()).write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SchemaAndValue data = converter.toConnectData(topic, out.toByteArray());
        Schema keySchema = key == null ? null : key instanceof String ? Schema.OPTIONAL_STRING_SCHEMA : Schema.OPTIONAL_BYTES_SCHEMA;
        return new SinkRecord(topic, 3, keySchema, key, data.schema(), data.value(), 43L);
    }

    @Override
    public void close() {
        converter.close();
        registry.close();
    }
}
