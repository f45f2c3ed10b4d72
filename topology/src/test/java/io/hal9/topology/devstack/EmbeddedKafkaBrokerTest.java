package io.hal9.topology.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.hal9.topology.net.PortInUseException;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded KRaft broker: transactional round trip, restart on a kept log directory, a taken
 * port refused before start-up, idempotent close. Each test starts its own broker.
 */
class EmbeddedKafkaBrokerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeAll
    static void trapHalt() {
        KafkaFixture.trapExitAndHalt();
    }

    @Test
    void shouldDeliverTransactionalRecordsReadCommittedOnAPickedPort() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(0).build().start()) {
            assertThat(broker.port()).isPositive();
            assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + broker.port());
            broker.createTopics(2, "signals");

            produceInOneTransaction(broker.bootstrapServers(), "signals", "tx-round-trip", 10);

            List<ConsumerRecord<byte[], byte[]>> records = KafkaFixture.consume(broker.bootstrapServers(), "signals", 10, TIMEOUT);
            assertThat(records).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9");
        }
    }

    @Test
    void shouldKeepTopicsAndRecordsWhenRestartedOnTheSameLogDir(@TempDir Path dir) {
        Path logDir = dir.resolve("kafka");
        int port;
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().logDir(logDir).build().start()) {
            port = first.port();
            first.createTopic("kept", 1, Map.of("retention.ms", "-1"));
            produceInOneTransaction(first.bootstrapServers(), "kept", "tx-restart", 3);
        }
        assertThat(logDir.resolve("meta.properties")).exists();

        // Same directory and same port: not formatted again, and the port is free after close.
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().logDir(logDir).port(port).build().start()) {
            List<ConsumerRecord<byte[], byte[]>> records = KafkaFixture.consume(second.bootstrapServers(), "kept", 3, TIMEOUT);
            assertThat(records).hasSize(3);
        }
        assertThat(logDir.resolve("meta.properties")).exists();
    }

    @Test
    void shouldTreatCreatingAnExistingTopicAsDone() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            broker.createTopics(3, "twice");
            broker.createTopics(1, "twice");
            broker.createTopic("twice", 5, Map.of());

            produceInOneTransaction(broker.bootstrapServers(), "twice", "tx-twice", 1);
            assertThat(KafkaFixture.consume(broker.bootstrapServers(), "twice", 1, TIMEOUT)).hasSize(1);
        }
    }

    @Test
    void shouldRefuseATakenPortBeforeStartingAnything(@TempDir Path logDir) throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(port).logDir(logDir).build();

            assertThatThrownBy(broker::start)
                    .isInstanceOf(PortInUseException.class)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageMatching("Kafka port " + port + " on 127\\.0\\.0\\.1 is already in use, held by pid "
                            + ProcessHandle.current().pid() + " \\(.*java.*\\)");
            // Nothing was formatted or written: the broker never started.
            try (Stream<Path> files = Files.list(logDir)) {
                assertThat(files).isEmpty();
            }
            broker.close();
        }
    }

    @Test
    void shouldRefuseATakenControllerPort() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().controllerPort(port).build();

            assertThatThrownBy(broker::start)
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageMatching("Kafka controller port " + port + " on 127\\.0\\.0\\.1 is already in use, held by pid "
                            + ProcessHandle.current().pid() + " \\(.*java.*\\)");
            assertThat(broker.logDir()).isNull();
        }
    }

    @Test
    void shouldCloseIdempotentlyAndDeleteItsTemporaryLogDir() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start();
        Path logDir = broker.logDir();
        assertThat(logDir.resolve("meta.properties")).exists();

        broker.close();
        broker.close();

        assertThat(logDir).doesNotExist();
        assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void shouldCloseABrokerThatNeverStarted() {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build();

        broker.close();
        broker.close();

        assertThat(broker.logDir()).isNull();
    }

    private static void produceInOneTransaction(String bootstrapServers, String topic, String transactionalId, int count) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.commitTransaction();
        }
    }
}
