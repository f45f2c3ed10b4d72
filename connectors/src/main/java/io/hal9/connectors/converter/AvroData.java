package io.hal9.connectors.converter;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversions;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema.Type;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;

/**
 * The mapping between Avro and Connect that {@link Hal9AvroConverter} applies: schemas both ways
 * and values both ways. Avro values here are generic values without logical-type conversions (as
 * a {@code GenericDatumReader} over {@code GenericData.get()} produces them). The table of the
 * mapping is in the converter's Javadoc. Stateless and thread-safe.
 */
final class AvroData {

    /** On the top-level Connect schema and on JSON-text fields: the Avro schema they came from. */
    static final String AVRO_SCHEMA = "hal9.avro.schema";
    /** On a STRING field holding JSON text: what the text holds, {@code map}, {@code array}, {@code union} or {@code null}. */
    static final String JSON_TEXT = "hal9.avro.json";
    /** On a STRING field that was an Avro enum: its symbols, comma-separated, in order. */
    static final String ENUM_SYMBOLS = "hal9.avro.enum.symbols";
    /** On a BYTES field that was an Avro fixed: its size in bytes. */
    static final String FIXED_SIZE = "hal9.avro.fixed.size";
    /** On an INT32/INT64 field: an Avro logical type that Connect has no type for (e.g. timestamp-micros). */
    static final String LOGICAL_TYPE = "hal9.avro.logical.type";
    /** On a Connect Decimal: its precision (the key the Connect ecosystem reads). */
    static final String DECIMAL_PRECISION = "connect.decimal.precision";
    /** Avro property on an {@code int} derived from a Connect INT8 or INT16, so the type comes back. */
    static final String CONNECT_TYPE = "connect.type";
    /** Namespace of Avro records and enums derived from Connect schemas that carry no usable name. */
    static final String DERIVED_NAMESPACE = "io.hal9.connectors.derived";

    private static final long MILLIS_PER_DAY = 86_400_000L;
    private static final int DEFAULT_DECIMAL_PRECISION = 64;
    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    private AvroData() {
    }

    // ---------------------------------------------------------------- Avro schema -> Connect schema

    /**
     * The Connect schema of records written with {@code avro}: named after the Avro full name,
     * {@code version} as its version (may be null), the Avro schema text in {@link #AVRO_SCHEMA}.
     */
    static Schema toConnectSchema(org.apache.avro.Schema avro, Integer version) {
        SchemaBuilder root = builder(avro, new ArrayDeque<>());
        if (version != null) {
            root.version(version);
        }
        if (root.parameters() == null || !root.parameters().containsKey(AVRO_SCHEMA)) {
            root.parameter(AVRO_SCHEMA, avro.toString());
        }
        return root.build();
    }

    private static Schema fieldSchema(org.apache.avro.Schema.Field field, Deque<String> records) {
        SchemaBuilder builder = builder(field.schema(), records);
        if (field.doc() != null && builder.doc() == null) {
            builder.doc(field.doc());
        }
        // A default is carried only where the Avro value can never be null: Struct.get() returns a
        // field's default in place of null, which would turn a real null into the default.
        boolean canBeNull = field.schema().getType() == Type.NULL
                || (field.schema().getType() == Type.UNION && field.schema().isNullable());
        if (field.hasDefaultValue() && !canBeNull && builder.type() != Schema.Type.STRUCT) {
            Object avroDefault = GenericData.get().getDefaultValue(field);
            builder.defaultValue(toConnectValue(builder, field.schema(), avroDefault));
        }
        return builder.build();
    }

