package io.hal9.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    private static final String TOPIC = "hal9.l2.in";

    private SchemaRegistryServer registry;
    private HttpSchemaRegistryClient client;

    @BeforeEach
    void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        client = new HttpSchemaRegistryClient(registry.url());
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void shouldRoundTripSignalThroughRegistry() {
        // Given a signal with hops, features, a gradient and metadata
        Signal signal = TestRecords.fullSignal();
        Serde<Signal> serde = AvroSerdes.signal(client);

        // When it is written and read back through the registry
        byte[] bytes = serde.serializer().serialize(TOPIC, signal);
        Signal read = serde.deserializer().deserialize(TOPIC, bytes);

        // Then every field survives
        assertThat(read).isEqualTo(signal);
        assertThat(read.getHops()).hasSize(2);
        assertThat(read.getActivation().getFeatures()).containsEntry("urgency", 0.9);
        assertThat(read.getGradient().getAdjustments()).containsExactly("handle overflow", "add a docstring");
    }

    @Test
    void shouldRoundTripDeadLetterThroughRegistry() {
        DeadLetter deadLetter = TestRecords.deadLetter();
        Serde<DeadLetter> serde = AvroSerdes.deadLetter(client);

        DeadLetter read = serde.deserializer().deserialize("hal9.dlq", serde.serializer().serialize("hal9.dlq", deadLetter));

        assertThat(read).isEqualTo(deadLetter);
    }

    @Test
    void shouldWriteConfluentWireFormat() throws Exception {
        Signal signal = TestRecords.fullSignal();

        byte[] bytes = new AvroSerializer<Signal>(client, false).serialize(TOPIC, signal);

        int registeredId = client.latest(TOPIC + "-value").id();
        assertThat(bytes[0]).isEqualTo((byte) 0x00);
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registeredId);
        assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(plainAvro(signal));
    }

    @Test
    void shouldWriteEveryRecordWholeAfterAWriteThatFailedHalfway() throws Exception {
        AvroSerializer<Signal> serializer = new AvroSerializer<>(client, false);
        Signal signal = TestRecords.fullSignal();
        // Given a write that failed after the signal's first fields were encoded
        Signal broken = TestRecords.fullSignal();
        broken.getActivation().setContent(null);
        assertThatThrownBy(() -> serializer.serialize(TOPIC, broken)).isInstanceOf(SerializationException.class);

        // When the same thread writes the next records, a large one among them
        byte[] next = serializer.serialize(TOPIC, signal);
        Signal large = TestRecords.fullSignal();
        large.getActivation().setContent("x".repeat(3 * AvroSerializer.MAX_KEPT_BUFFER_BYTES));
        byte[] afterLarge = serializer.serialize(TOPIC, large);
        byte[] afterThat = serializer.serialize(TOPIC, signal);

        // Then each holds its header and its own encoding, nothing left over from the one before
        assertThat(Arrays.copyOfRange(next, 5, next.length)).isEqualTo(plainAvro(signal));
        assertThat(Arrays.copyOfRange(afterLarge, 5, afterLarge.length)).isEqualTo(plainAvro(large));
        assertThat(afterThat).isEqualTo(next);
        assertThat(WireFormat.schemaId(next)).isEqualTo(client.latest(TOPIC + "-value").id());
    }

    @Test
    void shouldWriteAGenericRecordOfANewerSchemaThatTheGeneratedClassReads() {
        // Given a producer on a newer Signal version, known to it only at run time
        String json = Signal.getClassSchema().toString();
        Schema newer = new Schema.Parser().parse(json.substring(0, json.lastIndexOf(']'))
                + ",{\"name\":\"urgency\",\"type\":\"string\",\"default\":\"normal\"}]}");
        Schema activation = newer.getField("activation").schema();
        GenericRecord record = new GenericRecordBuilder(newer)
                .set("signalId", "newer-1")
                .set("activation", new GenericRecordBuilder(activation).set("content", "from the future").build())
                .set("createdAt", 1_700_000_000_000L)   // a generic record holds timestamp-millis as a long
                .set("urgency", "high")
                .build();

        // When HAL9's serializer writes it
        byte[] bytes = new AvroSerializer<GenericRecord>(client, false).serialize(TOPIC, record);

        // Then it is registered under the topic's subject, and today's Signal reads it
        assertThat(client.latest(TOPIC + "-value").schema()).isEqualTo(newer);
        Signal read = AvroSerdes.signal(client).deserializer().deserialize(TOPIC, bytes);
        assertThat(read.getSignalId()).isEqualTo("newer-1");
        assertThat(read.getActivation().getContent()).isEqualTo("from the future");
        assertThat(read.getCreatedAt()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
    }

    @Test
    void shouldRegisterKeySchemasUnderKeySubject() {
        new AvroSerializer<Signal>(client, true).serialize(TOPIC, TestRecords.fullSignal());

        assertThat(client.latest(TOPIC + "-key").version()).isEqualTo(1);
    }

    @Test
    void shouldMapNullToNullBothWays() {
        Serde<Signal> serde = AvroSerdes.signal(client);

        assertThat(serde.serializer().serialize(TOPIC, null)).isNull();
        assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
        assertThat(registry.requestCount()).isZero();
    }

    @Test
    void shouldRegisterSchemaOnlyOnceForRepeatedSerialization() {
        AvroSerializer<Signal> serializer = new AvroSerializer<>(client, false);
        serializer.serialize(TOPIC, TestRecords.fullSignal());
        long afterFirst = registry.requestCount();

        for (int i = 0; i < 10; i++) {
            serializer.serialize(TOPIC, TestRecords.fullSignal());
        }

        assertThat(afterFirst).isEqualTo(1);
        assertThat(registry.requestCount()).isEqualTo(afterFirst);
    }

    @Test
    void shouldRegisterOnlyOnceAcrossSerializersSharingClient() {
        new AvroSerializer<Signal>(client, false).serialize(TOPIC, TestRecords.fullSignal());
        long afterFirst = registry.requestCount();

        new AvroSerializer<Signal>(client, false).serialize(TOPIC, TestRecords.fullSignal());

        assertThat(registry.requestCount()).isEqualTo(afterFirst);
    }

    @Test
    void shouldFetchWriterSchemaOnlyOnceForRepeatedDeserialization() {
        byte[] bytes = new AvroSerializer<Signal>(new HttpSchemaRegistryClient(registry.url()), false)
                .serialize(TOPIC, TestRecords.fullSignal());
        AvroDeserializer<Signal> deserializer = new AvroDeserializer<>(client, Signal.class);
        deserializer.deserialize(TOPIC, bytes);
        long afterFirst = registry.requestCount();

        for (int i = 0; i < 10; i++) {
            deserializer.deserialize(TOPIC, bytes);
        }

        assertThat(afterFirst).isEqualTo(2); // one registration by the producer, one fetch by id
        assertThat(registry.requestCount()).isEqualTo(afterFirst);
    }

    private static byte[] plainAvro(Signal signal) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(Signal.class).write(signal, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
