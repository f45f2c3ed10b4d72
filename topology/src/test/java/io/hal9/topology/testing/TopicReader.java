package io.hal9.topology.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Watches one topic while a test runs: reads every partition from the beginning, without a
 * consumer group, and keeps every record it has read. Unlike {@link KafkaFixture#consume}, which
 * waits for a number of records or a timeout, {@link #readToEnd(Duration)} stops exactly at the end
 * of the topic as the broker shows it to the chosen isolation level: the high watermark for
 * {@code read_uncommitted} (records of open and aborted transactions included), the last stable
 * offset for {@code read_committed}.
 *
 * <p>How to use: {@code try (TopicReader written = TopicReader.open(bootstrap, topic, IsolationLevel.READ_UNCOMMITTED)) {...}},
 * then {@code await().until(() -> written.readToEnd(timeout) >= n)}. Not thread-safe.
 */
public final class TopicReader implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    private TopicReader(KafkaConsumer<byte[], byte[]> consumer, String topic, Duration timeout) {
        this.consumer = consumer;
        for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
            partitions.add(new TopicPartition(topic, info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** A reader of {@code topic} with the given isolation level, positioned at the beginning. */
    public static TopicReader open(String bootstrapServers, String topic, IsolationLevel isolation) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            return new TopicReader(consumer, topic, Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    /**
     * Reads until every partition's position reaches the end offset the broker gives now.
     *
     * @param timeout at most this long; a reader that did not get to the end throws
     * @return how many records this reader has read in all, this call's included
     * @throws IllegalStateException when the end was not reached within {@code timeout}
     */
    public int readToEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
        while (!reached(ends)) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new IllegalStateException("did not read to the end offsets " + ends + " within " + timeout);
            }
            consumer.poll(Duration.ofNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(POLL.toMillis()))))
                    .forEach(records::add);
        }
        return records.size();
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
    }

    /** How many records this reader has read so far. */
    public int size() {
        return records.size();
    }

    /** The records read so far, in the order they were read. */
    public List<ConsumerRecord<byte[], byte[]>> records() {
        return Collections.unmodifiableList(records);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