    private static SchemaBuilder builder(org.apache.avro.Schema avro, Deque<String> records) {
        LogicalType logical = avro.getLogicalType();
        return switch (avro.getType()) {
            case RECORD -> {
                if (records.contains(avro.getFullName())) {
                    throw new DataException("recursive Avro record " + avro.getFullName()
                            + " has no Connect equivalent (Connect schemas cannot refer to themselves)");
                }
                records.push(avro.getFullName());
                SchemaBuilder struct = SchemaBuilder.struct().name(avro.getFullName());
                if (avro.getDoc() != null) {
                    struct.doc(avro.getDoc());
                }
                for (org.apache.avro.Schema.Field field : avro.getFields()) {
                    struct.field(field.name(), fieldSchema(field, records));
                }
                records.pop();
                yield struct;
            }
            case ENUM -> {
                SchemaBuilder string = SchemaBuilder.string().name(avro.getFullName())
                        .parameter(ENUM_SYMBOLS, String.join(",", avro.getEnumSymbols()));
                if (avro.getDoc() != null) {
                    string.doc(avro.getDoc());
                }
                yield string;
            }
            case ARRAY, MAP, NULL -> jsonText(avro, avro.getType().getName());
            case UNION -> {
                org.apache.avro.Schema nonNull = nullableBranch(avro);
                if (nonNull != null && isJsonText(nonNull)) {
                    // Keep the union itself as the field's Avro type, so null stays allowed on the way back.
                    yield jsonText(avro, nonNull.getType().getName());
                }
                if (nonNull != null) {
                    yield builder(nonNull, records).optional();
                }
                if (avro.getTypes().size() == 1) {
                    yield builder(avro.getTypes().get(0), records);
                }
                yield jsonText(avro, avro.getType().getName());
            }
            case FIXED -> {
                if (logical instanceof LogicalTypes.Decimal decimal) {
                    yield decimal(decimal);
                }
                yield SchemaBuilder.bytes().name(avro.getFullName())
                        .parameter(FIXED_SIZE, Integer.toString(avro.getFixedSize()));
            }
            case BYTES -> logical instanceof LogicalTypes.Decimal decimal ? decimal(decimal) : SchemaBuilder.bytes();
            case STRING -> SchemaBuilder.string();
            case INT -> {
                if (logical instanceof LogicalTypes.Date) {
                    yield Date.builder();
                }
                if (logical instanceof LogicalTypes.TimeMillis) {
                    yield Time.builder();
                }
                String connectType = avro.getProp(CONNECT_TYPE);
                if ("int8".equals(connectType)) {
                    yield SchemaBuilder.int8();
                }
                if ("int16".equals(connectType)) {
                    yield SchemaBuilder.int16();
                }
                yield logical != null ? SchemaBuilder.int32().parameter(LOGICAL_TYPE, logical.getName())
                        : SchemaBuilder.int32();
            }
            case LONG -> {
                if (logical instanceof LogicalTypes.TimestampMillis) {
                    yield Timestamp.builder();
                }
                yield logical != null ? SchemaBuilder.int64().parameter(LOGICAL_TYPE, logical.getName())
                        : SchemaBuilder.int64();
            }
            case FLOAT -> SchemaBuilder.float32();
            case DOUBLE -> SchemaBuilder.float64();
            case BOOLEAN -> SchemaBuilder.bool();
        };
    }

    private static SchemaBuilder jsonText(org.apache.avro.Schema avro, String holds) {
        return SchemaBuilder.string().optional()
                .parameter(JSON_TEXT, holds)
                .parameter(AVRO_SCHEMA, avro.toString());
    }

    /** Whether values of this Avro type travel as JSON text. */
    private static boolean isJsonText(org.apache.avro.Schema avro) {
        return switch (avro.getType()) {
            case ARRAY, MAP, NULL -> true;
            case UNION -> nullableBranch(avro) == null && avro.getTypes().size() > 1;
            default -> false;
        };
    }

    private static SchemaBuilder decimal(LogicalTypes.Decimal decimal) {
        return Decimal.builder(decimal.getScale())
                .parameter(DECIMAL_PRECISION, Integer.toString(decimal.getPrecision()));
    }

    /** The non-null branch of a two-branch union with {@code null}, else {@code null}. */
    static org.apache.avro.Schema nullableBranch(org.apache.avro.Schema union) {
        List<org.apache.avro.Schema> types = union.getTypes();
        if (types.size() != 2) {
            return null;
        }
        if (types.get(0).getType() == Type.NULL && types.get(1).getType() != Type.NULL) {
            return types.get(1);
        }
        if (types.get(1).getType() == Type.NULL && types.get(0).getType() != Type.NULL) {
            return types.get(0);
        }
        return null;
    }

