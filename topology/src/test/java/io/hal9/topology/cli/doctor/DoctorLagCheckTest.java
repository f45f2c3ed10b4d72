package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

class DoctorLagCheckTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Test
    void shouldReportTotalLagPerGroup(TestInfo info) throws Exception {
        String prefix = "hal9-" + KafkaFixture.topicName(info, "") ;
        String topic = KafkaFixture.topicName(info, "input");
        KAFKA.createTopics(2, topic);
        produce(topic, 0, 5);
        produce(topic, 1, 4);
        commit(prefix + "l2", Map.of(new TopicPartition(topic, 0), 2L, new TopicPartition(topic, 1), 4L));  // lag 3 + 0
        commit(prefix + "l3", Map.of(new TopicPartition(topic, 0), 0L));                                    // lag 5

        Result result = new LagCheck(KAFKA.bootstrapServers(), TIMEOUT, prefix, 10).run();

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).isEqualTo(prefix + "l2 3, " + prefix + "l3 5");
    }

    @Test
    void shouldWarnWhenAGroupIsAboveTheThreshold(TestInfo info) throws Exception {
        String prefix = "hal9-" + KafkaFixture.topicName(info, "");
        String topic = KafkaFixture.topicName(info, "input");
        KAFKA.createTopics(1, topic);
        produce(topic, 0, 5);
        commit(prefix + "l2", Map.of(new TopicPartition(topic, 0), 1L));                                    // lag 4

        Result result = new LagCheck(KAFKA.bootstrapServers(), TIMEOUT, prefix, 3).run();

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail()).isEqualTo(prefix + "l2 4 (" + prefix + "l2 above 3)");
    }

    @Test
    void shouldBeOkWhenThereIsNoMatchingGroup(TestInfo info) {
        String prefix = "hal9-" + KafkaFixture.topicName(info, "none");

        Result result = new LagCheck(KAFKA.bootstrapServers(), TIMEOUT, prefix, 10).run();

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).isEqualTo("no consumer groups " + prefix + "*");
    }

    private static void produce(String topic, int partition, int count) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, partition, "k" + i, "v" + i));
            }
            producer.flush();
        }
    }

    private static void commit(String group, Map<TopicPartition, Long> offsets) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = new java.util.HashMap<>();
            offsets.forEach((partition, offset) -> committed.put(partition, new OffsetAndMetadata(offset)));
            admin.alterConsumerGroupOffsets(group, committed).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
