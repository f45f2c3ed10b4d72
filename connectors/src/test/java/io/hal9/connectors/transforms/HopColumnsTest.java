package io.hal9.connectors.transforms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Priority;
import io.hal9.schemas.v1.Signal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A result read by the converter, turned into one row with a column per layer output and latency. */
class HopColumnsTest {

    private static final String TOPIC = "hal9.results";
    private static final Instant CREATED = Instant.parse("2026-11-02T10:00:00Z");

    private ConvertedRecords records;
    private HopColumns<SinkRecord> transform;

    @BeforeEach
    void start() {
        records = new ConvertedRecords();
        transform = new HopColumns<>();
        transform.configure(Map.of());
    }

    @AfterEach
    void stop() {
        transform.close();
        records.close();
    }

    @Test
    void shouldPutEachLayersOutputModelLatencyAndCacheHitInItsOwnColumns() {
        // Given a result that went through L2, L3 and L4, L3 answered from the cache
        SinkRecord record = records.record(TOPIC, "order-42", result(
                hop("L2", "claude-haiku-4-5", false, 120, "split it"),
                hop("L3", "claude-sonnet-4-5", true, 0, "design it"),
                hop("L4", "claude-sonnet-4-5", false, 900, "plan it")));

        Struct row = (Struct) transform.apply(record).value();

        // Then every layer has its columns, and the totals add up
        assertThat(row.getString("signal_id")).isEqualTo("result-1");
        assertThat(row.getString("root_id")).isEqualTo("root-1");
        assertThat(row.getString("parent_id")).isEqualTo("parent-1");
        assertThat(row.getString("content")).isEqualTo("plan it");
        assertThat(row.getString("metadata")).isEqualTo("{\"team\":\"payments\"}");
        assertThat(row.get("created_at")).isEqualTo(Date.from(CREATED));
        assertThat(row.get("completed_at")).isEqualTo(Date.from(CREATED.plusSeconds(3)));
        assertThat(row.getString("l2_output")).isEqualTo("split it");
        assertThat(row.getString("l2_model")).isEqualTo("claude-haiku-4-5");
        assertThat(row.getInt64("l2_latency_ms")).isEqualTo(120L);
        assertThat(row.getBoolean("l2_cache_hit")).isFalse();
        assertThat(row.getInt64("l2_input_tokens")).isEqualTo(12L);
        assertThat(row.getInt64("l2_output_tokens")).isEqualTo(34L);
        assertThat(row.getString("l3_output")).isEqualTo("design it");
        assertThat(row.getBoolean("l3_cache_hit")).isTrue();
        assertThat(row.getInt64("l3_latency_ms")).isZero();
        assertThat(row.getString("l4_output")).isEqualTo("plan it");
        assertThat(row.getInt64("l4_latency_ms")).isEqualTo(900L);
        assertThat(row.getInt32("hops")).isEqualTo(3);
        assertThat(row.getInt64("total_latency_ms")).isEqualTo(1020L);
    }

    @Test
    void shouldDeclareFlatColumnsAJdbcSinkCanCreate() {
        SinkRecord record = records.record(TOPIC, "k", result(hop("L2", "m", false, 1, "x")));

        Schema schema = transform.apply(record).valueSchema();

        // Then no column is a struct, map or array, and they come in a stable order
        assertThat(schema.fields()).extracting(f -> f.schema().type())
                .allMatch(type -> type.isPrimitive());
        assertThat(schema.fields()).extracting(Field::name).startsWith(
                "signal_id", "root_id", "parent_id", "content", "metadata", "priority", "created_at", "completed_at",
                "l2_output", "l2_model", "l2_latency_ms", "l2_cache_hit", "l2_input_tokens", "l2_output_tokens",
                "l3_output").endsWith("l4_output_tokens", "hops", "total_latency_ms");
        assertThat(schema.field("created_at").schema().name()).isEqualTo(Timestamp.LOGICAL_NAME);
        assertThat(schema.fields()).allMatch(f -> f.schema().isOptional());
    }

