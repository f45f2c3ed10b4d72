package io.hal9.connectors.transforms;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Date;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/** Reading fields of the Structs {@code Hal9AvroConverter} produces, and the record key as a row's key column. */
final class Fields {

    private Fields() {
    }

    /** The version a Connect worker reports for HAL9's transformations: the connectors jar's. */
    static String version() {
        String version = Fields.class.getPackage().getImplementationVersion();
        return version != null ? version : "unknown";
    }

    /** The struct a transformation reads, or a {@link DataException} naming what it got instead. */
    static Struct struct(Object value, String what, String transform) {
        if (value instanceof Struct struct) {
            return struct;
        }
        throw new DataException(transform + " expects " + what + " as a Struct (value.converter="
                + "io.hal9.connectors.converter.Hal9AvroConverter), got " + (value == null ? "null" : value.getClass().getName()));
    }

    /** The value of {@code name}, or null when the struct's schema has no such field (an older or newer schema). */
    static Object get(Struct struct, String name) {
        Field field = struct.schema().field(name);
        return field == null ? null : struct.get(field);
    }

    static String string(Struct struct, String name) {
        Object value = get(struct, name);
        return value == null ? null : value.toString();
    }

    /** A Connect Timestamp field (or epoch milliseconds) as a Date, null when absent. */
    static Date timestamp(Struct struct, String name, String transform) {
        Object value = get(struct, name);
        if (value == null || value instanceof Date) {
            return (Date) value;
        }
        if (value instanceof Number millis) {
            return new Date(millis.longValue());
        }
        throw new DataException(transform + ": " + name + " is neither a Timestamp nor epoch milliseconds: " + value);
    }

    static Struct nested(Struct struct, String name) {
        Object value = get(struct, name);
        return value instanceof Struct nested ? nested : null;
    }

    /** The key schema of a row keyed by {@code field}: the record key as its only, required column. */
    static Schema keySchema(String name, String field, Object key, String transform) {
        Schema.Type type = keyType(key, transform);
        return SchemaBuilder.struct().name(name)
                .field(field, type == Schema.Type.BYTES ? Schema.BYTES_SCHEMA : Schema.STRING_SCHEMA)
                .build();
    }

    /** The record key as the value of the key column: text as it is, bytes (ByteArrayConverter) as bytes. */
    static Object keyValue(Object key) {
        if (key instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return bytes;
        }
        return key instanceof byte[] bytes ? Arrays.copyOf(bytes, bytes.length) : key;
    }

    private static Schema.Type keyType(Object key, String transform) {
        if (key == null) {
            throw new DataException(transform + ": the record has no key, and rows are upserted by the record key;"
                    + " publish signals with a key to see their results as rows");
        }
        if (key instanceof String) {
            return Schema.Type.STRING;
        }
        if (key instanceof byte[] || key instanceof ByteBuffer) {
            return Schema.Type.BYTES;
        }
        throw new DataException(transform + ": a record key of type " + key.getClass().getName()
                + " cannot be a key column; use key.converter=org.apache.kafka.connect.storage.StringConverter"
                + " (text) or org.apache.kafka.connect.converters.ByteArrayConverter (bytes)");
    }
}
