package io.hal9.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryException;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in the Confluent wire format: byte 0 is the magic byte {@code 0x00},
 * bytes 1–4 the writer schema's registry id (big-endian), the rest the record's Avro binary
 * encoding.
 *
 * <p>The subject is {@code <topic>-value}, or {@code <topic>-key} for a key serializer (Confluent's
 * topic naming strategy). The record's schema is registered under the subject on first use and the
 * id is cached, so the registry is called once per (subject, schema). A {@code null} record
 * serializes to {@code null} (a tombstone). Registry refusals and outages surface as
 * {@link SerializationException}s whose cause is the {@link SchemaRegistryException}.
 * Instances are thread-safe.
 *
 * @param <T> the records written: a generated Avro class, e.g. {@code io.hal9.schemas.v1.Signal}, or
 *            {@link org.apache.avro.generic.GenericRecord} for records of a schema known only at run
 *            time (a producer on another version of a contract)
 */
public final class AvroSerializer<T extends IndexedRecord> implements Serializer<T> {

    static {
        AvroTrust.ensure();
    }

    private final SchemaRegistryClient client;
    private final boolean isKey;
    private final Map<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
    /** Writers per schema: generated classes carry their logical-type conversions, generic records do not. */
    private final Map<Schema, DatumWriter<T>> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<T>> genericWriters = new ConcurrentHashMap<>();

    /** A serializer registering schemas through {@code client}; {@code isKey} picks the key subject. */
    public AvroSerializer(SchemaRegistryClient client, boolean isKey) {
        if (client == null) {
            throw new IllegalArgumentException("schema registry client must not be null");
        }
        this.client = client;
        this.isKey = isKey;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        Schema schema = record.getSchema();
        String subject = WireFormat.subject(topic, isKey);
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer known = ids.get(key);
        int id = known != null ? known : register(key, topic);
        ByteArrayOutputStream out = WireFormat.header(id);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            DatumWriter<T> writer = record instanceof SpecificRecord
                    ? specificWriters.computeIfAbsent(schema, SpecificDatumWriter::new)
                    : genericWriters.computeIfAbsent(schema, GenericDatumWriter::new);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + schema.getFullName() + " to topic " + topic
                    + " with schema id " + id + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private int register(SubjectSchema key, String topic) {
        try {
            int id = client.register(key.subject(), key.schema());
            ids.put(key, id);
            return id;
        } catch (SchemaRegistryException e) {
            throw new SerializationException("cannot register schema " + key.schema().getFullName()
                    + " under subject " + key.subject() + " for topic " + topic + ": " + e.getMessage(), e);
        }
    }

    private record SubjectSchema(String subject, Schema schema) {
    }
}