    // ------------------------------------------------------------------ Avro value -> Connect value

    /** The Connect value of {@code datum}, a generic Avro value of {@code avro}; {@code schema} is its Connect schema. */
    static Object toConnectValue(Schema schema, org.apache.avro.Schema avro, Object datum) {
        if (datum == null) {
            return null;
        }
        LogicalType logical = avro.getLogicalType();
        return switch (avro.getType()) {
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) datum;
                Struct struct = new Struct(schema);
                for (org.apache.avro.Schema.Field field : avro.getFields()) {
                    Field connectField = schema.field(field.name());
                    struct.put(connectField, toConnectValue(connectField.schema(), field.schema(), record.get(field.pos())));
                }
                yield struct;
            }
            case ENUM, STRING -> datum.toString();
            case ARRAY, MAP, NULL -> AvroJson.write(avro, datum);
            case UNION -> {
                org.apache.avro.Schema nonNull = nullableBranch(avro);
                if (nonNull != null) {
                    yield toConnectValue(schema, nonNull, datum);
                }
                if (avro.getTypes().size() == 1) {
                    yield toConnectValue(schema, avro.getTypes().get(0), datum);
                }
                yield AvroJson.write(avro, datum);
            }
            case FIXED -> logical instanceof LogicalTypes.Decimal
                    ? DECIMALS.fromFixed((GenericFixed) datum, avro, logical)
                    : ((GenericFixed) datum).bytes().clone();
            case BYTES -> logical instanceof LogicalTypes.Decimal
                    ? DECIMALS.fromBytes(((ByteBuffer) datum).duplicate(), avro, logical)
                    : bytes((ByteBuffer) datum);
            case INT -> {
                int value = ((Number) datum).intValue();
                if (logical instanceof LogicalTypes.Date) {
                    yield new java.util.Date(value * MILLIS_PER_DAY);
                }
                if (logical instanceof LogicalTypes.TimeMillis) {
                    yield new java.util.Date(value);
                }
                yield switch (schema.type()) {
                    case INT8 -> (byte) value;
                    case INT16 -> (short) value;
                    default -> value;
                };
            }
            case LONG -> logical instanceof LogicalTypes.TimestampMillis
                    ? new java.util.Date(((Number) datum).longValue())
                    : ((Number) datum).longValue();
            case FLOAT -> ((Number) datum).floatValue();
            case DOUBLE -> ((Number) datum).doubleValue();
            case BOOLEAN -> (Boolean) datum;
        };
    }

    /** The remaining bytes of {@code buffer}, copied; the buffer's position is left as it was. */
    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }

    // ---------------------------------------------------------------- Connect schema -> Avro schema

    /**
     * An Avro schema for Connect data of {@code schema} that has no Avro schema of its own: structs
     * become records (named after the Connect name when it is a valid Avro name), optional fields
     * nullable unions, JSON-text fields the Avro type kept in their {@link #AVRO_SCHEMA} parameter.
     */
    static org.apache.avro.Schema toAvroSchema(Schema schema) {
        return new Derivation().avro(schema, "Record");
    }

    /** Derives Avro schemas, keeping one definition per full name. */
    private static final class Derivation {

        private final Map<String, org.apache.avro.Schema> named = new HashMap<>();

        org.apache.avro.Schema avro(Schema schema, String path) {
            String kept = keptAvroSchema(schema);
            if (kept != null) {
                // JSON text is optional by convention: the kept Avro type says whether null is allowed.
                return defineAll(parse(kept, path));
            }
            org.apache.avro.Schema avro = required(schema, path);
            if (!schema.isOptional() || (avro.getType() == Type.UNION && avro.isNullable())) {
                return avro;
            }
            return org.apache.avro.Schema.createUnion(org.apache.avro.Schema.create(Type.NULL), avro);
        }

        private org.apache.avro.Schema required(Schema schema, String path) {
            Map<String, String> parameters = schema.parameters() == null ? Map.of() : schema.parameters();
            String name = schema.name();
            switch (schema.type()) {
                case STRUCT: {
                    String fullName = avroName(name, path);
                    List<org.apache.avro.Schema.Field> fields = new ArrayList<>();
                    for (Field field : schema.fields()) {
                        fields.add(field(field, path));
                    }
                    org.apache.avro.Schema record = org.apache.avro.Schema.createRecord(
                            simpleName(fullName), schema.doc(), namespace(fullName), false, fields);
                    return define(record);
                }
                case STRING: {
                    String symbols = parameters.get(ENUM_SYMBOLS);
                    if (symbols != null) {
                        String fullName = avroName(name, path);
                        return define(org.apache.avro.Schema.createEnum(simpleName(fullName), schema.doc(),
                                namespace(fullName), List.of(symbols.split(","))));
                    }
                    return org.apache.avro.Schema.create(Type.STRING);
                }
                case BYTES: {
                    if (Decimal.LOGICAL_NAME.equals(name)) {
                        int scale = Integer.parseInt(parameters.get(Decimal.SCALE_FIELD));
                        int precision = parameters.containsKey(DECIMAL_PRECISION)
                                ? Integer.parseInt(parameters.get(DECIMAL_PRECISION))
                                : Math.max(DEFAULT_DECIMAL_PRECISION, scale);
                        return LogicalTypes.decimal(precision, scale)
                                .addToSchema(org.apache.avro.Schema.create(Type.BYTES));
                    }
                    String size = parameters.get(FIXED_SIZE);
                    if (size != null) {
                        String fullName = avroName(name, path);
                        return define(org.apache.avro.Schema.createFixed(simpleName(fullName), schema.doc(),
                                namespace(fullName), Integer.parseInt(size)));
                    }
                    return org.apache.avro.Schema.create(Type.BYTES);
                }
                case INT8:
                case INT16: {
                    org.apache.avro.Schema avro = org.apache.avro.Schema.create(Type.INT);
                    avro.addProp(CONNECT_TYPE, schema.type().getName());
                    return avro;
                }
                case INT32:
                    if (Date.LOGICAL_NAME.equals(name)) {
                        return LogicalTypes.date().addToSchema(org.apache.avro.Schema.create(Type.INT));
                    }
                    if (Time.LOGICAL_NAME.equals(name)) {
                        return LogicalTypes.timeMillis().addToSchema(org.apache.avro.Schema.create(Type.INT));
                    }
                    return withLogicalType(org.apache.avro.Schema.create(Type.INT), parameters.get(LOGICAL_TYPE));
                case INT64:
                    if (Timestamp.LOGICAL_NAME.equals(name)) {
                        return LogicalTypes.timestampMillis().addToSchema(org.apache.avro.Schema.create(Type.LONG));
                    }
                    return withLogicalType(org.apache.avro.Schema.create(Type.LONG), parameters.get(LOGICAL_TYPE));
                case FLOAT32:
                    return org.apache.avro.Schema.create(Type.FLOAT);
                case FLOAT64:
                    return org.apache.avro.Schema.create(Type.DOUBLE);
                case BOOLEAN:
                    return org.apache.avro.Schema.create(Type.BOOLEAN);
                case ARRAY:
                    return org.apache.avro.Schema.createArray(avro(schema.valueSchema(), path + "_item"));
                case MAP:
                    if (schema.keySchema().type() == Schema.Type.STRING) {
                        return org.apache.avro.Schema.createMap(avro(schema.valueSchema(), path + "_value"));
                    }
                    return org.apache.avro.Schema.createArray(entry(schema, path + "_entry"));
                default:
                    throw new DataException("Connect type " + schema.type() + " has no Avro equivalent");
            }
        }

        private org.apache.avro.Schema.Field field(Field field, String path) {
            String name = field.name();
            if (!isAvroName(name)) {
                throw new DataException("Connect field \"" + name + "\" is not a valid Avro field name "
                        + "(letters, digits and _, not starting with a digit)");
            }
            Schema schema = field.schema();
            org.apache.avro.Schema avro = avro(schema, path + "_" + name);
            Object defaultValue = schema.defaultValue();
            if (keptAvroSchema(schema) != null) {
                if (defaultValue != null) {
                    Object datum = AvroJson.read(avro, (String) defaultValue, name);
                    return newField(name, avro, schema.doc(), jsonDefault(avro, datum));
                }
                boolean nullFirst = avro.getType() == Type.UNION && avro.getTypes().get(0).getType() == Type.NULL;
                return newField(name, avro, schema.doc(), nullFirst ? JsonProperties.NULL_VALUE : null);
            }
            if (schema.isOptional() && defaultValue == null) {
                return newField(name, avro, schema.doc(), JsonProperties.NULL_VALUE);
            }
            if (defaultValue == null || schema.type() == Schema.Type.STRUCT) {
                return newField(name, avro, schema.doc(), null);
            }
            if (avro.getType() == Type.UNION) {
                // A default must match the union's first branch: put the value's branch first.
                List<org.apache.avro.Schema> types = new ArrayList<>(avro.getTypes());
                org.apache.avro.Schema nullSchema = types.remove(0);
                types.add(nullSchema);
                avro = org.apache.avro.Schema.createUnion(types);
            }
            org.apache.avro.Schema valueSchema = avro.getType() == Type.UNION ? avro.getTypes().get(0) : avro;
            Object datum = toAvroValue(valueSchema, schema, defaultValue, name);
            return newField(name, avro, schema.doc(), jsonDefault(valueSchema, datum));
        }

        /** A field with {@code defaultValue} (a Java object as Avro's Field takes it), or without one if Avro refuses it. */
        private static org.apache.avro.Schema.Field newField(String name, org.apache.avro.Schema avro, String doc,
                Object defaultValue) {
            if (defaultValue != null) {
                try {
                    return new org.apache.avro.Schema.Field(name, avro, doc, defaultValue);
                } catch (AvroRuntimeException e) {
                    // A default Avro cannot hold for this type is left out rather than failing the record.
                }
            }
            return new org.apache.avro.Schema.Field(name, avro, doc);
        }

        private org.apache.avro.Schema entry(Schema map, String path) {
            String fullName = avroName(null, path);
            List<org.apache.avro.Schema.Field> fields = List.of(
                    new org.apache.avro.Schema.Field("key", avro(map.keySchema(), path + "_key")),
                    new org.apache.avro.Schema.Field("value", avro(map.valueSchema(), path + "_value")));
            return define(org.apache.avro.Schema.createRecord(simpleName(fullName), null, namespace(fullName),
                    false, fields));
        }

        /** Registers a named type; one already defined under the name must be identical. */
        private org.apache.avro.Schema define(org.apache.avro.Schema type) {
            org.apache.avro.Schema existing = named.putIfAbsent(type.getFullName(), type);
            if (existing == null) {
                return type;
            }
            if (existing.equals(type)) {
                return existing;
            }
            throw new DataException("Connect schema defines Avro type " + type.getFullName()
                    + " twice with different contents: " + existing + " and " + type);
        }

        private org.apache.avro.Schema defineAll(org.apache.avro.Schema type) {
            switch (type.getType()) {
                case RECORD -> {
                    if (named.get(type.getFullName()) == type) {
                        return type;
                    }
                    define(type);
                    type.getFields().forEach(field -> defineAll(field.schema()));
                }
                case ENUM, FIXED -> define(type);
                case ARRAY -> defineAll(type.getElementType());
                case MAP -> defineAll(type.getValueType());
                case UNION -> type.getTypes().forEach(this::defineAll);
                default -> {
                }
            }
            return type;
        }
    }

    /** The Avro type a JSON-text field was made from, or null for any other Connect schema. */
    private static String keptAvroSchema(Schema schema) {
        Map<String, String> parameters = schema.parameters();
        if (schema.type() != Schema.Type.STRING || parameters == null || !parameters.containsKey(JSON_TEXT)) {
            return null;
        }
        return parameters.get(AVRO_SCHEMA);
    }

    private static org.apache.avro.Schema withLogicalType(org.apache.avro.Schema avro, String logicalType) {
        if (logicalType == null) {
            return avro;
        }
        avro.addProp(LogicalType.LOGICAL_TYPE_PROP, logicalType);
        LogicalType logical = LogicalTypes.fromSchemaIgnoreInvalid(avro);
        return logical == null ? avro : logical.addToSchema(org.apache.avro.Schema.create(avro.getType()));
    }

    private static org.apache.avro.Schema parse(String text, String path) {
        try {
            return new org.apache.avro.Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new DataException("parameter " + AVRO_SCHEMA + " of " + path + " is not an Avro schema: "
                    + e.getMessage());
        }
    }

    /** The Avro JSON default (as a Java object Avro's Field constructor accepts) for a generic value. */
    private static Object jsonDefault(org.apache.avro.Schema avro, Object datum) {
        if (datum == null) {
            return JsonProperties.NULL_VALUE;
        }
        return switch (avro.getType()) {
            case RECORD -> {
                Map<String, Object> record = new LinkedHashMap<>();
                for (org.apache.avro.Schema.Field field : avro.getFields()) {
                    record.put(field.name(), jsonDefault(field.schema(), ((IndexedRecord) datum).get(field.pos())));
                }
                yield record;
            }
            case MAP -> {
                Map<String, Object> map = new LinkedHashMap<>();
                ((Map<?, ?>) datum).forEach((key, value) -> map.put(key.toString(), jsonDefault(avro.getValueType(), value)));
                yield map;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (Object element : (Iterable<?>) datum) {
                    list.add(jsonDefault(avro.getElementType(), element));
                }
                yield list;
            }
            case UNION -> jsonDefault(avro.getTypes().get(GenericData.get().resolveUnion(avro, datum)), datum);
            case ENUM, STRING -> datum.toString();
            case BYTES -> bytes((ByteBuffer) datum);
            case FIXED -> ((GenericFixed) datum).bytes();
            default -> datum;
        };
    }

    private static String avroName(String connectName, String path) {
        if (connectName != null && isAvroFullName(connectName)) {
            return connectName;
        }
        return DERIVED_NAMESPACE + "." + path.replaceAll("[^A-Za-z0-9_]", "_");
    }

    private static String simpleName(String fullName) {
        return fullName.substring(fullName.lastIndexOf('.') + 1);
    }

    private static String namespace(String fullName) {
        int dot = fullName.lastIndexOf('.');
        return dot < 0 ? null : fullName.substring(0, dot);
    }

    private static boolean isAvroFullName(String name) {
        for (String part : name.split("\\.", -1)) {
            if (!isAvroName(part)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAvroName(String name) {
        return name.matches("[A-Za-z_][A-Za-z0-9_]*");
    }

    // ------------------------------------------------------------------ Connect value -> Avro value

    /**
     * The generic Avro value of {@code avro} for {@code value}, a Connect value of {@code schema}
     * (already validated against it); {@code path} names the value in errors.
     */
    static Object toAvroValue(org.apache.avro.Schema avro, Schema schema, Object value, String path) {
        if (value == null) {
            return null;
        }
        LogicalType logical = avro.getLogicalType();
        switch (avro.getType()) {
            case UNION: {
                org.apache.avro.Schema nonNull = nullableBranch(avro);
                if (nonNull != null) {
                    return toAvroValue(nonNull, schema, value, path);
                }
                if (avro.getTypes().size() == 1) {
                    return toAvroValue(avro.getTypes().get(0), schema, value, path);
                }
                return AvroJson.read(avro, text(value, path), path);
            }
            case NULL:
                return AvroJson.read(avro, text(value, path), path);
            case RECORD: {
                Struct struct = (Struct) value;
                GenericData.Record record = new GenericData.Record(avro);
                for (org.apache.avro.Schema.Field field : avro.getFields()) {
                    Field connectField = struct.schema().field(field.name());
                    if (connectField == null) {
                        throw new DataException(path + ": Connect struct has no field " + field.name()
                                + " for Avro record " + avro.getFullName());
                    }
                    record.put(field.pos(), toAvroValue(field.schema(), connectField.schema(),
                            struct.get(connectField), path + "." + field.name()));
                }
                return record;
            }
            case ENUM: {
                String symbol = value.toString();
                if (!avro.hasEnumSymbol(symbol)) {
                    throw new DataException(path + ": \"" + symbol + "\" is not a symbol of enum "
                            + avro.getFullName() + " " + avro.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(avro, symbol);
            }
            case ARRAY: {
                if (value instanceof String text) {
                    return AvroJson.read(avro, text, path);
                }
                if (schema.type() == Schema.Type.MAP) {
                    List<Object> entries = new ArrayList<>();
                    org.apache.avro.Schema entry = avro.getElementType();
                    for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                        GenericData.Record record = new GenericData.Record(entry);
                        record.put("key", toAvroValue(entry.getField("key").schema(), schema.keySchema(),
                                e.getKey(), path + ".key"));
                        record.put("value", toAvroValue(entry.getField("value").schema(), schema.valueSchema(),
                                e.getValue(), path + "[" + e.getKey() + "]"));
                        entries.add(record);
                    }
                    return new GenericData.Array<>(avro, entries);
                }
                List<?> list = (List<?>) value;
                List<Object> elements = new ArrayList<>(list.size());
                for (int i = 0; i < list.size(); i++) {
                    elements.add(toAvroValue(avro.getElementType(), schema.valueSchema(), list.get(i),
                            path + "[" + i + "]"));
                }
                return new GenericData.Array<>(avro, elements);
            }
            case MAP: {
                if (value instanceof String text) {
                    return AvroJson.read(avro, text, path);
                }
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    map.put(e.getKey().toString(), toAvroValue(avro.getValueType(), schema.valueSchema(),
                            e.getValue(), path + "." + e.getKey()));
                }
                return map;
            }
            case FIXED: {
                if (logical instanceof LogicalTypes.Decimal decimal) {
                    return DECIMALS.toFixed(scaled((BigDecimal) value, decimal, path), avro, logical);
                }
                byte[] bytes = value instanceof ByteBuffer buffer ? bytes(buffer) : (byte[]) value;
                if (bytes.length != avro.getFixedSize()) {
                    throw new DataException(path + ": " + bytes.length + " bytes for fixed " + avro.getFullName()
                            + " of size " + avro.getFixedSize());
                }
                return new GenericData.Fixed(avro, bytes.clone());
            }
            case BYTES: {
                if (logical instanceof LogicalTypes.Decimal decimal) {
                    return DECIMALS.toBytes(scaled((BigDecimal) value, decimal, path), avro, logical);
                }
                return ByteBuffer.wrap(value instanceof ByteBuffer buffer ? bytes(buffer) : ((byte[]) value).clone());
            }
            case STRING:
                return value.toString();
            case INT:
                if (value instanceof java.util.Date date) {
                    if (logical instanceof LogicalTypes.Date) {
                        return Date.fromLogical(Date.SCHEMA, date);
                    }
                    return Time.fromLogical(Time.SCHEMA, date);
                }
                return ((Number) value).intValue();
            case LONG:
                if (value instanceof java.util.Date date) {
                    return date.getTime();
                }
                return ((Number) value).longValue();
            case FLOAT:
                return ((Number) value).floatValue();
            case DOUBLE:
                return ((Number) value).doubleValue();
            case BOOLEAN:
                return value;
            default:
                throw new DataException(path + ": Avro type " + avro.getType() + " is not supported");
        }
    }

    private static String text(Object value, String path) {
        if (value instanceof String text) {
            return text;
        }
        throw new DataException(path + ": expected JSON text, found " + value.getClass().getSimpleName());
    }

    private static BigDecimal scaled(BigDecimal value, LogicalTypes.Decimal decimal, String path) {
        try {
            return value.setScale(decimal.getScale());
        } catch (ArithmeticException e) {
            throw new DataException(path + ": " + value.toPlainString() + " does not fit decimal scale "
                    + decimal.getScale());
        }
    }
}
