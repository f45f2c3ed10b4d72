package io.hal9.topology.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared test broker: backend choice, topic creation, reading topics, topic names, one broker per JVM; the {@link TopicReader}. */
class KafkaFixtureTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void shouldRunEmbeddedWhenNoDockerEngineAnswers() {
        // This machine has a docker CLI but no engine: the in-JVM broker is used.
        String expected = KafkaFixture.dockerAvailable() ? KafkaFixture.TESTCONTAINERS : KafkaFixture.EMBEDDED;

        assertThat(KAFKA.backend()).isEqualTo(expected);
        assertThat(KAFKA.bootstrapServers()).matches("[^,:]+:\\d+");
    }

    @Test
    void shouldCreateTopicsThatCarryRecords(TestInfo info) {
        String input = KafkaFixture.topicName(info, "input");
        String output = KafkaFixture.topicName(info, "output");

        KAFKA.createTopics(3, input, output);
        KAFKA.createTopics(3, input);
        send(input, "a", "b", "c");

        List<ConsumerRecord<byte[], byte[]>> records = KAFKA.consume(input, 3, TIMEOUT);
        assertThat(records).extracting(KafkaFixtureTest::value).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(KAFKA.consume(output, 1, Duration.ofMillis(500))).isEmpty();
    }

    @Test
    void shouldWatchEveryTopicForTheWholeWindowInOneRead(TestInfo info) {
        String results = KafkaFixture.topicName(info, "results");
        String letters = KafkaFixture.topicName(info, "dead-letters");
        String other = KafkaFixture.topicName(info, "other");
        KAFKA.createTopics(2, results, letters, other);
        send(results, "a", "b");
        Duration window = Duration.ofSeconds(2);

        try (KafkaProducer<String, String> producer = producer()) {
            // a record that arrives while the window is open, on a topic that held none when it opened
            CompletableFuture<Void> late = CompletableFuture.runAsync(() -> producer.send(new ProducerRecord<>(letters, "late")),
                    CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
            long begin = System.nanoTime();

            Map<String, List<ConsumerRecord<byte[], byte[]>>> read = KAFKA.consumeDuring(window, results, letters, other);

            assertThat(Duration.ofNanos(System.nanoTime() - begin)).isGreaterThanOrEqualTo(window);
            late.join();
            assertThat(read).containsOnlyKeys(results, letters, other);
            assertThat(read.get(results)).extracting(KafkaFixtureTest::value).containsExactlyInAnyOrder("a", "b");
            assertThat(read.get(letters)).extracting(KafkaFixtureTest::value).containsExactly("late");
            assertThat(read.get(other)).isEmpty();
        }
    }

    @Test
    void shouldDeriveValidTopicNamesFromTestClassMethodAndRole(TestInfo info) throws NoSuchMethodException {
        Method other = KafkaFixtureTest.class.getDeclaredMethod("shouldRunEmbeddedWhenNoDockerEngineAnswers");

        String name = KafkaFixture.topicName(info, "input");

        assertThat(name).isEqualTo("KafkaFixtureTest.shouldDeriveValidTopicNamesFromTestClassMethodAndRole.input");
        assertThat(KafkaFixture.topicName(info, "input")).isEqualTo(name);
        assertThat(Set.of(
                name,
                KafkaFixture.topicName(info, "output"),
                KafkaFixture.topicName(testInfo(other, other.getName() + "()"), "input"),
                KafkaFixture.topicName(testInfo(other, "[1] first"), "input"),
                KafkaFixture.topicName(testInfo(other, "[2] second"), "input"))).hasSize(5);
        Topic.validate(name);
        Topic.validate(KafkaFixture.topicName(testInfo(other, "[1] with spaces/and:colons"), "dead letters_v1"));
        Topic.validate(KafkaFixture.topicName(info, "r".repeat(300)));
    }

    @Test
    void shouldReadOpenAndAbortedTransactionsOnlyWhenReadingUncommitted(TestInfo info) {
        String topic = KafkaFixture.topicName(info, "output");
        KAFKA.createTopics(1, topic);
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
             TopicReader uncommitted = TopicReader.open(KAFKA.bootstrapServers(), topic, IsolationLevel.READ_UNCOMMITTED);
             TopicReader committed = TopicReader.open(KAFKA.bootstrapServers(), topic, IsolationLevel.READ_COMMITTED)) {
            // Given an aborted transaction, a committed one and one still open
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "aborted"));
            producer.flush(); // an abort drops records not yet sent
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "open"));
            producer.flush();

            // Then read_uncommitted reads all three records, read_committed only the committed one
            assertThat(uncommitted.readToEnd(TIMEOUT)).isEqualTo(3);
            assertThat(values(uncommitted)).containsExactly("aborted", "committed", "open");
            assertThat(committed.readToEnd(TIMEOUT)).isEqualTo(1);

            // When the open transaction commits, read_committed reads on to its record
            producer.commitTransaction();
            assertThat(committed.readToEnd(TIMEOUT)).isEqualTo(2);
            assertThat(values(committed)).containsExactly("committed", "open");
            // and nothing more is there to read
            assertThat(uncommitted.readToEnd(TIMEOUT)).isEqualTo(3);
        }
    }

    @Nested
    class InASecondTestClass {

        @RegisterExtension
        final KafkaFixture second = new KafkaFixture();

        @Test
        void shouldShareTheOneBrokerOfTheTestRun() {
            assertThat(second.bootstrapServers()).isEqualTo(KAFKA.bootstrapServers());
        }
    }

    private static List<String> values(TopicReader reader) {
        return reader.records().stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static String value(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    private static void send(String topic, String... values) {
        try (KafkaProducer<String, String> producer = producer()) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value));
            }
        }
    }

    private static KafkaProducer<String, String> producer() {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static TestInfo testInfo(Method method, String displayName) {
        return new TestInfo() {
            @Override
            public String getDisplayName() {
                return displayName;
            }

            @Override
            public Set<String> getTags() {
                return Set.of();
            }

            @Override
            public Optional<Class<?>> getTestClass() {
                return Optional.of(method.getDeclaringClass());
            }

            @Override
            public Optional<Method> getTestMethod() {
                return Optional.of(method);
            }
        };
    }
}
