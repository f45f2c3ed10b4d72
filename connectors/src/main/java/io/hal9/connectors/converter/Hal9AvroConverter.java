package io.hal9.connectors.converter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryClient.RegisteredSchema;
import io.hal9.schemas.registry.SchemaRegistryException;
import io.hal9.schemas.serde.WireFormat;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.storage.Converter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect {@link Converter} for HAL9's wire format: Confluent-framed Avro (magic byte
 * {@code 0x00}, 4-byte big-endian schema id, Avro binary) with writer schemas in a schema registry
 * speaking the Confluent REST API. It lets any connector read {@code hal9.results} and
 * {@code hal9.dlq} (a JDBC sink writing rows to PostgreSQL, for one) and lets source connectors
 * write records HAL9's layers can read.
 *
 * <h2>How to use</h2>
 * <pre>
 * value.converter=io.hal9.connectors.converter.Hal9AvroConverter
 * value.converter.schema.registry.url=http://schema-registry:8081
 * # a registry outage holds records in place instead of failing them ("Failures" in the package documentation):
 * errors.retry.timeout=-1
 * </pre>
 * As a key converter ({@code key.converter=...}) it uses the {@code <topic>-key} subject. A
 * relational sink needs flat rows: add {@code transforms=flatten} with
 * {@code transforms.flatten.type=org.apache.kafka.connect.transforms.Flatten$Value}.
 *
 * <p>Its settings, the type mapping in both directions, how failures are reported and its
 * current limitations are documented with the package ({@code package-info.java}); the section
 * "The converter" of docs/operations/sink.md has the summary users read.
 *
 * <p>Schemas are cached per registry id (reading) and per Connect schema (writing). Instances are
 * thread-safe; Connect creates one per task.
 */
public final class Hal9AvroConverter implements Converter {

    private static final Logger LOG = LoggerFactory.getLogger(Hal9AvroConverter.class);

    private final Map<Integer, Reading> readings = new ConcurrentHashMap<>();
    private final Map<Schema, Writing> writings = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> latestIds = new ConcurrentHashMap<>();
    /** The last Connect schema written: tasks usually pass the same instance, which skips hashing it. */
    private volatile Writing lastWriting;

    private volatile SchemaRegistryClient registry;
    private volatile String registryUrl;
    private volatile boolean isKey;
    private volatile boolean autoRegister;

    /** A converter to be configured by {@link #configure}; Connect creates it by class name. */
    public Hal9AvroConverter() {
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Hal9AvroConverterConfig config = new Hal9AvroConverterConfig(configs);
        this.registryUrl = config.schemaRegistryUrl();
        this.registry = new HttpSchemaRegistryClient(registryUrl);
        this.isKey = isKey;
        this.autoRegister = config.autoRegisterSchemas();
        readings.clear();
        writings.clear();
        latestIds.clear();
        lastWriting = null;
        LOG.info("Hal9AvroConverter for record {}s: registry {}, auto.register.schemas={}",
                part(), registryUrl, autoRegister);
    }

    @Override
    public ConfigDef config() {
        return Hal9AvroConverterConfig.CONFIG_DEF;
    }

    @Override
    public String version() {
        String version = Hal9AvroConverter.class.getPackage().getImplementationVersion();
        return version != null ? version : "unknown";
    }

    // ------------------------------------------------------------------------------------ reading

