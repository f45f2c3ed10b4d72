package io.hal9.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Signal;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AvroDeserializerErrorsTest {

    private static final String TOPIC = "hal9.l1.in";

    private SchemaRegistryServer registry;
    private HttpSchemaRegistryClient client;
    private AvroDeserializer<Signal> deserializer;

    @BeforeEach
    void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        client = new HttpSchemaRegistryClient(registry.url());
        deserializer = new AvroDeserializer<>(client, Signal.class);
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void shouldRejectEmptyRecord() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[0]))
                .isInstanceOf(SerializationException.class)
                .hasMessage("empty record: no bytes to decode");
    }

    @Test
    void shouldRejectRecordShorterThanHeader() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0x00, 0x00, 0x01}))
                .isInstanceOf(SerializationException.class)
                .hasMessage("record of 3 bytes is too short for the wire format header (5 bytes)");
    }

    @Test
    void shouldRejectPlainJsonAsUnknownMagicByte() {
        byte[] json = "{\"activation\":{\"content\":\"hi\"}}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, json))
                .isInstanceOf(SerializationException.class)
                .hasMessage("unknown magic byte 0x7b (expected 0x00: Confluent wire format)");
    }

    @Test
    void shouldRejectWrongMagicByte() {
        byte[] bytes = validSignalBytes();
        bytes[0] = 0x01;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessage("unknown magic byte 0x01 (expected 0x00: Confluent wire format)");
    }

    @Test
    void shouldRejectRandomBytes() {
        byte[] bytes = new byte[64];
        new Random(20261102L).nextBytes(bytes);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("unknown magic byte");
    }

    @Test
    void shouldRejectUnknownSchemaId() {
        byte[] bytes = {0x00, 0x00, 0x00, 0x03, (byte) 0xe7, 0x02, 0x00};

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("unknown schema id 999 (")
                .hasMessageContaining(registry.url())
                .hasMessageContaining("40403");
    }

    @Test
    void shouldRejectTruncatedAvroPayload() {
        byte[] whole = validSignalBytes();
        byte[] truncated = Arrays.copyOf(whole, whole.length - 10);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("truncated or corrupt Avro payload for schema id " + registeredId() + " (");
    }

    @Test
    void shouldRejectRandomPayloadBehindValidHeader() {
        byte[] whole = validSignalBytes();
        byte[] garbage = new byte[40];
        new Random(7L).nextBytes(garbage);
        System.arraycopy(garbage, 0, whole, 5, garbage.length);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, whole))
                .isInstanceOf(SerializationException.class)
                .hasMessageMatching("(?s)(truncated or corrupt Avro payload|trailing bytes after the Avro record)"
                        + " for schema id " + registeredId() + ".*");
    }

    @Test
    void shouldRejectTrailingBytesAfterRecord() {
        byte[] whole = validSignalBytes();
        byte[] padded = Arrays.copyOf(whole, whole.length + 3);

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, padded))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("trailing bytes after the Avro record for schema id " + registeredId());
    }

    @Test
    void shouldRejectWriterSchemaOfAnotherRecordType() {
        byte[] deadLetter = new AvroSerializer<DeadLetter>(client, false).serialize(TOPIC, TestRecords.deadLetter());

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, deadLetter))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("(io.hal9.schemas.v1.DeadLetter) cannot be read as io.hal9.schemas.v1.Signal");
    }

    @Test
    void shouldStillReadGoodRecordsAfterBadOnes() {
        byte[] good = validSignalBytes();
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0x00, 0x00, 0x00, 0x03, (byte) 0xe7}))
                .isInstanceOf(SerializationException.class);

        assertThat(deserializer.deserialize(TOPIC, good)).isEqualTo(TestRecords.fullSignal());
    }

    private byte[] validSignalBytes() {
        return new AvroSerializer<Signal>(client, false).serialize(TOPIC, TestRecords.fullSignal());
    }

    private int registeredId() {
        return client.latest(TOPIC + "-value").id();
    }
}
