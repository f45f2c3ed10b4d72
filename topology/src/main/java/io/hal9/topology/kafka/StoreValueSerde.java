package io.hal9.topology.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import io.hal9.schemas.serde.AvroTrust;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The value format of HAL9's state stores: one format byte ({@value #FORMAT_V1}), then the Avro
 * binary encoding of the record with the schema compiled into this version. Changelog topics hold
 * these bytes, so a new format gets a new format byte and readers keep reading the old ones. No
 * schema registry is involved: a store is private to its application.
 */
public class StoreValueSerde<T extends SpecificRecord> implements Serde<T> {

    static final byte FORMAT_V1 = 1;

    static {
        AvroTrust.ensure();
    }

    private final String what;
    private final SpecificDatumWriter<T> writer;
    private final SpecificDatumReader<T> reader;

    /** @param what how errors name an entry, e.g. "in-flight store entry" */
    public StoreValueSerde(Class<T> type, String what) {
        this.what = what;
        this.writer = new SpecificDatumWriter<>(type);
        this.reader = new SpecificDatumReader<>(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : encode(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }

    private synchronized byte[] encode(T value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(FORMAT_V1);
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            writer.write(value, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private synchronized T decode(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != FORMAT_V1) {
            throw new SerializationException(what + " has unknown format "
                    + (bytes.length == 0 ? "(empty)" : String.format("0x%02x", bytes[0])));
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("corrupt " + what + ": " + e, e);
        }
    }
}
