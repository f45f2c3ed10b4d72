package io.hal9.connectors.transforms;

import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.schemas.serde.AvroTrust;
import io.hal9.schemas.v1.Signal;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * A Kafka Connect transformation that turns a HAL9 result (a {@code Signal} from
 * {@code hal9.results}, read by {@code io.hal9.connectors.converter.Hal9AvroConverter}) into one flat table
 * row, with a column per layer output and hop latency, and keys the row by the record key.
 *
 * <h2>How to use</h2>
 * <pre>
 * key.converter=org.apache.kafka.connect.storage.StringConverter
 * value.converter=io.hal9.connectors.converter.Hal9AvroConverter
 * transforms=rows
 * transforms.rows.type=io.hal9.connectors.transforms.HopColumns
 * transforms.rows.layers=L2,L3,L4
 * # a JDBC sink then upserts by the key column:
 * primary.key.mode=record_key
 * primary.key.fields=record_key
 * </pre>
 *
 * <h2>The row</h2>
 * <table>
 *   <caption>Value columns (all optional)</caption>
 *   <tr><th>column</th><th>type</th><th>from</th></tr>
 *   <tr><td>{@code signal_id}, {@code root_id}, {@code parent_id}</td><td>STRING</td>
 *       <td>the result's ids; {@code root_id} is the id of the signal the producer published</td></tr>
 *   <tr><td>{@code content}</td><td>STRING</td><td>{@code activation.content}: the result itself,
 *       the last layer's answer</td></tr>
 *   <tr><td>{@code metadata}</td><td>STRING</td><td>the producer's metadata, as JSON text</td></tr>
 *   <tr><td>{@code priority}</td><td>STRING</td><td>the lane the signal travelled in: {@code HIGH},
 *       {@code NORMAL} or {@code BULK} ({@code NORMAL} for results written before lanes existed)</td></tr>
 *   <tr><td>{@code created_at}</td><td>Timestamp</td><td>when the producer created the signal</td></tr>
 *   <tr><td>{@code completed_at}</td><td>Timestamp</td><td>when the last hop finished</td></tr>
 *   <tr><td>{@code <layer>_output}, {@code <layer>_model}</td><td>STRING</td><td>per configured
 *       layer ({@code l2_output}, ...): the layer's answer and the Claude model that gave it</td></tr>
 *   <tr><td>{@code <layer>_latency_ms}, {@code <layer>_input_tokens}, {@code <layer>_output_tokens}</td>
 *       <td>INT64</td><td>the hop's Claude latency and tokens</td></tr>
 *   <tr><td>{@code <layer>_cache_hit}</td><td>BOOLEAN</td><td>whether the neuron cache answered</td></tr>
 *   <tr><td>{@code hops}</td><td>INT32</td><td>how many layers handled the signal</td></tr>
 *   <tr><td>{@code total_latency_ms}</td><td>INT64</td><td>the sum of every hop's latency</td></tr>
 * </table>
 * <p><b>Newer Signal versions.</b> A top-level field that this version's {@code Signal} contract
 * does not have (a producer or layer on a newer schema added it) and whose Connect type is
 * primitive (maps and arrays arrive as JSON text) becomes one more optional column, named in
 * snake case ({@code retryCount} → {@code retry_count}). With the JDBC sink's
 * {@code schema.evolution=basic} the table gains that column; rows of older versions leave it null.
 *
 * <p>A layer the signal did not visit leaves its columns null; hops of layers that are not configured
 * count in {@code hops} and {@code total_latency_ms} only. The key becomes a struct with one
 * required column, {@value #KEY_FIELD_DEFAULT} (STRING for a text key, BYTES for a byte-array key).
 * A tombstone (null value) passes unchanged.
 *
 * <h2>Configuration</h2>
 * <ul>
 *   <li>{@value #LAYERS_CONFIG} (default {@value #LAYERS_DEFAULT}): the layers that get columns.</li>
 *   <li>{@value #KEY_FIELD_CONFIG} (default {@value #KEY_FIELD_DEFAULT}): the key column; empty
 *       leaves the key as it is.</li>
 * </ul>
 *
 * <h2>Failures</h2>
 * A value that is not a Struct, hops that are not the JSON text of the {@code Hop} array, or (with
 * a key column) a record without a key raise a {@link DataException}, which Connect's
 * {@code errors.tolerance} and dead letter queue handle.
 */
public final class HopColumns<R extends ConnectRecord<R>> implements Transformation<R>, Versioned {

    public static final String LAYERS_CONFIG = "layers";
    public static final String LAYERS_DEFAULT = "L2,L3,L4";
    public static final String LAYERS_DOC = "The layers that get their own columns (<layer>_output, <layer>_model, "
            + "<layer>_latency_ms, <layer>_cache_hit, <layer>_input_tokens, <layer>_output_tokens), in column order. "
            + "Set it to hal9.layers.chain when the hierarchy runs other layers.";

    public static final String KEY_FIELD_CONFIG = "key.field";
    public static final String KEY_FIELD_DEFAULT = "record_key";
    public static final String KEY_FIELD_DOC = "Column that holds the record key (the producer's key, kept from the "
            + "layer input to the result), the row's primary key with primary.key.mode=record_key. Empty leaves the "
            + "key as the key converter made it.";

    static final String VALUE_SCHEMA_NAME = "io.hal9.connectors.ResultRow";
    static final String KEY_SCHEMA_NAME = "io.hal9.connectors.ResultKey";

    private static final String NAME = "HopColumns";
    /** What a result written before lanes existed travelled in. */
    private static final String NORMAL_LANE = "NORMAL";
    private static final Pattern LAYER = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema OPTIONAL_TIMESTAMP = Timestamp.builder().optional().build();

    private static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(LAYERS_CONFIG, Type.LIST, LAYERS_DEFAULT, Importance.MEDIUM, LAYERS_DOC)
            .define(KEY_FIELD_CONFIG, Type.STRING, KEY_FIELD_DEFAULT, Importance.MEDIUM, KEY_FIELD_DOC);

    /** The top-level fields of the compiled {@code Signal}: everything else is newer and passes through. */
    private static final Set<String> KNOWN_FIELDS = knownFields();

    private Map<String, String> columnPrefixes = Map.of();
    private String keyField = KEY_FIELD_DEFAULT;
    private Schema valueSchema;
    /** Row schema per input schema that carries newer fields, with those fields' columns. */
    private final Map<Schema, Row> evolved = new ConcurrentHashMap<>();
    private volatile Schema keySchema;

    /** A transformation to be configured by {@link #configure}; Connect creates it by class name. */
    public HopColumns() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
        AbstractConfig config = new AbstractConfig(CONFIG_DEF, configs, false);
        Map<String, String> prefixes = new LinkedHashMap<>();
        for (String layer : config.getList(LAYERS_CONFIG)) {
            String name = layer.strip();
            if (!LAYER.matcher(name).matches()) {
                throw new ConfigException(LAYERS_CONFIG, config.getList(LAYERS_CONFIG),
                        "layer '" + name + "' cannot name a column: use letters, digits and _");
            }
            if (prefixes.put(name, name.toLowerCase(Locale.ROOT) + "_") != null) {
                throw new ConfigException(LAYERS_CONFIG, config.getList(LAYERS_CONFIG), "layer " + name + " is listed twice");
            }
        }
        columnPrefixes = Map.copyOf(prefixes);
        keyField = config.getString(KEY_FIELD_CONFIG).strip();
        valueSchema = valueSchema(List.copyOf(prefixes.keySet()), columnPrefixes);
        keySchema = null;
        evolved.clear();
    }

    private static Set<String> knownFields() {
        AvroTrust.ensure(); // before the generated class is first used, as everywhere in HAL9
        return Signal.getClassSchema().getFields().stream()
                .map(org.apache.avro.Schema.Field::name).collect(Collectors.toUnmodifiableSet());
    }

    /** A row schema and the newer input fields it carries, input field name to column. */
    private record Row(Schema schema, Map<String, String> newer) {
    }

    private Row rowFor(Schema input) {
        List<Field> newer = input.fields().stream()
                .filter(f -> !KNOWN_FIELDS.contains(f.name()) && f.schema().type().isPrimitive()).toList();
        if (newer.isEmpty()) {
            return new Row(valueSchema, Map.of());
        }
        return evolved.computeIfAbsent(input, in -> {
            SchemaBuilder row = builder(List.copyOf(columnPrefixes.keySet()), columnPrefixes);
            Map<String, String> columns = new LinkedHashMap<>();
            for (Field field : newer) {
                String column = snakeCase(field.name());
                if (row.field(column) != null) {
                    column = "signal_" + column;
                }
                Schema optional = copyAsOptional(field.schema());
                row.field(column, optional);
                columns.put(field.name(), column);
            }
            return new Row(row.build(), Map.copyOf(columns));
        });
    }

    private static Schema copyAsOptional(Schema schema) {
        SchemaBuilder copy = new SchemaBuilder(schema.type()).optional();
        if (schema.name() != null) {
            copy.name(schema.name());
        }
        if (schema.version() != null) {
            copy.version(schema.version());
        }
        if (schema.parameters() != null) {
            copy.parameters(schema.parameters());
        }
        return copy.build();
    }

    static String snakeCase(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static Schema valueSchema(List<String> layers, Map<String, String> prefixes) {
        return builder(layers, prefixes).build();
    }

    private static SchemaBuilder builder(List<String> layers, Map<String, String> prefixes) {
        SchemaBuilder row = SchemaBuilder.struct().name(VALUE_SCHEMA_NAME)
                .field("signal_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("root_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("parent_id", Schema.OPTIONAL_STRING_SCHEMA)
                .field("content", Schema.OPTIONAL_STRING_SCHEMA)
                .field("metadata", Schema.OPTIONAL_STRING_SCHEMA)
                .field("priority", Schema.OPTIONAL_STRING_SCHEMA)
                .field("created_at", OPTIONAL_TIMESTAMP)
                .field("completed_at", OPTIONAL_TIMESTAMP);
        for (String layer : layers) {
            String p = prefixes.get(layer);
            row.field(p + "output", Schema.OPTIONAL_STRING_SCHEMA)
                    .field(p + "model", Schema.OPTIONAL_STRING_SCHEMA)
                    .field(p + "latency_ms", Schema.OPTIONAL_INT64_SCHEMA)
                    .field(p + "cache_hit", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                    .field(p + "input_tokens", Schema.OPTIONAL_INT64_SCHEMA)
                    .field(p + "output_tokens", Schema.OPTIONAL_INT64_SCHEMA);
        }
        return row.field("hops", Schema.OPTIONAL_INT32_SCHEMA)
                .field("total_latency_ms", Schema.OPTIONAL_INT64_SCHEMA);
    }

    @Override
    public R apply(R record) {
        if (valueSchema == null) {
            throw new IllegalStateException(NAME + " is not configured: call configure() first");
        }
        if (record.value() == null) {
            return record;
        }
        Struct signal = Fields.struct(record.value(), "a result Signal", NAME);
        Row shape = rowFor(signal.schema());
        Schema valueSchema = shape.schema();
        Struct row = new Struct(valueSchema)
                .put("signal_id", Fields.string(signal, "signalId"))
                .put("root_id", Fields.string(signal, "rootId"))
                .put("parent_id", Fields.string(signal, "parentId"))
                .put("metadata", Fields.string(signal, "metadata"))
                .put("priority", Objects.requireNonNullElse(Fields.string(signal, "priority"), NORMAL_LANE))
                .put("created_at", Fields.timestamp(signal, "createdAt", NAME));
        Struct activation = Fields.nested(signal, "activation");
        row.put("content", activation == null ? null : Fields.string(activation, "content"));

        List<JsonNode> hops = hops(Fields.string(signal, "hops"));
        long total = 0;
        Long completedAt = null;
        for (JsonNode hop : hops) {
            total += hop.path("latencyMs").asLong(0);
            if (hop.path("at").isNumber()) {
                completedAt = completedAt == null ? hop.path("at").asLong() : Math.max(completedAt, hop.path("at").asLong());
            }
            String prefix = columnPrefixes.get(hop.path("layer").asText(""));
            if (prefix != null) {
                row.put(prefix + "output", text(hop, "output"))
                        .put(prefix + "model", text(hop, "model"))
                        .put(prefix + "latency_ms", number(hop, "latencyMs"))
                        .put(prefix + "cache_hit", hop.path("cacheHit").isBoolean() ? hop.path("cacheHit").asBoolean() : null)
                        .put(prefix + "input_tokens", number(hop, "inputTokens"))
                        .put(prefix + "output_tokens", number(hop, "outputTokens"));
            }
        }
        row.put("completed_at", completedAt == null ? null : new Date(completedAt))
                .put("hops", hops.size())
                .put("total_latency_ms", total);
        shape.newer().forEach((field, column) -> row.put(column, signal.get(field)));

        if (keyField.isEmpty()) {
            return record.newRecord(record.topic(), record.kafkaPartition(), record.keySchema(), record.key(),
                    valueSchema, row, record.timestamp(), record.headers());
        }
        Schema key = keySchema(record.key());
        return record.newRecord(record.topic(), record.kafkaPartition(), key,
                new Struct(key).put(keyField, Fields.keyValue(record.key())), valueSchema, row, record.timestamp(),
                record.headers());
    }

    private Schema keySchema(Object key) {
        Schema schema = Fields.keySchema(KEY_SCHEMA_NAME, keyField, key, NAME);
        Schema known = keySchema;
        if (known != null && known.equals(schema)) {
            return known;
        }
        keySchema = schema;
        return schema;
    }

    private static List<JsonNode> hops(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        JsonNode array;
        try {
            array = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new DataException(NAME + ": hops is not JSON text: " + e.getOriginalMessage());
        }
        if (!array.isArray()) {
            throw new DataException(NAME + ": hops is not a JSON array of Hop records");
        }
        List<JsonNode> hops = new ArrayList<>(array.size());
        for (JsonNode hop : array) {
            if (!hop.isObject()) {
                throw new DataException(NAME + ": a hop is not a JSON object: " + hop);
            }
            hops.add(hop);
        }
        return hops;
    }


    private static String text(JsonNode hop, String field) {
        JsonNode node = hop.path(field);
        return node.isTextual() ? node.asText() : null;
    }

    private static Long number(JsonNode hop, String field) {
        JsonNode node = hop.path(field);
        return node.isNumber() ? node.asLong() : null;
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