    @Test
    void shouldKeyTheRowByTheRecordKeyAsText() {
        SinkRecord row = transform.apply(records.record(TOPIC, "order-42", result(hop("L2", "m", false, 1, "x"))));

        assertThat(row.keySchema().fields()).extracting(Field::name).containsExactly("record_key");
        assertThat(row.keySchema().field("record_key").schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(((Struct) row.key()).getString("record_key")).isEqualTo("order-42");
    }

    @Test
    void shouldKeyTheRowByTheRecordKeyAsBytesWithAByteArrayKeyConverter() {
        byte[] key = {(byte) 0xff, 0, 1};

        SinkRecord row = transform.apply(records.record(TOPIC, key, result(hop("L2", "m", false, 1, "x"))));

        assertThat(row.keySchema().field("record_key").schema()).isEqualTo(Schema.BYTES_SCHEMA);
        assertThat(((Struct) row.key()).getBytes("record_key")).isEqualTo(key);
    }

    @Test
    void shouldLeaveTheKeyAsItIsWithoutAKeyField() {
        transform.configure(Map.of(HopColumns.KEY_FIELD_CONFIG, ""));

        SinkRecord row = transform.apply(records.record(TOPIC, "plain", result(hop("L2", "m", false, 1, "x"))));

        assertThat(row.key()).isEqualTo("plain");
        assertThat(row.keySchema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    }

    @Test
    void shouldRefuseAResultWithoutAKeyBecauseRowsAreUpsertedByKey() {
        SinkRecord record = records.record(TOPIC, null, result(hop("L2", "m", false, 1, "x")));

        assertThatThrownBy(() -> transform.apply(record)).isInstanceOf(DataException.class)
                .hasMessageContaining("no key");
    }

    @Test
    void shouldLeaveColumnsOfLayersTheSignalDidNotVisitEmpty() {
        // Given a hierarchy configured as L2 only
        Struct row = (Struct) transform.apply(records.record(TOPIC, "k", result(hop("L2", "m", false, 7, "only")))).value();

        assertThat(row.getString("l2_output")).isEqualTo("only");
        assertThat(row.get("l3_output")).isNull();
        assertThat(row.get("l4_latency_ms")).isNull();
        assertThat(row.get("l4_cache_hit")).isNull();
        assertThat(row.getInt32("hops")).isEqualTo(1);
    }

    @Test
    void shouldGiveColumnsToTheConfiguredLayersAndCountTheOthersInTheTotals() {
        transform.configure(Map.of(HopColumns.LAYERS_CONFIG, "L2,L5"));

        Struct row = (Struct) transform.apply(records.record(TOPIC, "k", result(
                hop("L2", "m", false, 10, "a"), hop("L3", "m", false, 20, "b"), hop("L5", "m", false, 30, "c")))).value();

        assertThat(row.schema().field("l3_output")).isNull();
        assertThat(row.getString("l5_output")).isEqualTo("c");
        assertThat(row.getInt32("hops")).isEqualTo(3);
        assertThat(row.getInt64("total_latency_ms")).isEqualTo(60L);
    }

    @Test
    void shouldPassATombstoneThrough() {
        SinkRecord tombstone = new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, "k", null, null, 1L);

        assertThat(transform.apply(tombstone)).isSameAs(tombstone);
    }

    @Test
    void shouldRefuseAValueThatIsNotAStructNamingTheConverterToUse() {
        SinkRecord record = new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, "k", Schema.BYTES_SCHEMA,
                "raw".getBytes(StandardCharsets.UTF_8), 1L);

        assertThatThrownBy(() -> transform.apply(record)).isInstanceOf(DataException.class)
                .hasMessageContaining("Hal9AvroConverter");
    }