    @Override
    public SchemaAndValue toConnectData(String topic, byte[] value) {
        SchemaRegistryClient client = configured();
        if (value == null) {
            return SchemaAndValue.NULL;
        }
        int id;
        try {
            id = WireFormat.schemaId(value);
        } catch (SerializationException e) {
            throw unreadable(topic, e.getMessage());
        }
        Reading reading = readings.get(id);
        if (reading == null) {
            reading = reading(client, topic, id);
            readings.putIfAbsent(id, reading);
        }
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(value, WireFormat.HEADER_SIZE, value.length - WireFormat.HEADER_SIZE, null);
        Object datum;
        boolean atEnd;
        try {
            datum = reading.reader().read(null, decoder);
            atEnd = decoder.isEnd();
        } catch (IOException | RuntimeException e) {
            throw unreadable(topic, "truncated or corrupt Avro payload for schema id " + id + " ("
                    + (value.length - WireFormat.HEADER_SIZE) + " bytes after the header): " + e, e);
        }
        if (!atEnd) {
            throw unreadable(topic, "trailing bytes after the Avro record for schema id " + id
                    + ": the payload is longer than the record it encodes");
        }
        try {
            return new SchemaAndValue(reading.connect(), AvroData.toConnectValue(reading.connect(), reading.avro(), datum));
        } catch (DataException | AvroRuntimeException e) {
            throw unreadable(topic, "cannot convert " + reading.avro().getFullName() + " (schema id " + id
                    + ") to Connect data: " + e.getMessage(), e);
        }
    }

    private Reading reading(SchemaRegistryClient client, String topic, int id) {
        org.apache.avro.Schema writer;
        try {
            writer = client.schemaById(id);
        } catch (SchemaRegistryException e) {
            if (isOutage(e)) {
                throw new RetriableException("cannot read the " + part() + " of a record on topic " + topic
                        + ": schema registry did not answer for schema id " + id + ": " + e.getMessage(), e);
            }
            if (e.httpStatus() == 404) {
                throw unreadable(topic, "unknown schema id " + id + " (" + e.getMessage() + ")", e);
            }
            throw unreadable(topic, "unusable writer schema id " + id + " (" + e.getMessage() + ")", e);
        }
        Schema connect;
        try {
            connect = AvroData.toConnectSchema(writer, id);
        } catch (DataException e) {
            throw unreadable(topic, "writer schema id " + id + " (" + writer.getFullName()
                    + ") has no Connect schema: " + e.getMessage(), e);
        }
        return new Reading(writer, connect, new GenericDatumReader<>(writer, writer, GenericData.get()));
    }

    // ------------------------------------------------------------------------------------ writing

