package io.hal9.connectors.transforms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A dead letter read by the converter, turned into one row identified by the failed record's origin. */
class DeadLetterColumnsTest {

    private static final String TOPIC = "hal9.dlq";
    private static final Instant FIRST = Instant.parse("2026-11-02T10:00:00Z");

    private ConvertedRecords records;
    private DeadLetterColumns<SinkRecord> transform;

    @BeforeEach
    void start() {
        records = new ConvertedRecords();
        transform = new DeadLetterColumns<>();
        transform.configure(Map.of());
    }

    @AfterEach
    void stop() {
        transform.close();
        records.close();
    }

    @Test
    void shouldMapEveryDeadLetterFieldToASnakeCaseColumn() {
        byte[] value = {1, 2, 3};
        SinkRecord record = records.record(TOPIC, "order-42".getBytes(StandardCharsets.UTF_8),
                letter("order-42".getBytes(StandardCharsets.UTF_8), value));

        SinkRecord row = transform.apply(record);
        Struct columns = (Struct) row.value();

        assertThat(row.valueSchema().fields()).extracting(Field::name).containsExactly(
                "source_topic", "source_partition", "source_offset", "layer", "category", "reason", "attempts",
                "first_failure_at", "last_failure_at", "signal_id", "root_id", "record_key", "original_key",
                "original_value");
        assertThat(columns.getString("source_topic")).isEqualTo("hal9.signals.l2");
        assertThat(columns.getInt32("source_partition")).isEqualTo(5);
        assertThat(columns.getInt64("source_offset")).isEqualTo(1234L);
        assertThat(columns.getString("layer")).isEqualTo("L2");
        assertThat(columns.getString("category")).isEqualTo("RATE_LIMITED");
        assertThat(columns.getString("reason")).isEqualTo("429 after 10 attempts");
        assertThat(columns.getInt32("attempts")).isEqualTo(10);
        assertThat(columns.get("first_failure_at")).isEqualTo(Date.from(FIRST));
        assertThat(columns.get("last_failure_at")).isEqualTo(Date.from(FIRST.plusSeconds(60)));
        assertThat(columns.getString("signal_id")).isEqualTo("s-1");
        assertThat(columns.getString("root_id")).isEqualTo("r-1");
        assertThat(columns.getString("record_key")).isEqualTo("order-42");
        assertThat(columns.getBytes("original_key")).isEqualTo("order-42".getBytes(StandardCharsets.UTF_8));
        assertThat(columns.getBytes("original_value")).isEqualTo(value);
        // the primary key columns can never be null; the record key passes unchanged
        assertThat(row.valueSchema().field("source_offset").schema().isOptional()).isFalse();
        assertThat(row.key()).isEqualTo(record.key());
    }

    @Test
    void shouldShowABinaryKeyOnlyAsBytes() {
        byte[] key = {(byte) 0xc3, (byte) 0x28};   // not UTF-8

        Struct columns = (Struct) transform.apply(records.record(TOPIC, key, letter(key, null))).value();

        assertThat(columns.get("record_key")).isNull();
        assertThat(columns.getBytes("original_key")).isEqualTo(key);
        assertThat(columns.get("original_value")).isNull();
    }

    @Test
    void shouldDropTheOriginalBytesWhenAskedTo() {
        transform.configure(Map.of(DeadLetterColumns.ORIGINAL_BYTES_CONFIG, "false"));

        SinkRecord row = transform.apply(records.record(TOPIC, null, letter("k".getBytes(StandardCharsets.UTF_8),
                new byte[] {9})));

        assertThat(row.valueSchema().field("original_key")).isNull();
        assertThat(row.valueSchema().field("original_value")).isNull();
        assertThat(((Struct) row.value()).getString("record_key")).isEqualTo("k");
    }

    @Test
    void shouldRefuseADeadLetterWithoutItsOrigin() {
        Schema partial = SchemaBuilder.struct().name("io.hal9.schemas.v1.DeadLetter")
                .field("sourceTopic", Schema.STRING_SCHEMA).field("reason", Schema.STRING_SCHEMA).build();
        SinkRecord record = new SinkRecord(TOPIC, 0, null, null, partial,
                new Struct(partial).put("sourceTopic", "t").put("reason", "r"), 1L);

        assertThatThrownBy(() -> transform.apply(record)).isInstanceOf(DataException.class)
                .hasMessageContaining("sourcePartition");
    }

    private static DeadLetter letter(byte[] key, byte[] value) {
        return DeadLetter.newBuilder()
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
                .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
                .setSourceTopic("hal9.signals.l2").setSourcePartition(5).setSourceOffset(1234)
                .setLayer("L2").setCategory(ErrorCategory.RATE_LIMITED).setReason("429 after 10 attempts")
                .setAttempts(10).setFirstFailureAt(FIRST).setLastFailureAt(FIRST.plusSeconds(60))
                .setSignalId("s-1").setRootId("r-1")
                .build();
    }
}
