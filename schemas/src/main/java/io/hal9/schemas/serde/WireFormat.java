package io.hal9.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * HAL9's wire format, Confluent's framing: byte 0 is the magic byte {@code 0x00}, bytes 1–4 the
 * writer schema's registry id (big-endian), the rest the record's Avro binary encoding. The one
 * place that reads and writes that header, and names the registry subject a topic's schemas live
 * under, for the serde, the Kafka Connect converter and the contracts HAL9 registers.
 */
public final class WireFormat {

    /** The magic byte. */
    public static final byte MAGIC_BYTE = 0x0;
    /** Magic byte plus the 4-byte schema id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /**
     * The writer schema id in the header of {@code data}.
     *
     * @throws SerializationException saying why {@code data} is not in the wire format: empty,
     *     another magic byte, or shorter than the header
     */
    public static int schemaId(byte[] data) {
        if (data.length == 0) {
            throw new SerializationException("empty record: no bytes to decode");
        }
        if (data[0] != MAGIC_BYTE) {
            throw new SerializationException(String.format(
                    "unknown magic byte 0x%02x (expected 0x00: Confluent wire format)", data[0] & 0xff));
        }
        if (data.length < HEADER_SIZE) {
            throw new SerializationException("record of " + data.length
                    + " bytes is too short for the wire format header (" + HEADER_SIZE + " bytes)");
        }
        return ByteBuffer.wrap(data, 1, 4).getInt();
    }

    /** A buffer holding the header for schema {@code id}, ready for the Avro binary encoding. */
    public static ByteArrayOutputStream header(int id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        writeHeader(out, id);
        return out;
    }

    /** Writes the header for schema {@code id} to {@code out}. */
    public static void writeHeader(ByteArrayOutputStream out, int id) {
        out.write(MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
    }

    /** The registry subject of a topic's keys or values: {@code <topic>-key} or {@code <topic>-value}. */
    public static String subject(String topic, boolean isKey) {
        return topic + (isKey ? "-key" : "-value");
    }
}
