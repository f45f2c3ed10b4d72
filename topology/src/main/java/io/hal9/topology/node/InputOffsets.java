package io.hal9.topology.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What Kafka says about one layer's input, all its lanes together, read with an {@link Admin}
 * client: the end offsets of every partition of the lanes' input topics, summed, and the lag of
 * each lane's consumer group on its topic, summed.
 *
 * <p>Lag of a partition = its end offset minus the group's committed offset there, never below 0.
 * A partition the group has not committed yet (a new group, or a partition added since) counts from
 * its beginning (log start) offset, as Kafka Streams reads it from the beginning
 * ({@code auto.offset.reset=earliest}). End offsets are the log end offsets (read uncommitted):
 * under exactly-once they include transaction markers, so a quiet partition shows a lag of 1, as
 * KEDA's lag trigger sees it too.
 *
 * <p>One read takes three or four requests (describe the topics, their end offsets, the groups'
 * committed offsets, and the beginning offsets of partitions without one), each bounded by the
 * timeout; any failure fails the whole read.
 */
final class InputOffsets {

    /**
     * One read.
     *
     * @param endOffsets  the end offsets of every input partition of every lane, summed
     * @param lag         what the lanes' groups have not committed of them, summed
     * @param maxReplicas the partition count of the layer's normal-lane input topic (a pod beyond it idles)
     */
    record Sample(long endOffsets, long lag, int maxReplicas) {
    }

    /** Reads one {@link Sample}; the {@link ForecastSampler}'s source of offsets. */
    @FunctionalInterface
    interface Source {
        Sample read() throws Exception;
    }

    private final Admin admin;
    private final Map<String, String> groupByTopic;
    private final String normalTopic;
    private final Duration timeout;

    /**
     * @param groupByTopic each lane's input topic and the consumer group (application id) reading it
     * @param normalTopic  the topic whose partitions bound the replicas: the normal lane's input, or
     *                     the one lane's the layer runs without it
     * @param timeout      the longest each request may take
     */
    InputOffsets(Admin admin, Map<String, String> groupByTopic, String normalTopic, Duration timeout) {
        if (!groupByTopic.containsKey(normalTopic)) {
            throw new IllegalArgumentException(normalTopic + " is not one of " + groupByTopic.keySet());
        }
        this.admin = admin;
        this.groupByTopic = new LinkedHashMap<>(groupByTopic);
        this.normalTopic = normalTopic;
        this.timeout = timeout;
    }

    /**
     * How long each request of a read may take when reads come every {@code sampleInterval}: two
     * intervals, within 5 to 30 s (a slow read only delays the next one, which waits for it).
     */
    static Duration timeoutFor(Duration sampleInterval) {
        long millis = Math.max(5_000, Math.min(30_000, 2 * sampleInterval.toMillis()));
        return Duration.ofMillis(millis);
    }

    Sample read() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicDescription> topics = await(admin.describeTopics(groupByTopic.keySet()).allTopicNames());
        Map<String, List<TopicPartition>> partitionsByTopic = new LinkedHashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        topics.forEach((name, description) -> {
            List<TopicPartition> partitions = description.partitions().stream()
                    .map(info -> new TopicPartition(name, info.partition())).toList();
            partitionsByTopic.put(name, partitions);
            partitions.forEach(partition -> latest.put(partition, OffsetSpec.latest()));
        });
        Map<TopicPartition, ListOffsetsResultInfo> ends = await(admin.listOffsets(latest).all());

        Map<String, ListConsumerGroupOffsetsSpec> groups = new LinkedHashMap<>();
        groupByTopic.forEach((topic, group) -> groups.put(group,
                new ListConsumerGroupOffsetsSpec().topicPartitions(partitionsByTopic.get(topic))));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> committed =
                await(admin.listConsumerGroupOffsets(groups).all());

        Map<TopicPartition, Long> from = new HashMap<>();
        List<TopicPartition> uncommitted = new ArrayList<>();
        groupByTopic.forEach((topic, group) -> {
            Map<TopicPartition, OffsetAndMetadata> offsets = committed.getOrDefault(group, Map.of());
            for (TopicPartition partition : partitionsByTopic.get(topic)) {
                OffsetAndMetadata offset = offsets.get(partition);
                if (offset == null) {
                    uncommitted.add(partition);
                } else {
                    from.put(partition, offset.offset());
                }
            }
        });
        if (!uncommitted.isEmpty()) {
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            uncommitted.forEach(partition -> earliest.put(partition, OffsetSpec.earliest()));
            await(admin.listOffsets(earliest).all()).forEach((partition, info) -> from.put(partition, info.offset()));
        }

        long endOffsets = 0;
        long lag = 0;
        for (Map.Entry<TopicPartition, ListOffsetsResultInfo> end : ends.entrySet()) {
            endOffsets += end.getValue().offset();
            lag += Math.max(0, end.getValue().offset() - from.getOrDefault(end.getKey(), end.getValue().offset()));
        }
        return new Sample(endOffsets, lag, partitionsByTopic.get(normalTopic).size());
    }

    private <T> T await(org.apache.kafka.common.KafkaFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