    @Test
    void shouldRefuseALayerNameThatCannotNameAColumn() {
        assertThatThrownBy(() -> transform.configure(Map.of(HopColumns.LAYERS_CONFIG, "L2,L-3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("L-3");
        assertThatThrownBy(() -> transform.configure(Map.of(HopColumns.LAYERS_CONFIG, "L2,L2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("twice");
    }

    @Test
    void shouldShowTheLaneTheSignalTravelledInAndNormalForResultsWrittenBeforeLanes() {
        Signal high = result(hop("L2", "m", false, 5, "x"));
        high.setPriority(Priority.HIGH);

        Struct highRow = (Struct) transform.apply(records.record(TOPIC, "k", high)).value();
        Struct normalRow = (Struct) transform.apply(records.record(TOPIC, "k", result(hop("L2", "m", false, 5, "x"))))
                .value();
        Struct olderRow = (Struct) transform.apply(records.record(TOPIC, "k", olderSignal(result(hop("L2", "m", false,
                5, "x"))))).value();

        assertThat(highRow.getString("priority")).isEqualTo("HIGH");
        assertThat(normalRow.getString("priority")).isEqualTo("NORMAL");
        // a result of a Signal version without the field took the normal lane, the only one there was
        assertThat(olderRow.schema().field("priority")).isNotNull();
        assertThat(olderRow.getString("priority")).isEqualTo("NORMAL");
        assertThat(olderRow.getString("l2_output")).isEqualTo("x");
    }

    @Test
    void shouldAddAColumnForAFieldANewerSignalVersionCarries() {
        // Given a result from a newer producer whose Signal has two more fields
        GenericRecord newer = newerSignal(result(hop("L2", "m", false, 5, "x")), "high", 3);

        Struct row = (Struct) transform.apply(records.record(TOPIC, "k", newer)).value();

        // Then they become optional columns in snake case, next to the usual ones
        assertThat(row.getString("urgency")).isEqualTo("high");
        assertThat(row.getInt32("retry_count")).isEqualTo(3);
        assertThat(row.schema().field("urgency").schema().isOptional()).isTrue();
        assertThat(row.getString("l2_output")).isEqualTo("x");
        // and a result of this version keeps the row it always had
        Struct current = (Struct) transform.apply(records.record(TOPIC, "k", result(hop("L2", "m", false, 5, "x"))))
                .value();
        assertThat(current.schema().field("urgency")).isNull();
    }

    /** {@code signal} written with a newer Signal schema that adds {@code urgency} and {@code retryCount}. */
    static GenericRecord newerSignal(Signal signal, String urgency, int retryCount) {
        String json = Signal.getClassSchema().toString();
        json = json.substring(0, json.lastIndexOf(']')) + ",{\"name\":\"urgency\",\"type\":[\"null\",\"string\"],"
                + "\"default\":null},{\"name\":\"retryCount\",\"type\":\"int\",\"default\":0}]}";
        org.apache.avro.Schema schema = new org.apache.avro.Schema.Parser().parse(json);
        // the signal's fields as plain Avro values, then the two new ones
        GenericRecord current = plain(signal);
        GenericRecord record = new GenericData.Record(schema);
        for (org.apache.avro.Schema.Field field : Signal.getClassSchema().getFields()) {
            record.put(field.name(), current.get(field.name()));
        }
        record.put("urgency", urgency);
        record.put("retryCount", retryCount);
        return record;
    }

    /** {@code signal} written with the Signal schema of before lanes: no {@code priority}. */
    static GenericRecord olderSignal(Signal signal) {
        org.apache.avro.Schema today = Signal.getClassSchema();
        List<org.apache.avro.Schema.Field> fields = new ArrayList<>();
        for (org.apache.avro.Schema.Field field : today.getFields()) {
            if (!field.name().equals("priority")) {
                fields.add(new org.apache.avro.Schema.Field(field, field.schema()));
            }
        }
        org.apache.avro.Schema older = org.apache.avro.Schema.createRecord(today.getName(), today.getDoc(),
                today.getNamespace(), false, fields);
        GenericRecord record = new GenericData.Record(older);
        for (org.apache.avro.Schema.Field field : fields) {
            record.put(field.name(), plain(signal).get(field.name()));
        }
        return record;
    }

    /** The signal's fields as plain Avro values. */
    private static GenericRecord plain(Signal signal) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
            new SpecificDatumWriter<Signal>(Signal.class).write(signal, encoder);
            encoder.flush();
            return new GenericDatumReader<GenericRecord>(Signal.getClassSchema())
                    .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Signal result(Hop... hops) {
        List<Hop> list = new ArrayList<>(List.of(hops));
        return Signal.newBuilder()
                .setSignalId("result-1")
                .setRootId("root-1")
                .setParentId("parent-1")
                .setLayerFrom(list.get(list.size() - 1).getLayer())
                .setActivation(Activation.newBuilder().setContent(list.get(list.size() - 1).getOutput()).build())
                .setMetadata(Map.of("team", "payments"))
                .setCreatedAt(CREATED)
                .setHops(list)
                .build();
    }

    private static Hop hop(String layer, String model, boolean cacheHit, long latencyMs, String output) {
        int n = Integer.parseInt(layer.substring(1));
        return Hop.newBuilder().setLayer(layer).setNeuron(layer.toLowerCase() + "-neuron").setModel(model)
                .setCacheHit(cacheHit).setLatencyMs(latencyMs).setInputTokens(12).setOutputTokens(34)
                .setAt(CREATED.plusSeconds(n - 1)).setOutput(output).build();
    }
}
