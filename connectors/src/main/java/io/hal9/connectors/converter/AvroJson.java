package io.hal9.connectors.converter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.errors.DataException;

/**
 * The JSON text that carries Avro maps, arrays and multi-branch unions in a Connect STRING field,
 * and its reverse.
 *
 * <p>Values are written as plain JSON: records and maps as objects (record fields in schema order),
 * arrays as arrays, strings and enum symbols as strings, numbers as numbers, {@code bytes} and
 * {@code fixed} as base64 strings, decimals as exact JSON numbers, other logical types as their
 * underlying Avro value ({@code timestamp-millis} as epoch milliseconds, {@code date} as days since
 * the epoch). A float or double that JSON cannot hold is the string {@code "NaN"},
 * {@code "Infinity"} or {@code "-Infinity"}. A nullable union ({@code ["null", X]}) is written as
 * {@code null} or the bare X value; any other union as a one-key object naming the branch, as in
 * Avro's JSON encoding: {@code {"string": "x"}}, {@code {"io.hal9.schemas.v1.Hop": {...}}}.
 * Reading accepts exactly that form and fills record fields that are missing with their defaults.
 */
final class AvroJson {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

    private AvroJson() {
    }

    /** The JSON text of {@code datum}, a generic Avro value of {@code schema} without logical-type conversions. */
    static String write(Schema schema, Object datum) {
        StringWriter out = new StringWriter();
        try (JsonGenerator json = FACTORY.createGenerator(out)) {
            json.enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
            writeValue(json, schema, datum);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON to a string", e);
        }
        return out.toString();
    }

