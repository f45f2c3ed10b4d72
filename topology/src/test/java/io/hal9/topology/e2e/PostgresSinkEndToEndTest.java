package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.hal9.connectors.config.ConnectorConfigs;
import io.hal9.connectors.embedded.EmbeddedPostgresServer;
import io.hal9.connectors.rest.ConnectRestClient;
import io.hal9.connectors.rest.ConnectorStatus;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.serde.AvroSerializer;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Contracts;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.NewerSignals;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Results and dead letters land in PostgreSQL: a real broker, a real PostgreSQL (from the Maven
 * artifact), a real Kafka Connect worker in this JVM running the Debezium JDBC sink with HAL9's
 * converter and transformations, and the connector configuration files of {@code connectors/config/}
 * registered exactly as {@code hal9 connectors apply} registers them (it is the command the tests run).
 *
 * <p>Each test has its own topics, its own database and its own Connect dead letter queue; the
 * connectors keep their bundled names and are deleted after each test.
 */
class PostgresSinkEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(5)))
            .postgresSink(0, 0)
            // sink offsets committed often, so a test sees when the sink has read everything
            .connectWorkerSetting("offset.flush.interval.ms", "500"));

    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final String RESULTS = "hal9_results";
    private static final String DEAD_LETTERS = "hal9_dead_letters";

    private static EmbeddedPostgresServer postgres;
    private static ConnectRestClient connect;
    private static Admin admin;

    @TempDir
    Path stateDir;

    private String prefix;
    private String database;
    private Hal9Config config;
    private Topics topics;
    private Hal9Node node;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeAll
    static void startServers() {
        postgres = KAFKA.stack().sink().postgres();
        connect = new ConnectRestClient(KAFKA.stack().sink().connectUrl());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()));
    }

    @AfterAll
    static void stopServers() {
        admin.close();
    }

    @BeforeEach
    void prepare(TestInfo test) {
        prefix = KafkaFixture.topicName(test, "");
        String method = test.getTestMethod().orElseThrow().getName().toLowerCase(Locale.ROOT);
        database = ("t_" + method).substring(0, Math.min(63, method.length() + 2));
        postgres.createDatabase(database);
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, KAFKA.stack().simulatorUrl());
        config = Hal9Config.of(settings);
        topics = new Topics(config, KAFKA.stack().registry());
        KAFKA.createTopics(4, topics.allNames().toArray(String[]::new));
        KAFKA.createTopics(1, sinkDlq());
    }

    @AfterEach
    void cleanUp() {
        if (node != null) {
            node.close();
        }
        for (String name : connect.connectors()) {
            connect.delete(name);
        }
    }

    @Test
    void shouldLandEveryResultAsOneRowWithItsLayersAndKeepOneRowPerKeyWhenReplayed() throws Exception {
        applyConnectors();
        startHierarchy();
        // Given 50 signals through L2, L3, L4, each under its own key
        try (KafkaProducer<byte[], Signal> producer = signalProducer()) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(input(), key("key-" + i), signal("signal-" + i, "task " + i)));
            }
        }
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 50, DELIVERY);
        assertThat(results).hasSize(50);

        // Then 50 rows appear, one per record key, with each layer's output, model and latency as columns
        await().atMost(DELIVERY).until(() -> count(RESULTS) == 50);
        Map<String, Map<String, Object>> rows = rows(RESULTS, "record_key");
        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, 50).mapToObj(i -> "key-" + i).toList());
        for (ConsumerRecord<byte[], byte[]> record : results) {
            Signal result = topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
            String key = new String(record.key(), StandardCharsets.UTF_8);
            Map<String, Object> row = rows.get(key);
            assertThat(row.get("root_id")).as(key).isEqualTo(key.replace("key-", "signal-"));
            assertThat(row.get("signal_id")).as(key).isEqualTo(result.getSignalId());
            assertThat(row.get("content")).as(key).isEqualTo(result.getActivation().getContent());
            assertThat(instant(row.get("created_at"))).as(key).isEqualTo(result.getCreatedAt());
            long total = 0;
            for (Hop hop : result.getHops()) {
                String layer = hop.getLayer().toLowerCase(Locale.ROOT);
                assertThat(row.get(layer + "_output")).as(key + " " + layer).isEqualTo(hop.getOutput());
                assertThat(row.get(layer + "_model")).as(key + " " + layer).isEqualTo(hop.getModel());
                assertThat(row.get(layer + "_latency_ms")).as(key + " " + layer).isEqualTo(hop.getLatencyMs());
                assertThat(row.get(layer + "_cache_hit")).as(key + " " + layer).isEqualTo(hop.getCacheHit());
                total += hop.getLatencyMs();
            }
            assertThat(row.get("hops")).as(key).isEqualTo(3);
            assertThat(row.get("total_latency_ms")).as(key).isEqualTo(total);
            assertThat(instant(row.get("completed_at"))).as(key).isEqualTo(result.getHops().get(2).getAt());
        }

        // When the same 50 results are published again, byte for byte
        try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
            for (ConsumerRecord<byte[], byte[]> record : results) {
                raw.send(new ProducerRecord<>(record.topic(), record.key(), record.value()));
            }
        }

        // Then once the sink has read them, there are still 50 rows, unchanged
        awaitSinkCaughtUp(ConnectorConfigs.RESULTS_SINK, topics.results().name());
        assertThat(count(RESULTS)).isEqualTo(50);
        assertThat(rows(RESULTS, "record_key")).isEqualTo(rows);
        // and nothing went to Connect's dead letter queue
        assertThat(KAFKA.consume(sinkDlq(), 1, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void shouldLandAnOlderAndANewerSignalVersionInTheSameTableAddingTheNewColumn() throws Exception {
        applyConnectors();
        // Given a result of this Signal version, then one from a producer on a newer version that
        // adds an optional field, both under the results topic's subject
        try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
            raw.send(new ProducerRecord<>(results(), 0, key("older"), result("older"))).get();
            await().atMost(DELIVERY).until(() -> count(RESULTS) == 1);
            raw.send(new ProducerRecord<>(results(), 0, key("newer"), newerResult("newer", "high"))).get();
        }

        // Then both are rows of hal9_results: the sink added the column, the older row leaves it empty
        await().atMost(DELIVERY).until(() -> count(RESULTS) == 2);
        Map<String, Map<String, Object>> rows = rows(RESULTS, "record_key");
        assertThat(rows.get("newer")).containsEntry("urgency", "high").containsEntry("l4_output", "L4 says newer");
        assertThat(rows.get("older")).containsEntry("urgency", null).containsEntry("l4_output", "L4 says older");
        assertThat(KAFKA.consume(sinkDlq(), 1, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void shouldAddAColumnForEachFieldANewerProducerAddedAtTheFirstLayer() throws Exception {
        applyConnectors();
        Contracts.register(topics, KAFKA.stack().registry());   // as `hal9 topics` does
        startHierarchy();
        // Given a signal of today's Signal, then two from a producer on a newer one (ticket, and a
        // urgency with a default), published to L2
        GenericRecord withValues = NewerSignals.of(signal("newer", "Fix the login bug"), NewerSignals.SCHEMA);
        withValues.put("ticket", "INC-4711");
        withValues.put("urgency", 1);
        GenericRecord withDefaults = NewerSignals.of(signal("defaults", "Write the release notes"),
                NewerSignals.SCHEMA);
        try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
            raw.send(new ProducerRecord<>(input(), key("today"),
                    topics.signalSerde().serializer().serialize(input(), signal("today", "Plan the sprint")))).get();
            await().atMost(DELIVERY).until(() -> count(RESULTS) == 1);
            raw.send(new ProducerRecord<>(input(), key("newer"),
                    NewerSignals.serialize(KAFKA.stack().registry(), input(), withValues))).get();
            raw.send(new ProducerRecord<>(input(), key("defaults"),
                    NewerSignals.serialize(KAFKA.stack().registry(), input(), withDefaults))).get();
        }

        // Then after L2, L3 and L4 each field is a column of hal9_results holding the producer's value
        await().atMost(DELIVERY).until(() -> count(RESULTS) == 3);
        Map<String, Map<String, Object>> rows = rows(RESULTS, "record_key");
        assertThat(rows.get("newer")).containsEntry("ticket", "INC-4711").containsEntry("urgency", 1)
                .containsEntry("root_id", "newer").containsEntry("hops", 3);
        assertThat(rows.get("defaults")).containsEntry("ticket", null).containsEntry("urgency", 3)
                .containsEntry("hops", 3);
        // and the row of today's signal, written before the columns existed, leaves them empty
        assertThat(rows.get("today")).containsEntry("ticket", null).containsEntry("urgency", null)
                .containsEntry("hops", 3);
        assertThat(KAFKA.consume(sinkDlq(), 1, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void shouldWriteEveryDeadLetterAsARowWithItsReasonAndOrigin() throws Exception {
        applyConnectors();
        startHierarchy();
        byte[] good = topics.signalSerde().serializer().serialize(input(), signal("probe", "x"));
        List<byte[]> malformed = List.of(
                "random bytes \u0001\u0002".getBytes(StandardCharsets.UTF_8),            // wrong magic byte
                new byte[] {0, 0, 0},                                                      // shorter than the header
                ByteBuffer.allocate(9).put((byte) 0).putInt(987_654).putInt(7).array(),  // unknown schema id
                Arrays.copyOf(good, good.length / 2));                                     // truncated Avro
        // Given malformed inputs to L2 between good signals, and a signal with a blank content
        Map<String, RecordMetadata> sent = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> raw = rawProducer();
             KafkaProducer<byte[], Signal> producer = signalProducer()) {
            for (int i = 0; i < malformed.size(); i++) {
                producer.send(new ProducerRecord<>(input(), key("good-" + i), signal("good-" + i, "task " + i)));
                sent.put("bad-" + i, raw.send(new ProducerRecord<>(input(), key("bad-" + i), malformed.get(i))).get());
            }
            sent.put("blank", producer.send(new ProducerRecord<>(input(), key("blank"), signal("blank", " "))).get());
        }

        // Then each dead letter is a row saying why, and where the input came from
        await().atMost(DELIVERY).until(() -> count(DEAD_LETTERS) == 5);
        Map<String, Map<String, Object>> rows = rows(DEAD_LETTERS, "record_key");
        assertThat(rows.keySet()).containsExactlyInAnyOrder("bad-0", "bad-1", "bad-2", "bad-3", "blank");
        assertThat(rows.get("bad-0").get("reason").toString()).contains("magic byte");
        assertThat(rows.get("bad-1").get("reason").toString()).contains("too short");
        assertThat(rows.get("bad-2").get("reason").toString()).contains("987654");
        assertThat(rows.get("bad-3").get("reason").toString()).containsIgnoringCase("truncated");
        assertThat(rows.get("blank").get("reason").toString()).contains("empty content");
        assertThat(rows.get("blank").get("category")).isEqualTo("INVALID_INPUT");
        assertThat(rows.get("blank").get("root_id")).isEqualTo("blank");
        for (int i = 0; i < malformed.size(); i++) {
            Map<String, Object> row = rows.get("bad-" + i);
            assertThat(row.get("category")).isEqualTo("DESERIALIZATION");
            assertThat(row.get("layer")).isEqualTo("L2");
            assertThat(row.get("attempts")).isEqualTo(0);
            assertThat(row.get("original_value")).isEqualTo(malformed.get(i));
            assertThat(row.get("original_key")).isEqualTo(key("bad-" + i));
            assertThat(row.get("first_failure_at")).isNotNull();
            assertThat(row.get("last_failure_at")).isNotNull();
        }
        sent.forEach((key, metadata) -> {
            Map<String, Object> row = rows.get(key);
            assertThat(row.get("source_topic")).as(key).isEqualTo(input());
            assertThat(row.get("source_partition")).as(key).isEqualTo(metadata.partition());
            assertThat(row.get("source_offset")).as(key).isEqualTo(metadata.offset());
        });
        // and the good signals became result rows
        await().atMost(DELIVERY).until(() -> count(RESULTS) == malformed.size());
        assertThat(rows(RESULTS, "record_key")).containsOnlyKeys("good-0", "good-1", "good-2", "good-3");
        assertThat(KAFKA.consume(sinkDlq(), 1, Duration.ofSeconds(1))).isEmpty();
    }

    @Test
    void shouldSendAResultTheConverterCannotReadToConnectsDeadLetterQueueAndKeepSinking() throws Exception {
        applyConnectors();
        // Given a good result, then bytes that are no result at all
        try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
            raw.send(new ProducerRecord<>(results(), 0, key("before"), result("before"))).get();
            raw.send(new ProducerRecord<>(results(), 0, key("garbage"), "not avro".getBytes(StandardCharsets.UTF_8))).get();
        }

        // Then the unreadable record goes to Connect's dead letter queue with the converter's reason
        List<ConsumerRecord<byte[], byte[]>> dlq = KAFKA.consume(sinkDlq(), 1, DELIVERY);
        assertThat(dlq).hasSize(1);
        assertThat(dlq.get(0).key()).isEqualTo(key("garbage"));
        assertThat(dlq.get(0).value()).isEqualTo("not avro".getBytes(StandardCharsets.UTF_8));
        assertThat(header(dlq.get(0), "__connect.errors.topic")).isEqualTo(results());
        assertThat(header(dlq.get(0), "__connect.errors.exception.message")).contains("magic byte");
        // and the task keeps running
        ConnectorStatus status = connect.status(ConnectorConfigs.RESULTS_SINK);
        assertThat(status.running()).as(status.describe()).isTrue();

        // When a good result comes after it
        try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
            raw.send(new ProducerRecord<>(results(), 0, key("after"), result("after"))).get();
        }

        // Then it lands too, and only the two good results are rows
        await().atMost(DELIVERY).until(() -> count(RESULTS) == 2);
        assertThat(rows(RESULTS, "record_key")).containsOnlyKeys("before", "after");
        assertThat(connect.status(ConnectorConfigs.RESULTS_SINK).running()).isTrue();
        assertThat(KAFKA.consume(sinkDlq(), 2, Duration.ofSeconds(1))).hasSize(1);
    }

    @Test
    void shouldRegisterTheBundledConfigurationsAgainAsUpdatesAndReportEachConnectorRunning() {
        // Given the connectors registered once
        assertThat(applyConnectors()).containsPattern(ConnectorConfigs.RESULTS_SINK + " +created +RUNNING");

        // When they are applied again
        out.getBuffer().setLength(0);
        int exit = apply();

        // Then they are updated in place, and each line says so with the connector's and task's state
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString().lines()).containsExactly(
                ConnectorConfigs.RESULTS_SINK + "       updated  RUNNING (task 0 RUNNING)",
                ConnectorConfigs.DEAD_LETTERS_SINK + "  updated  RUNNING (task 0 RUNNING)");
        assertThat(connect.connectors()).containsExactlyInAnyOrder(ConnectorConfigs.RESULTS_SINK,
                ConnectorConfigs.DEAD_LETTERS_SINK);
        // the worker shows the placeholder of the file's password setting, never a resolved secret
        assertThat(out.toString() + err).doesNotContain("password");
    }

    @Test
    void shouldReportAConnectorThatCannotReachItsDatabaseAsFailedAndExitNonZero() {
        int exit = apply(ConnectorConfigs.CONNECTION_URL + "=jdbc:postgresql://127.0.0.1:1/nowhere",
                // give up on the database after one attempt instead of c3p0's 30 attempts a second apart
                "hibernate.c3p0.acquireRetryAttempts=1", "hibernate.c3p0.acquireRetryDelay=100");

        assertThat(exit).as(out.toString() + err).isEqualTo(ExitCodes.UNFINISHED);
        assertThat(out.toString().lines()).hasSize(2)
                .allSatisfy(line -> assertThat(line).containsPattern("^hal9-[a-z-]+ +created +\\S+.*FAILED"));
    }

    @Test
    void shouldExitWithTheWorkersReasonWhenItRefusesAConfiguration() {
        int exit = apply(ConnectorConfigs.RESULTS_SINK + ":connector.class=com.example.NoSuchConnector");

        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("hal9: cannot register connector " + ConnectorConfigs.RESULTS_SINK)
                .contains("HTTP 400").contains("com.example.NoSuchConnector");
        assertThat(connect.connectors()).doesNotContain(ConnectorConfigs.RESULTS_SINK);
    }

    @Test
    void shouldSayWhichWorkerDidNotAnswer() {
        int exit = run("connectors", "apply", "--connect-url", "http://127.0.0.1:1");

        assertThat(exit).isEqualTo(ExitCodes.USAGE);
        assertThat(err.toString()).startsWith("hal9: cannot register connector " + ConnectorConfigs.RESULTS_SINK)
                .contains("http://127.0.0.1:1/ does not answer");
        assertThat(out.toString()).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** {@code hal9 connectors apply} with this test's topics, database and registry; returns its output. */
    private String applyConnectors() {
        int exit = apply();
        assertThat(exit).as(out + "\n" + err).isZero();
        return out.toString();
    }

    private int apply(String... extra) {
        List<String> args = new ArrayList<>(List.of("connectors", "apply", "--connect-url", KAFKA.stack().sink().connectUrl().toString(),
                "--set", ConnectorConfigs.CONNECTION_URL + "=" + postgres.jdbcUrl(database),
                "--set", ConnectorConfigs.CONNECTION_PASSWORD + "=",
                "--set", ConnectorConfigs.REGISTRY_URL + "=" + KAFKA.stack().registryUrl(),
                "--set", ConnectorConfigs.DLQ_TOPIC + "=" + sinkDlq(),
                "--set", ConnectorConfigs.RESULTS_SINK + ":" + ConnectorConfigs.TOPICS + "=" + results(),
                "--set", ConnectorConfigs.DEAD_LETTERS_SINK + ":" + ConnectorConfigs.TOPICS + "=" + topics.deadLetters().name()));
        for (int i = 0; i < extra.length; i++) {
            if (extra[i].startsWith("--")) {
                args.add(extra[i]);
                args.add(extra[++i]);
            } else {
                args.add("--set");
                args.add(extra[i]);
            }
        }
        return run(args.toArray(String[]::new));
    }

    private int run(String... args) {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private void startHierarchy() {
        node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl())));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    /** Waits until the connector's committed offsets reach the end of every partition of {@code topic}. */
    private static void awaitSinkCaughtUp(String connector, String topic) {
        await().atMost(DELIVERY).until(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("connect-" + connector)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                    .allMatch(e -> e.getValue().offset() == 0 || committed.containsKey(e.getKey())
                            && committed.get(e.getKey()).offset() >= e.getValue().offset());
        });
    }

    private long count(String table) throws SQLException {
        try (Connection connection = postgres.connect(database);
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {   // the sink creates the table with its first row
                return 0;
            }
            throw e;
        }
    }

    /** Every row of {@code table} by the text of {@code keyColumn}: column name to JDBC value. */
    private Map<String, Map<String, Object>> rows(String table, String keyColumn) throws SQLException {
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        try (Connection connection = postgres.connect(database);
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT * FROM " + table)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int c = 1; c <= meta.getColumnCount(); c++) {
                    Object value = meta.getColumnTypeName(c).startsWith("timestamp")
                            ? rs.getObject(c, LocalDateTime.class) : rs.getObject(c);
                    row.put(meta.getColumnName(c), value);
                }
                rows.put(String.valueOf(row.get(keyColumn)), row);
            }
        }
        return rows;
    }

    /** A timestamp column (UTC, without time zone) as an instant. */
    private static Instant instant(Object column) {
        return column == null ? null : ((LocalDateTime) column).toInstant(ZoneOffset.UTC);
    }

    /** A result as L4 writes it: three hops, for records produced straight to the results topic. */
    private byte[] result(String id) {
        Instant at = Instant.now();
        List<Hop> hops = new ArrayList<>();
        for (String layer : List.of("L2", "L3", "L4")) {
            hops.add(Hop.newBuilder().setLayer(layer).setNeuron(layer.toLowerCase(Locale.ROOT) + "-neuron")
                    .setModel("claude-haiku-4-5").setLatencyMs(10).setAt(at).setOutput(layer + " says " + id).build());
        }
        Signal signal = Signal.newBuilder().setSignalId(id + "-l4").setRootId(id).setLayerFrom("L4")
                .setActivation(Activation.newBuilder().setContent("L4 says " + id).build())
                .setCreatedAt(at).setHops(hops).build();
        return topics.signalSerde().serializer().serialize(results(), signal);
    }

    /**
     * {@link #result} as a producer on a newer Signal version writes it: the schema gains an optional
     * {@code urgency}, registered under the results topic's subject (a backward-compatible change).
     */
    private byte[] newerResult(String id, String urgency) throws IOException {
        byte[] current = result(id);
        org.apache.avro.Schema v1 = Signal.getClassSchema();
        String json = v1.toString();
        org.apache.avro.Schema newer = new org.apache.avro.Schema.Parser().parse(json.substring(0, json.lastIndexOf(']'))
                + ",{\"name\":\"urgency\",\"type\":[\"null\",\"string\"],\"default\":null}]}");
        GenericRecord old = new GenericDatumReader<GenericRecord>(v1).read(null,
                DecoderFactory.get().binaryDecoder(current, 5, current.length - 5, null));
        GenericRecord record = new GenericData.Record(newer);
        v1.getFields().forEach(field -> record.put(field.name(), old.get(field.name())));
        record.put("urgency", urgency);
        return new AvroSerializer<GenericRecord>(KAFKA.stack().registry(), false)
                .serialize(results(), record);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private String input() {
        return topics.inputName("L2");
    }

    private String results() {
        return topics.results().name();
    }

    private String sinkDlq() {
        return prefix + "sink-dlq";
    }

    private KafkaProducer<byte[], Signal> signalProducer() {
        return new KafkaProducer<>(producerProps(), new ByteArraySerializer(), topics.signalSerde().serializer());
    }

    private KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }
}
