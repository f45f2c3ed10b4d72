package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A layer's end offsets and lag over its lanes, as the forecast sampler reads them from a real broker. */
class InputOffsetsTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Admin admin;

    @BeforeEach
    void connect() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()));
    }

    @AfterEach
    void disconnect() {
        admin.close(Duration.ofSeconds(5));
    }

    @Test
    void shouldSumEndOffsetsAndLagOverTheLanesCountingUncommittedPartitionsFromTheirBeginning(TestInfo test)
            throws Exception {
        // Given a normal lane of 2 partitions and a high lane of 1, each read by its own group
        String normal = KafkaFixture.topicName(test, "normal");
        String high = KafkaFixture.topicName(test, "high");
        KAFKA.createTopics(2, normal);
        KAFKA.createTopics(1, high);
        publish(new TopicPartition(normal, 0), 5);
        publish(new TopicPartition(normal, 1), 3);
        publish(new TopicPartition(high, 0), 4);
        // the normal lane's group has committed 2 on partition 0 and nothing on partition 1; the high lane's
        // group nothing, and the high topic's first record is deleted (retention)
        String normalGroup = normal + "-app";
        String highGroup = high + "-app";
        admin.alterConsumerGroupOffsets(normalGroup, Map.of(new TopicPartition(normal, 0), new OffsetAndMetadata(2)))
                .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        admin.deleteRecords(Map.of(new TopicPartition(high, 0), RecordsToDelete.beforeOffset(1)))
                .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, String> groupByTopic = new LinkedHashMap<>();
        groupByTopic.put(normal, normalGroup);
        groupByTopic.put(high, highGroup);

        // When the layer's input is read
        InputOffsets.Sample sample = new InputOffsets(admin, groupByTopic, normal, TIMEOUT).read();

        // Then the end offsets are 5 + 3 + 4, the lag (5 - 2) + (3 - 0) + (4 - 1), and the replicas at most the
        // normal lane's 2 partitions
        assertThat(sample).isEqualTo(new InputOffsets.Sample(12, 9, 2));
    }

    @Test
    void shouldFailTheReadWhenAnInputTopicIsMissing(TestInfo test) {
        String missing = KafkaFixture.topicName(test, "missing");
        InputOffsets offsets = new InputOffsets(admin, Map.of(missing, "hal9-missing"), missing, Duration.ofSeconds(5));

        assertThatThrownBy(offsets::read).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
    }

    @Test
    void shouldWaitForEachReadTwoSampleIntervalsWithinFiveToThirtySeconds() {
        assertThat(InputOffsets.timeoutFor(Duration.ofMillis(250))).isEqualTo(Duration.ofSeconds(5));
        assertThat(InputOffsets.timeoutFor(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(10));
        assertThat(InputOffsets.timeoutFor(Duration.ofMinutes(1))).isEqualTo(Duration.ofSeconds(30));
    }

    private static void publish(TopicPartition partition, int records) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), null,
                        ("signal-" + i).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
    }
}
