package io.hal9.topology.cli.bench;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import io.hal9.schemas.v1.DeadLetter;
import io.hal9.topology.kafka.Topics;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The bench's final count of outcomes per signal, read from the topics after the layer stopped.
 *
 * @param lost        published signals that ended in neither a result nor a dead letter
 * @param duplicates  every result or dead letter beyond the first per root id (the layer's
 *                    contract is exactly one of them per signal)
 * @param deadLetters every record on the dead-letter topic
 */
record Audit(long lost, long duplicates, long deadLetters) {

    /** How many dead letters are shown on the progress stream, with their reasons. */
    private static final int DEAD_LETTERS_SHOWN = 5;

    /**
     * Reads the whole results and dead-letter topics again from the beginning, committed records
     * only ({@code read_committed}), up to their last stable offsets, and counts the outcomes of
     * {@code published}'s signals; records of other root ids count only as dead letters.
     *
     * @throws IllegalStateException when the topics cannot be read to their end within {@code timeout}
     */
    static Audit read(String bootstrap, Topics topics, BenchCommand.Signals published, Duration timeout,
            Consumer<String> progress) {
        int[] outcomes = new int[published.count()];
        long deadLetters = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = BenchCommand.committedReader(bootstrap, topics)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read the output topics to their end within "
                            + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(BenchCommand.POLL)) {
                    String rootId;
                    if (record.topic().equals(topics.results().name())) {
                        rootId = topics.signalSerde().deserializer().deserialize(record.topic(), record.value())
                                .getRootId();
                    } else {
                        deadLetters++;
                        DeadLetter letter = topics.deadLetterSerde().deserializer().deserialize(record.topic(),
                                record.value());
                        rootId = letter.getRootId();
                        if (deadLetters <= DEAD_LETTERS_SHOWN) {
                            progress.accept("dead letter " + rootId + ": " + letter.getCategory() + " after "
                                    + letter.getAttempts() + " attempts: " + letter.getReason());
                        }
                    }
                    int i = published.indexOf(rootId);
                    if (i >= 0) {
                        outcomes[i]++;
                    }
                }
            }
        }
        long lost = 0;
        long duplicates = 0;
        for (int count : outcomes) {
            lost += count == 0 ? 1 : 0;
            duplicates += Math.max(0, count - 1);
        }
        return new Audit(lost, duplicates, deadLetters);
    }
}
