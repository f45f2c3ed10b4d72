package io.hal9.topology.cli.bench;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The bench's audit ({@link Audit#read}, the code {@code hal9 bench} runs after the layer stopped)
 * against crafted contents of the results and dead-letter topics on a real broker.
 */
class AuditTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry());

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final List<String> progress = new ArrayList<>();
    private Topics topics;
    private String transactionalId;

    @BeforeEach
    void createTopics(TestInfo test) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        topics = new Topics(Hal9Config.of(settings), KAFKA.stack().registry());
        KAFKA.createTopics(3, topics.results().name(), topics.deadLetters().name());
        transactionalId = KafkaFixture.topicName(test, "writer");
    }

    @Test
    void shouldReportASignalWithoutCommittedResultAsLostAndASecondResultAsDuplicate() {
        BenchCommand.Signals published = new BenchCommand.Signals(5, "audit");
        try (KafkaProducer<byte[], byte[]> writer = transactionalWriter()) {
            // Given committed results for signals 0 to 3, signal 2's twice (two transactions)
            inTransaction(writer, true, result(published, 0), result(published, 1), result(published, 2),
                    result(published, 3));
            inTransaction(writer, true, result(published, 2));
            // and signal 4's result only in an aborted transaction: a read_committed reader never sees it
            inTransaction(writer, false, result(published, 4));
        }

        Audit audit = Audit.read(KAFKA.bootstrapServers(), topics, published, TIMEOUT, progress::add);

        // Then signal 4 is lost and signal 2 duplicated, nothing else
        assertThat(audit).isEqualTo(new Audit(1, 1, 0));
    }

    @Test
    void shouldReportNothingLostOrDuplicatedWhenEverySignalHasExactlyOneOutcome() {
        BenchCommand.Signals published = new BenchCommand.Signals(5, "audit");
        try (KafkaProducer<byte[], byte[]> writer = transactionalWriter()) {
            // Given one result each for signals 0 to 3 and a dead letter for signal 4
            inTransaction(writer, true, result(published, 0), result(published, 1), result(published, 2),
                    result(published, 3), deadLetter(published, 4));
            // and a result of another run, which is none of this run's business
            inTransaction(writer, true, new ProducerRecord<>(topics.results().name(), key("other"),
                    topics.signalSerde().serializer().serialize(topics.results().name(), signal("other-run-0", "x"))));
        }

        Audit audit = Audit.read(KAFKA.bootstrapServers(), topics, published, TIMEOUT, progress::add);

        // Then every signal has its one outcome, and the dead letter is counted and shown with its reason
        assertThat(audit).isEqualTo(new Audit(0, 0, 1));
        assertThat(progress).singleElement().asString()
                .contains(published.rootId(4)).contains("TIMEOUT").contains("gave up");
    }

    @Test
    void shouldReportAResultAndADeadLetterForOneSignalAsADuplicate() {
        BenchCommand.Signals published = new BenchCommand.Signals(2, "audit");
        try (KafkaProducer<byte[], byte[]> writer = transactionalWriter()) {
            // Given signal 0 both forwarded and dead-lettered, signal 1 forwarded once
            inTransaction(writer, true, result(published, 0), deadLetter(published, 0), result(published, 1));
        }

        Audit audit = Audit.read(KAFKA.bootstrapServers(), topics, published, TIMEOUT, progress::add);

        // Then the second outcome of signal 0 is a duplicate
        assertThat(audit).isEqualTo(new Audit(0, 1, 1));
    }

    private ProducerRecord<byte[], byte[]> result(BenchCommand.Signals published, int i) {
        String id = published.rootId(i);
        String topic = topics.results().name();
        byte[] value = topics.signalSerde().serializer().serialize(topic, signal(id, "done"));
        return new ProducerRecord<>(topic, key(id), value);
    }

    private ProducerRecord<byte[], byte[]> deadLetter(BenchCommand.Signals published, int i) {
        String id = published.rootId(i);
        String topic = topics.deadLetters().name();
        Instant now = Instant.now();
        DeadLetter letter = DeadLetter.newBuilder()
                .setSourceTopic("hal9.signals.l2")
                .setSourcePartition(0)
                .setSourceOffset(i)
                .setLayer("L2")
                .setCategory(ErrorCategory.TIMEOUT)
                .setReason("gave up after 10 attempts")
                .setAttempts(10)
                .setFirstFailureAt(now)
                .setLastFailureAt(now)
                .setSignalId(id)
                .setRootId(id)
                .build();
        return new ProducerRecord<>(topic, key(id), topics.deadLetterSerde().serializer().serialize(topic, letter));
    }

    @SafeVarargs
    private static void inTransaction(KafkaProducer<byte[], byte[]> writer, boolean commit,
            ProducerRecord<byte[], byte[]>... records) {
        writer.beginTransaction();
        for (ProducerRecord<byte[], byte[]> record : records) {
            writer.send(record);
        }
        if (commit) {
            writer.commitTransaction();
        } else {
            writer.flush();
            writer.abortTransaction();
        }
    }

    private KafkaProducer<byte[], byte[]> transactionalWriter() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }
}
