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
 * # a registry outage holds records in place instead of failing them (see "Failures"):
 * errors.retry.timeout=-1
 * </pre>
 * As a key converter ({@code key.converter=...}) it uses the {@code <topic>-key} subject. A
 * relational sink needs flat rows: add {@code transforms=flatten} with
 * {@code transforms.flatten.type=org.apache.kafka.connect.transforms.Flatten$Value}.
 *
 * <h2>Configuration</h2>
 * <ul>
 *   <li>{@code schema.registry.url} (required): the registry's base URL; missing or blank fails
 *       {@link #configure} with a {@code ConfigException} naming the key.</li>
 *   <li>{@code auto.register.schemas} (default {@code true}): whether {@link #fromConnectData}
 *       registers the record's schema; when false the schema must be the subject's latest version.</li>
 * </ul>
 *
 * <h2>Reading: Avro to Connect</h2>
 * The writer schema is fetched by the record's id (once per id) and the record decoded with it, so
 * every version of a subject converts to a Connect schema of its own: a field added with a default
 * in a newer version appears (optional when it may be null) in the newer Connect schema and is
 * absent from the older one, which is what a sink's schema evolution needs to add the column.
 * <table>
 *   <caption>Avro type → Connect schema (value)</caption>
 *   <tr><th>Avro</th><th>Connect</th></tr>
 *   <tr><td>record</td><td>STRUCT named after the Avro full name, nested records nested STRUCTs
 *       (value {@code Struct}); field docs become schema docs</td></tr>
 *   <tr><td>string</td><td>STRING</td></tr>
 *   <tr><td>int, long</td><td>INT32, INT64</td></tr>
 *   <tr><td>float, double</td><td>FLOAT32, FLOAT64</td></tr>
 *   <tr><td>boolean</td><td>BOOLEAN</td></tr>
 *   <tr><td>bytes</td><td>BYTES ({@code byte[]})</td></tr>
 *   <tr><td>fixed</td><td>BYTES named after the fixed, parameter {@code hal9.avro.fixed.size}</td></tr>
 *   <tr><td>enum</td><td>STRING (the symbol) named after the enum, parameter
 *       {@code hal9.avro.enum.symbols} = the symbols, comma-separated, in order</td></tr>
 *   <tr><td>{@code ["null", X]} (either order)</td><td>X, optional</td></tr>
 *   <tr><td>map, array, {@code null}, any other union</td><td>optional STRING holding JSON text (see
 *       below), parameters {@code hal9.avro.json} = {@code map} / {@code array} / {@code union} /
 *       {@code null} and {@code hal9.avro.schema} = the field's Avro type</td></tr>
 *   <tr><td>int {@code date}</td><td>{@code org.apache.kafka.connect.data.Date}</td></tr>
 *   <tr><td>int {@code time-millis}</td><td>{@code org.apache.kafka.connect.data.Time}</td></tr>
 *   <tr><td>long {@code timestamp-millis}</td><td>{@code org.apache.kafka.connect.data.Timestamp}</td></tr>
 *   <tr><td>bytes or fixed {@code decimal}</td><td>{@code org.apache.kafka.connect.data.Decimal}, parameter
 *       {@code connect.decimal.precision}</td></tr>
 *   <tr><td>other logical types (timestamp-micros, local-timestamp-millis, time-micros, uuid, ...)</td>
 *       <td>the underlying type, parameter {@code hal9.avro.logical.type} (uuid: plain STRING)</td></tr>
 * </table>
 * The top-level schema also carries the registry id as its version (ids only grow, so a later
 * schema has a higher version) and the complete Avro schema in the parameter
 * {@code hal9.avro.schema}. A field default is carried when the field can never be null (Connect's
 * {@code Struct.get} returns a default in place of null, which would change a real null), except on
 * record-typed fields. A tombstone ({@code null} bytes) converts to {@link SchemaAndValue#NULL}.
 *
 * <p><b>JSON text.</b> A relational sink has no column type for maps and arrays, so they travel as
 * JSON text in one optional STRING column: records and maps as objects, arrays as arrays, strings
 * and enum symbols as strings, numbers as numbers, bytes as base64, decimals as exact numbers,
 * other logical types as their Avro value (timestamp-millis as epoch milliseconds). Inside the
 * text a nullable union is {@code null} or the bare value, any other union a one-key object naming
 * its branch ({@code {"string": "x"}}), as in Avro's JSON encoding. A union of several non-null
 * branches at field level is JSON text in that same one-key form: one column that keeps which
 * branch was written (a struct of branches would spread one value over several columns after
 * flattening).
 *
 * <h2>Writing: Connect to Avro</h2>
 * The Avro schema is the one kept in {@code hal9.avro.schema} when the Connect schema is exactly
 * what this converter produced from it (so a record read and written back keeps its exact schema and
 * id, and decodes to an equal record); otherwise it is derived from the Connect schema:
 * structs become records (the Connect name when it is a valid Avro name, else a name in
 * {@code io.hal9.connectors.derived}), optional fields {@code ["null", X]} with a null default,
 * INT8/INT16 an {@code int} with {@code "connect.type"}, Connect logical types the Avro logical
 * types above, JSON-text fields the Avro type kept in their parameter, maps with non-string keys
 * arrays of key/value records. The schema is registered under {@code <topic>-value}
 * ({@code <topic>-key} for a key converter). A {@code null} value writes {@code null}.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>Bytes that cannot be read (empty, shorter than the 5-byte header, a magic byte other than
 *       {@code 0x00}, a schema id the registry does not know, a truncated or corrupt payload, bytes
 *       left after the record, a writer schema Connect cannot express such as a recursive record)
 *       raise a {@link DataException} naming the topic and the reason, so Connect's
 *       {@code errors.tolerance} and dead letter queue apply.</li>
 *   <li>A registry that cannot answer (unreachable, timed out, HTTP 5xx, 408, 429, 401, 403) is not
 *       the record's fault and raises a {@link RetriableException}: with
 *       {@code errors.retry.timeout=-1} Connect retries the conversion with backoff until the
 *       registry is back and no record is dead-lettered for the outage; with a finite timeout the
 *       record is handled by {@code errors.tolerance} once the timeout passes.</li>
 *   <li>Writing fails with a {@link DataException} when the value does not match its schema, the
 *       registry refuses the schema (incompatible, 409; invalid, 422) or, without auto-registration,
 *       the schema is not the subject's latest version.</li>
 * </ul>
 *
 * <h2>Current limitations</h2>
 * One registry URL; no authentication to the registry; without auto-registration only the
 * subject's latest version is looked up; recursive records cannot be read; defaults of
 * record-typed fields are not carried into Connect.
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
        String subject = topic + (isKey ? "-key" : "-value");
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
