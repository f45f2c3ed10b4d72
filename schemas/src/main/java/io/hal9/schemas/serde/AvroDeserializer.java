package io.hal9.schemas.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryException;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format records (magic byte {@code 0x00}, 4-byte big-endian schema id, Avro
 * binary) into a generated Avro class.
 *
 * <p>The writer schema is fetched from the registry by the id in the record (cached per id) and
 * resolved against the reader schema of {@code type}, so records written with an older or newer
 * compatible schema are read, with defaults filling fields the writer did not have. The fields a
 * newer writer added are not in {@code T}; {@link #unknownFields} reads them, for a stage that
 * carries them on.
 *
 * <p>A record that cannot be read fails with a {@link SerializationException} whose message says
 * why: empty input, input shorter than the 5-byte header, a magic byte other than {@code 0x00}, a
 * schema id the registry does not know, a writer schema the reader cannot resolve, a truncated or
 * corrupt Avro payload, or bytes left over after the record (rejected: the framing is wrong, so the
 * decoded record cannot be trusted). A registry that cannot be reached is not the record's fault:
 * that fails with the {@link SchemaRegistryException} itself. A {@code null} input deserializes to
 * {@code null}. Instances are thread-safe.
 *
 * @param <T> the generated Avro class read, e.g. {@code io.hal9.schemas.v1.Signal}
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    static {
        AvroTrust.ensure();
    }

    private final SchemaRegistryClient client;
    private final Class<T> type;
    private final Schema readerSchema;
    private final Map<Integer, Reading<T>> readings = new ConcurrentHashMap<>();

    /** A deserializer producing {@code type}, fetching writer schemas through {@code client}. */
    public AvroDeserializer(SchemaRegistryClient client, Class<T> type) {
        if (client == null || type == null) {
            throw new IllegalArgumentException("schema registry client and record type must not be null");
        }
        this.client = client;
        this.type = type;
        this.readerSchema = SpecificData.getForClass(type).getSchema(type);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        int id = WireFormat.schemaId(data);
        Reading<T> reading = readingOf(id);
        BinaryDecoder decoder = decoderOf(data);
        T record;
        boolean atEnd;
        try {
            record = reading.reader().read(null, decoder);
            atEnd = decoder.isEnd();
        } catch (SecurityException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("truncated or corrupt Avro payload for schema id " + id
                    + " (" + (data.length - WireFormat.HEADER_SIZE) + " bytes after the header): " + e, e);
        }
        if (!atEnd) {
            throw new SerializationException("trailing bytes after the Avro record for schema id " + id
                    + ": the payload is longer than the record it encodes");
        }
        return record;
    }

    /**
     * The top-level fields the writer schema of {@code data} has and {@code T} does not, with their
     * values in {@code data}; {@link UnknownFields#NONE} when it has none (the writer schema is
     * {@code T}'s, or an older one). Whether a writer schema has any is worked out once per schema
     * id, so for records without unknown fields this costs a map lookup. Meant for bytes
     * {@link #deserialize} has read: bytes it would refuse fail the same way.
     *
     * @throws SerializationException when {@code data} cannot be read
     */
    public UnknownFields unknownFields(byte[] data) {
        if (data == null) {
            return UnknownFields.NONE;
        }
        int id = WireFormat.schemaId(data);
        Reading<T> reading = readingOf(id);
        if (reading.layout() == null) {
            return UnknownFields.NONE;
        }
        try {
            return reading.layout().read(decoderOf(data));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("truncated or corrupt Avro payload for schema id " + id
                    + " (" + (data.length - WireFormat.HEADER_SIZE) + " bytes after the header): " + e, e);
        }
    }

    private Reading<T> readingOf(int id) {
        Reading<T> reading = readings.get(id);
        if (reading == null) {
            reading = readingFor(id);
            readings.put(id, reading);
        }
        return reading;
    }

    private static BinaryDecoder decoderOf(byte[] data) {
        return DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
    }

    private Reading<T> readingFor(int id) {
        Schema writerSchema;
        try {
            writerSchema = client.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() == 404) {
                throw new SerializationException("unknown schema id " + id + " (" + e.getMessage() + ")", e);
            }
            throw e;
        }
        SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
            throw new SerializationException("writer schema id " + id + " (" + writerSchema.getFullName()
                    + ") cannot be read as " + type.getName() + ": "
                    + compatibility.getResult().getIncompatibilities());
        }
        return new Reading<>(new SpecificDatumReader<>(writerSchema, readerSchema),
                UnknownFields.Layout.of(writerSchema, readerSchema));
    }

    /** How records of one writer schema are read: into {@code T}, and for the fields {@code T} lacks (null: none). */
    private record Reading<T>(SpecificDatumReader<T> reader, UnknownFields.Layout layout) {
    }
}
