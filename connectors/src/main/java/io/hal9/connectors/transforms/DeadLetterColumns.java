package io.hal9.connectors.transforms;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * A Kafka Connect transformation that turns a HAL9 dead letter (a {@code DeadLetter} from
 * {@code hal9.dlq}, read by {@code io.hal9.connectors.converter.Hal9AvroConverter}) into one flat table row
 * with snake_case columns, identified by where the failed record came from.
 *
 * <h2>How to use</h2>
 * <pre>
 * value.converter=io.hal9.connectors.converter.Hal9AvroConverter
 * transforms=rows
 * transforms.rows.type=io.hal9.connectors.transforms.DeadLetterColumns
 * # a JDBC sink then upserts by the failed record's origin:
 * primary.key.mode=record_value
 * primary.key.fields=source_topic,source_partition,source_offset
 * </pre>
 *
 * <h2>The row</h2>
 * <table>
 *   <caption>Value columns</caption>
 *   <tr><th>column</th><th>type</th><th>from</th></tr>
 *   <tr><td>{@code source_topic}, {@code source_partition}, {@code source_offset}</td>
 *       <td>STRING, INT32, INT64 (required)</td><td>where the failed record was read</td></tr>
 *   <tr><td>{@code layer}, {@code category}, {@code reason}</td><td>STRING</td><td>the layer that gave
 *       up, the error category ({@code DESERIALIZATION}, {@code INVALID_INPUT}, ...) and why</td></tr>
 *   <tr><td>{@code attempts}</td><td>INT32</td><td>Claude calls made for the signal</td></tr>
 *   <tr><td>{@code first_failure_at}, {@code last_failure_at}</td><td>Timestamp</td><td>when it failed</td></tr>
 *   <tr><td>{@code signal_id}, {@code root_id}</td><td>STRING</td><td>the signal's ids when it could be read</td></tr>
 *   <tr><td>{@code record_key}</td><td>STRING</td><td>the record key as text when it is UTF-8 (the
 *       same value as in the results table), else null</td></tr>
 *   <tr><td>{@code original_key}, {@code original_value}</td><td>BYTES</td><td>the failed record's bytes,
 *       for replaying it (only with {@value #ORIGINAL_BYTES_CONFIG}=true)</td></tr>
 * </table>
 * The record key and a tombstone (null value) pass unchanged.
 *
 * <h2>Failures</h2>
 * A value that is not a Struct, or one without the source topic, partition or offset, raises a
 * {@link DataException}, which Connect's {@code errors.tolerance} and dead letter queue handle.
 */
public final class DeadLetterColumns<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String ORIGINAL_BYTES_CONFIG = "original.bytes";
    public static final boolean ORIGINAL_BYTES_DEFAULT = true;
    public static final String ORIGINAL_BYTES_DOC = "Whether the row keeps the failed record's key and value bytes "
            + "(original_key, original_value) for replaying it. Set it to false when values are large or sensitive "
            + "and the reason is all a person needs.";

    static final String VALUE_SCHEMA_NAME = "io.hal9.connectors.DeadLetterRow";

    private static final String NAME = "DeadLetterColumns";
    private static final Schema OPTIONAL_TIMESTAMP = Timestamp.builder().optional().build();
    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(ORIGINAL_BYTES_CONFIG, Type.BOOLEAN, ORIGINAL_BYTES_DEFAULT, Importance.LOW, ORIGINAL_BYTES_DOC);

    private Schema valueSchema;
    private boolean originalBytes;

    /** A transformation to be configured by {@link #configure}; Connect creates it by class name. */
    public DeadLetterColumns() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
        originalBytes = new AbstractConfig(CONFIG_DEF, configs, false).getBoolean(ORIGINAL_BYTES_CONFIG);
        SchemaBuilder row = SchemaBuilder.struct().name(VALUE_SCHEMA_NAME)
                .field("source_topic", Schema.STRING_SCHEMA)
                .field("source_partition", Schema.INT32_SCHEMA)
                .field("source_offset", Schema.INT64_SCHEMA)
                .field("layer", Schema.OPTIONAL_STRING_SCHEMA)
                .field("category", Schema.OPTIONAL_STRING_SCHEMA)
                .field("reason", Schema.OPTIONAL_STRING_SCHEMA)
                .field("attempts", Schema.OPTIONAL_INT32_SCHEMA)
                .field("first_failure_at", OPTIONAL_TIMESTAMP)
                .field("last_failure_at", OPTIONAL_TIMESTAMP)
                .field("signal_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("root_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("record_key", Schema.OPTIONAL_STRING_SCHEMA);
        if (originalBytes) {
            row.field("original_key", Schema.OPTIONAL_BYTES_SCHEMA)
                    .field("original_value", Schema.OPTIONAL_BYTES_SCHEMA);
        }
        valueSchema = row.build();
    }

    @Override
    public R apply(R record) {
        if (valueSchema == null) {
            throw new IllegalStateException(NAME + " is not configured: call configure() first");
        }
        if (record.value() == null) {
            return record;
        }
        Struct letter = Fields.struct(record.value(), "a DeadLetter", NAME);
        byte[] key = bytes(Fields.get(letter, "originalKey"));
        Struct row = new Struct(valueSchema)
                .put("source_topic", required(letter, "sourceTopic"))
                .put("source_partition", ((Number) required(letter, "sourcePartition")).intValue())
                .put("source_offset", ((Number) required(letter, "sourceOffset")).longValue())
                .put("layer", Fields.string(letter, "layer"))
                .put("category", Fields.string(letter, "category"))
                .put("reason", Fields.string(letter, "reason"))
                .put("attempts", Fields.get(letter, "attempts") instanceof Number n ? n.intValue() : null)
                .put("first_failure_at", Fields.timestamp(letter, "firstFailureAt", NAME))
                .put("last_failure_at", Fields.timestamp(letter, "lastFailureAt", NAME))
                .put("signal_id", Fields.string(letter, "signalId"))
                .put("root_id", Fields.string(letter, "rootId"))
                .put("record_key", utf8(key));
        if (originalBytes) {
            row.put("original_key", key).put("original_value", bytes(Fields.get(letter, "originalValue")));
        }
        return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                valueSchema, row, record.timestamp(), record.headers());
    }

    private static Object required(Struct letter, String field) {
        Object value = Fields.get(letter, field);
        if (value == null) {
            throw new DataException(NAME + ": the dead letter has no " + field + ", which identifies its row");
        }
        return value;
    }

    private static byte[] bytes(Object value) {
        if (value == null || value instanceof byte[]) {
            return (byte[]) value;
        }
        if (value instanceof ByteBuffer) {
            return (byte[]) Fields.keyValue(value);
        }
        throw new DataException(NAME + ": expected bytes, got " + value.getClass().getName());
    }

    /** The bytes as text when they are valid UTF-8, else null (a binary key has no text form). */
    private static String utf8(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }


    @Override
    public String version() {
        return Fields.version();
    }

    @Override
    public ConfigDef config() {
        return CONFIG_DEF;
    }

    @Override
    public void close() {
    }
}
