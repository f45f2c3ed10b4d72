package io.hal9.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>A {@link UnknownFields.Appended} record (a compiled record with the fields a newer producer
 * added) is written with its extended schema; when the registry refuses that schema under the
 * subject, the compiled record is written instead and a warning says which fields were left out.
 * Instances are thread-safe. Each thread writes into a buffer and an encoder of its own, kept for its
 * next record (a buffer grown past {@value #MAX_KEPT_BUFFER_BYTES} bytes is dropped after use).
 *
 * @param <T> the records written: a generated Avro class, e.g. {@code io.hal9.schemas.v1.Signal}, or
 *            {@link org.apache.avro.generic.GenericRecord} for records of a schema known only at run
 *            time (a producer on another version of a contract)
 */
public final class AvroSerializer<T extends IndexedRecord> implements Serializer<T> {

    private static final Logger LOG = LoggerFactory.getLogger(AvroSerializer.class);

    /** The largest buffer a thread keeps between records. */
    static final int MAX_KEPT_BUFFER_BYTES = 64 * 1024;

    /** The buffer and encoder of each thread: a stream thread writes thousands of records a second. */
    private static final ThreadLocal<Output> OUTPUT = ThreadLocal.withInitial(Output::new);

    static {
        AvroTrust.ensure();
    }

    private final SchemaRegistryClient client;
    private final boolean isKey;
    private final Map<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
    /** Writers per schema: generated classes carry their logical-type conversions, generic records do not. */
    private final Map<Schema, DatumWriter<T>> specificWriters = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<T>> genericWriters = new ConcurrentHashMap<>();
    /** Extended schemas the registry refused under a subject: their records are written without the added fields. */
    private final Set<SubjectSchema> refused = ConcurrentHashMap.newKeySet();

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
        if (record instanceof UnknownFields.Appended appended) {
            return serializeAppended(topic, appended);
        }
        return write(topic, record, idOf(topic, record.getSchema()));
    }

    /**
     * A record with the fields a newer writer added: written with its extended schema, registered
     * under the subject. A registry that refuses that schema (the subject's compatibility level
     * forbids it, or the subject holds a field of that name with another type) gets the compiled
     * record without them, and a warning naming the subject and the fields, once per schema.
     */
    @SuppressWarnings("unchecked")
    private byte[] serializeAppended(String topic, UnknownFields.Appended appended) {
        SubjectSchema key = new SubjectSchema(WireFormat.subject(topic, isKey), appended.getSchema());
        Integer known = ids.get(key);
        if (known == null && !refused.contains(key)) {
            try {
                known = registerOrRefuse(key, appended);
            } catch (SchemaRegistryException e) {
                throw new SerializationException("cannot register schema " + key.schema().getFullName()
                        + " under subject " + key.subject() + " for topic " + topic + ": " + e.getMessage(), e);
            }
        }
        if (known == null) {
            T compiled = (T) appended.record();
            return write(topic, compiled, idOf(topic, compiled.getSchema()));
        }
        return write(topic, (T) appended, known);
    }

    /** The id of {@code key}'s schema, registering it; null (and remembered) when the registry refuses it. */
    private Integer registerOrRefuse(SubjectSchema key, UnknownFields.Appended appended) {
        try {
            int id = client.register(key.subject(), key.schema());
            ids.put(key, id);
            return id;
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() != 409 && e.httpStatus() != 422) {
                throw e;
            }
            if (refused.add(key)) {
                LOG.warn("the schema registry refuses {} with the fields a newer producer added ({}) under subject {}:"
                        + " writing those records without them (HTTP {}: {})", key.schema().getFullName(),
                        appended.addedFieldNames(), key.subject(), e.httpStatus(), e.getMessage());
            }
            return null;
        }
    }

    private int idOf(String topic, Schema schema) {
        SubjectSchema key = new SubjectSchema(WireFormat.subject(topic, isKey), schema);
        Integer known = ids.get(key);
        return known != null ? known : register(key, topic);
    }

    private byte[] write(String topic, T record, int id) {
        Schema schema = record.getSchema();
        Output output = OUTPUT.get();
        BinaryEncoder encoder = output.start(id);
        ByteArrayOutputStream out = output.bytes();
        try {
            // generated classes (and records carrying one) need its logical-type conversions
            DatumWriter<T> writer = record instanceof SpecificRecord || record instanceof UnknownFields.Appended
                    ? specificWriters.computeIfAbsent(schema, SpecificDatumWriter::new)
                    : genericWriters.computeIfAbsent(schema, GenericDatumWriter::new);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + schema.getFullName() + " to topic " + topic
                    + " with schema id " + id + ": " + e.getMessage(), e);
        } finally {
            output.finish();
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

    /** One thread's buffer and encoder. */
    private static final class Output {

        private ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        private BinaryEncoder encoder;

        /**
         * The thread's encoder, writing to its emptied buffer after the header for schema {@code id}.
         * (The encoder is pointed at the buffer before the buffer is emptied: re-pointing it flushes
         * whatever a failed write left in it.)
         */
        BinaryEncoder start(int id) {
            encoder = EncoderFactory.get().binaryEncoder(bytes, encoder);
            bytes.reset();
            WireFormat.writeHeader(bytes, id);
            return encoder;
        }

        ByteArrayOutputStream bytes() {
            return bytes;
        }

        /** After a record: a buffer grown too large is not kept. */
        void finish() {
            if (bytes.size() > MAX_KEPT_BUFFER_BYTES) {
                bytes = new ByteArrayOutputStream(1024);
            }
        }
    }
}