    /** The generic Avro value of {@code schema} that {@code text} holds; {@code path} names it in errors. */
    static Object read(Schema schema, String text, String path) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new DataException(path + ": not JSON text (" + e.getOriginalMessage() + ")");
        }
        return readValue(schema, node, path);
    }

    private static void writeValue(JsonGenerator json, Schema schema, Object datum) throws IOException {
        switch (schema.getType()) {
            case NULL -> json.writeNull();
            case BOOLEAN -> json.writeBoolean((Boolean) datum);
            case INT -> json.writeNumber(((Number) datum).intValue());
            case LONG -> json.writeNumber(((Number) datum).longValue());
            case FLOAT -> {
                float value = ((Number) datum).floatValue();
                if (Float.isFinite(value)) {
                    json.writeNumber(value);
                } else {
                    json.writeString(Float.toString(value));
                }
            }
            case DOUBLE -> {
                double value = ((Number) datum).doubleValue();
                if (Double.isFinite(value)) {
                    json.writeNumber(value);
                } else {
                    json.writeString(Double.toString(value));
                }
            }
            case STRING, ENUM -> json.writeString(datum.toString());
            case BYTES -> {
                ByteBuffer buffer = (ByteBuffer) datum;
                if (isDecimal(schema)) {
                    json.writeNumber(DECIMALS.fromBytes(buffer.duplicate(), schema, schema.getLogicalType()));
                } else {
                    json.writeString(Base64.getEncoder().encodeToString(AvroData.bytes(buffer)));
                }
            }
            case FIXED -> {
                GenericFixed fixed = (GenericFixed) datum;
                if (isDecimal(schema)) {
                    json.writeNumber(DECIMALS.fromFixed(fixed, schema, schema.getLogicalType()));
                } else {
                    json.writeString(Base64.getEncoder().encodeToString(fixed.bytes()));
                }
            }
            case ARRAY -> {
                json.writeStartArray();
                for (Object element : (Iterable<?>) datum) {
                    writeValue(json, schema.getElementType(), element);
                }
                json.writeEndArray();
            }
            case MAP -> {
                json.writeStartObject();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) datum).entrySet()) {
                    json.writeFieldName(entry.getKey().toString());
                    writeValue(json, schema.getValueType(), entry.getValue());
                }
                json.writeEndObject();
            }
            case RECORD -> {
                IndexedRecord record = (IndexedRecord) datum;
                json.writeStartObject();
                for (Schema.Field field : schema.getFields()) {
                    json.writeFieldName(field.name());
                    writeValue(json, field.schema(), record.get(field.pos()));
                }
                json.writeEndObject();
            }
            case UNION -> {
                Schema branch = schema.getTypes().get(GenericData.get().resolveUnion(schema, datum));
                if (branch.getType() == Schema.Type.NULL) {
                    json.writeNull();
                } else if (AvroData.nullableBranch(schema) != null) {
                    writeValue(json, branch, datum);
                } else {
                    json.writeStartObject();
                    json.writeFieldName(branchName(branch));
                    writeValue(json, branch, datum);
                    json.writeEndObject();
                }
            }
        }
    }

    private static Object readValue(Schema schema, JsonNode node, String path) {
        if (node == null || node.isNull()) {
            if (schema.getType() == Schema.Type.NULL
                    || (schema.getType() == Schema.Type.UNION && schema.isNullable())) {
                return null;
            }
            throw mismatch(path, schema, "null");
        }
        switch (schema.getType()) {
            case NULL:
                throw mismatch(path, schema, node.getNodeType().toString().toLowerCase());
            case BOOLEAN:
                if (node.isBoolean()) {
                    return node.booleanValue();
                }
                break;
            case INT:
                if (node.isIntegralNumber() && node.canConvertToInt()) {
                    return node.intValue();
                }
                break;
            case LONG:
                if (node.isIntegralNumber() && node.canConvertToLong()) {
                    return node.longValue();
                }
                break;
            case FLOAT:
                if (node.isNumber()) {
                    return node.floatValue();
                }
                if (isNonFinite(node)) {
                    return Float.parseFloat(node.textValue());
                }
                break;
            case DOUBLE:
                if (node.isNumber()) {
                    return node.doubleValue();
                }
                if (isNonFinite(node)) {
                    return Double.parseDouble(node.textValue());
                }
                break;
            case STRING:
                if (node.isTextual()) {
                    return node.textValue();
                }
                break;
            case ENUM:
                if (node.isTextual()) {
                    if (!schema.hasEnumSymbol(node.textValue())) {
                        throw new DataException(path + ": \"" + node.textValue() + "\" is not a symbol of enum "
                                + schema.getFullName() + " " + schema.getEnumSymbols());
                    }
                    return new GenericData.EnumSymbol(schema, node.textValue());
                }
                break;
            case BYTES:
                if (isDecimal(schema) && node.isNumber()) {
                    return DECIMALS.toBytes(decimal(node.decimalValue(), schema, path), schema, schema.getLogicalType());
                }
                if (!isDecimal(schema) && node.isTextual()) {
                    return ByteBuffer.wrap(base64(node.textValue(), path));
                }
                break;
            case FIXED:
                if (isDecimal(schema) && node.isNumber()) {
                    return DECIMALS.toFixed(decimal(node.decimalValue(), schema, path), schema, schema.getLogicalType());
                }
                if (!isDecimal(schema) && node.isTextual()) {
                    byte[] bytes = base64(node.textValue(), path);
                    if (bytes.length != schema.getFixedSize()) {
                        throw new DataException(path + ": " + bytes.length + " bytes for fixed " + schema.getFullName()
                                + " of size " + schema.getFixedSize());
                    }
                    return new GenericData.Fixed(schema, bytes);
                }
                break;
            case ARRAY:
                if (node.isArray()) {
                    List<Object> elements = new ArrayList<>(node.size());
                    for (int i = 0; i < node.size(); i++) {
                        elements.add(readValue(schema.getElementType(), node.get(i), path + "[" + i + "]"));
                    }
                    return new GenericData.Array<>(schema, elements);
                }
                break;
            case MAP:
                if (node.isObject()) {
                    Map<String, Object> map = new LinkedHashMap<>();
                    for (Map.Entry<String, JsonNode> entry : node.properties()) {
                        map.put(entry.getKey(), readValue(schema.getValueType(), entry.getValue(),
                                path + "." + entry.getKey()));
                    }
                    return map;
                }
                break;
            case RECORD:
                if (node.isObject()) {
                    GenericData.Record record = new GenericData.Record(schema);
                    for (Schema.Field field : schema.getFields()) {
                        JsonNode child = node.get(field.name());
                        if (child == null && field.hasDefaultValue()) {
                            record.put(field.pos(), GenericData.get().deepCopy(field.schema(),
                                    GenericData.get().getDefaultValue(field)));
                        } else if (child == null) {
                            throw new DataException(path + "." + field.name() + ": missing, and field "
                                    + field.name() + " of " + schema.getFullName() + " has no default");
                        } else {
                            record.put(field.pos(), readValue(field.schema(), child, path + "." + field.name()));
                        }
                    }
                    return record;
                }
                break;
            case UNION:
                Schema nonNull = AvroData.nullableBranch(schema);
                if (nonNull != null) {
                    return readValue(nonNull, node, path);
                }
                if (node.isObject() && node.size() == 1) {
                    String name = node.fieldNames().next();
                    for (Schema branch : schema.getTypes()) {
                        if (branchName(branch).equals(name)) {
                            return readValue(branch, node.get(name), path + "." + name);
                        }
                    }
                }
                throw new DataException(path + ": a value of union " + schema + " must be null or an object "
                        + "with one key naming the branch, e.g. {\"" + branchName(schema.getTypes().get(0))
                        + "\": ...}");
            default:
                break;
        }
        throw mismatch(path, schema, node.getNodeType().toString().toLowerCase());
    }

    /** The key of a union branch in JSON: the full name of a named type, else the type's name. */
    static String branchName(Schema branch) {
        return switch (branch.getType()) {
            case RECORD, ENUM, FIXED -> branch.getFullName();
            default -> branch.getType().getName();
        };
    }

    private static boolean isDecimal(Schema schema) {
        return schema.getLogicalType() instanceof LogicalTypes.Decimal;
    }

    private static BigDecimal decimal(BigDecimal value, Schema schema, String path) {
        int scale = ((LogicalTypes.Decimal) schema.getLogicalType()).getScale();
        try {
            return value.setScale(scale);
        } catch (ArithmeticException e) {
            throw new DataException(path + ": " + value.toPlainString() + " does not fit decimal scale " + scale);
        }
    }

    private static boolean isNonFinite(JsonNode node) {
        return node.isTextual() && switch (node.textValue()) {
            case "NaN", "Infinity", "-Infinity" -> true;
            default -> false;
        };
    }

    private static byte[] base64(String text, String path) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new DataException(path + ": not base64 (" + e.getMessage() + ")");
        }
    }

    private static DataException mismatch(String path, Schema schema, String found) {
        LogicalType logical = schema.getLogicalType();
        String expected = logical != null ? logical.getName() + " (" + schema.getType().getName() + ")"
                : schema.getType() == Schema.Type.UNION ? "union " + schema : schemaLabel(schema);
        return new DataException(path + ": expected " + expected + ", found " + found);
    }

    private static String schemaLabel(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getType().getName() + " " + schema.getFullName();
            default -> schema.getType().getName();
        };
    }
}
