package io.hal9.topology;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

import io.hal9.schemas.serde.AvroTrust;
import io.hal9.schemas.v1.PendingSignal;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The in-flight store's value format: one format byte ({@value #FORMAT_V1}), then the Avro binary
 * encoding of {@link PendingSignal}. The changelog topic holds these bytes, so a new format gets a
 * new format byte and readers keep reading the old ones.
 */
public final class PendingSignalSerde implements Serde<PendingSignal> {

    static final byte FORMAT_V1 = 1;

    static {
        AvroTrust.ensure();
    }

    private final SpecificDatumWriter<PendingSignal> writer = new SpecificDatumWriter<>(PendingSignal.class);
    private final SpecificDatumReader<PendingSignal> reader = new SpecificDatumReader<>(PendingSignal.class);

    @Override
    public Serializer<PendingSignal> serializer() {
        return (topic, value) -> value == null ? null : encode(value);
    }

    @Override
    public Deserializer<PendingSignal> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }

    private synchronized byte[] encode(PendingSignal value) {
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

    private synchronized PendingSignal decode(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != FORMAT_V1) {
            throw new SerializationException("in-flight store entry has unknown format "
                    + (bytes.length == 0 ? "(empty)" : String.format("0x%02x", bytes[0])));
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 1, bytes.length - 1, null);
        try {
            return reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("corrupt in-flight store entry: " + e, e);
        }
    }
}