    @Override
    public byte[] fromConnectData(String topic, Schema schema, Object value) {
        SchemaRegistryClient client = configured();
        if (value == null) {
            return null;
        }
        if (schema == null) {
            throw unwritable(topic, "a value without a Connect schema (" + value.getClass().getName()
                    + ") cannot be written as Avro; use a converter upstream that keeps schemas");
        }
        Writing writing;
        try {
            ConnectSchema.validateValue(schema, value);
            Writing last = lastWriting;
            if (last != null && last.connect() == schema) {
                writing = last;
            } else {
                writing = writings.get(schema);
                if (writing == null) {
                    org.apache.avro.Schema avro = avroSchemaFor(schema);
                    writing = new Writing(schema, avro, new GenericDatumWriter<>(avro, GenericData.get()));
                    writings.putIfAbsent(schema, writing);
                }
                lastWriting = writing;
            }
        } catch (DataException | AvroRuntimeException e) {
            throw unwritable(topic, e.getMessage(), e);
        }
        int id = idFor(client, topic, writing.avro());
        ByteArrayOutputStream out = WireFormat.header(id);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            Object datum = AvroData.toAvroValue(writing.avro(), schema, value, "$");
            writing.writer().write(datum, encoder);
            encoder.flush();
        } catch (DataException | AvroRuntimeException | ClassCastException | NullPointerException e) {
            throw unwritable(topic, "value does not fit Avro schema " + writing.avro().getFullName()
                    + " (schema id " + id + "): " + e.getMessage(), e);
        } catch (IOException e) {
            throw unwritable(topic, "cannot encode the value: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** The Avro schema kept in the Connect schema when it still describes it, else one derived from it. */
    private static org.apache.avro.Schema avroSchemaFor(Schema schema) {
        String kept = schema.parameters() == null ? null : schema.parameters().get(AvroData.AVRO_SCHEMA);
        if (kept != null) {
            try {
                org.apache.avro.Schema original = new org.apache.avro.Schema.Parser().parse(kept);
                if (AvroData.toConnectSchema(original, schema.version()).equals(schema)) {
                    return original;
                }
            } catch (SchemaParseException | DataException e) {
                LOG.debug("parameter {} of Connect schema {} is not usable, deriving the Avro schema: {}",
                        AvroData.AVRO_SCHEMA, schema.name(), e.getMessage());
            }
        }
        return AvroData.toAvroSchema(schema);
    }

    private int idFor(SchemaRegistryClient client, String topic, org.apache.avro.Schema avro) {
        String subject = WireFormat.subject(topic, isKey);
        try {
            if (autoRegister) {
                return client.register(subject, avro);
            }
            SubjectSchema key = new SubjectSchema(subject, avro);
            Integer known = latestIds.get(key);
            if (known != null) {
                return known;
            }
            RegisteredSchema latest = client.latest(subject);
            if (!latest.schema().equals(avro)) {
                throw unwritable(topic, "schema " + avro.getFullName() + " is not the latest version ("
                        + latest.version() + ", id " + latest.id() + ") of subject " + subject
                        + ", and auto.register.schemas=false");
            }
            latestIds.put(key, latest.id());
            return latest.id();
        } catch (SchemaRegistryException e) {
            if (isOutage(e)) {
                throw new RetriableException("cannot write the " + part() + " of a record for topic " + topic
                        + ": schema registry did not answer for subject " + subject + ": " + e.getMessage(), e);
            }
            if (!autoRegister && e.httpStatus() == 404) {
                throw unwritable(topic, "subject " + subject + " has no schema, and auto.register.schemas=false", e);
            }
            throw unwritable(topic, "schema registry refused schema " + avro.getFullName() + " under subject "
                    + subject + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------ helpers

    /**
     * Whether a registry failure says nothing about the record: no answer at all (unreachable,
     * timed out, interrupted), a server error, or a refusal to serve this client right now.
     */
    private static boolean isOutage(SchemaRegistryException e) {
        int status = e.httpStatus();
        if (status == 0) {
            Throwable cause = e.getCause();
            return cause instanceof IOException || cause instanceof InterruptedException
                    || cause instanceof InterruptedIOException;
        }
        return status >= 500 || status == 408 || status == 429 || status == 401 || status == 403;
    }

    private SchemaRegistryClient configured() {
        SchemaRegistryClient client = registry;
        if (client == null) {
            throw new IllegalStateException("Hal9AvroConverter is not configured: call configure() first");
        }
        return client;
    }

    private String part() {
        return isKey ? "key" : "value";
    }

    private DataException unreadable(String topic, String reason) {
        return new DataException("cannot read the " + part() + " of a record on topic " + topic + ": " + reason);
    }

    private DataException unreadable(String topic, String reason, Throwable cause) {
        return new DataException("cannot read the " + part() + " of a record on topic " + topic + ": " + reason, cause);
    }

    private DataException unwritable(String topic, String reason) {
        return new DataException("cannot write the " + part() + " of a record for topic " + topic + ": " + reason);
    }

    private DataException unwritable(String topic, String reason, Throwable cause) {
        return new DataException("cannot write the " + part() + " of a record for topic " + topic + ": " + reason,
                cause);
    }

    @Override
    public void close() {
        readings.clear();
        writings.clear();
        latestIds.clear();
        lastWriting = null;
    }

    private record Reading(org.apache.avro.Schema avro, Schema connect, GenericDatumReader<Object> reader) {
    }

    private record Writing(Schema connect, org.apache.avro.Schema avro, GenericDatumWriter<Object> writer) {
    }

    private record SubjectSchema(String subject, org.apache.avro.Schema schema) {
    }
}
