package io.hal9.topology.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.serde.WireFormat;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Signals as a producer on a newer version of the contract writes them: today's {@link Signal} plus
 * {@code ticket} (optional string, default null) and {@code urgency} (int, default 3), the way a
 * team adds fields of its own (backward compatible, so the registry accepts it as a new version of
 * the subject).
 */
public final class NewerSignals {

    /** Today's {@link Signal} with the two fields appended. */
    public static final Schema SCHEMA = withFields(
            "{\"name\":\"ticket\",\"type\":[\"null\",\"string\"],\"default\":null,\"doc\":\"The producer's ticket.\"}",
            "{\"name\":\"urgency\",\"type\":\"int\",\"default\":3}");

    /** The Signal of before lanes: today's without {@code priority}, as an older producer still writes it. */
    public static final Schema BEFORE_LANES = without("priority");

    private NewerSignals() {
    }

    /** Today's Signal schema without the named top-level fields. */
    public static Schema without(String... names) {
        Schema today = Signal.getClassSchema();
        List<Schema.Field> fields = today.getFields().stream().filter(f -> !List.of(names).contains(f.name()))
                .map(f -> new Schema.Field(f, f.schema())).toList();
        return Schema.createRecord(today.getName(), today.getDoc(), today.getNamespace(), false, fields);
    }

    /** {@code signal} as a record of an older {@code schema}: the fields that schema has, copied. */
    public static GenericRecord older(Signal signal, Schema schema) {
        GenericRecord copy = decode(specificBytes(signal), Signal.getClassSchema());
        GenericRecordBuilder builder = new GenericRecordBuilder(schema);
        schema.getFields().forEach(field -> builder.set(field.name(), copy.get(field.name())));
        return builder.build();
    }

    /** Today's Signal schema with the given field definitions (JSON) appended at the top level. */
    public static Schema withFields(String... fields) {
        String json = Signal.getClassSchema().toString();
        return new Schema.Parser().parse(json.substring(0, json.lastIndexOf(']')) + "," + String.join(",", fields)
                + "]}");
    }

    /** {@code signal} as a record of {@code schema}: its fields copied, the rest at their defaults. */
    public static GenericRecord of(Signal signal, Schema schema) {
        GenericRecord copy = decode(specificBytes(signal), Signal.getClassSchema());
        GenericRecordBuilder builder = new GenericRecordBuilder(schema);
        Signal.getClassSchema().getFields().forEach(field -> builder.set(field.name(), copy.get(field.name())));
        return builder.build();
    }

    /** {@code record} in the wire format, its schema registered under {@code topic}'s value subject. */
    public static byte[] serialize(SchemaRegistryClient registry, String topic, GenericRecord record) {
        int id = registry.register(WireFormat.subject(topic, false), record.getSchema());
        ByteArrayOutputStream out = WireFormat.header(id);
        write(new GenericDatumWriter<>(record.getSchema()), record, out);
        return out.toByteArray();
    }

    /** A wire-format value read with its own writer schema (from the registry), every field kept. */
    public static GenericRecord read(SchemaRegistryClient registry, byte[] value) {
        Schema writer = registry.schemaById(WireFormat.schemaId(value));
        try {
            return new GenericDatumReader<GenericRecord>(writer).read(null, DecoderFactory.get()
                    .binaryDecoder(value, WireFormat.HEADER_SIZE, value.length - WireFormat.HEADER_SIZE, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static GenericRecord decode(byte[] avro, Schema schema) {
        try {
            return new GenericDatumReader<GenericRecord>(schema, schema, GenericData.get())
                    .read(null, DecoderFactory.get().binaryDecoder(avro, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] specificBytes(Signal signal) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(new SpecificDatumWriter<>(Signal.class), signal, out);
        return Arrays.copyOf(out.toByteArray(), out.size());
    }

    private static <T> void write(org.apache.avro.io.DatumWriter<T> writer, T datum, ByteArrayOutputStream out) {
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            writer.write(datum, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
