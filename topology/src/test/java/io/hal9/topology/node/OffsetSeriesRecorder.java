package io.hal9.topology.node;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.hal9.topology.devstack.EmbeddedKafkaBroker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Records the offset series the replica forecast tests replay
 * ({@code src/test/resources/io/hal9/topology/autoscale/rising-arrivals.csv}): a program, not a test.
 *
 * <p>It starts an {@link EmbeddedKafkaBroker}, creates a topic of 4 partitions, and for 60 s
 * publishes to it at a rate rising linearly from 5 to 155 signals per second (5 + 2.5 t, 500-byte
 * values, keys spread over the partitions), while a consumer group reads at most 60 signals per
 * second and commits after every poll, as a layer at its capacity would. Every second it reads the
 * topic's end offsets and the group's lag with {@link InputOffsets}, the reader the layers use, and
 * writes {@code millis,end_offsets,lag} (milliseconds since the first row). From about 22 s the
 * arrivals outrun the consumer and the lag grows.
 *
 * <p>Run it from {@code topology/} after {@code mvn -B -q -pl topology -am install -DskipTests}:
 * <pre>
 * mvn -B -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) io.hal9.topology.node.OffsetSeriesRecorder \
 *     src/test/resources/io/hal9/topology/autoscale/rising-arrivals.csv
 * </pre>
 */
public final class OffsetSeriesRecorder {

    static final String TOPIC = "recorded.signals";
    static final String GROUP = "recorded-layer";
    static final int PARTITIONS = 4;
    static final Duration LENGTH = Duration.ofSeconds(60);
    static final Duration SAMPLE = Duration.ofSeconds(1);
    static final double START_RATE = 5;
    static final double RATE_RISE_PER_SECOND = 2.5;
    static final double CONSUMER_CAPACITY = 60;

    private OffsetSeriesRecorder() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "rising-arrivals.csv");
        requireDirectory(out);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            broker.createTopics(PARTITIONS, TOPIC);
            AtomicBoolean running = new AtomicBoolean(true);
            Thread consumer = new Thread(() -> consume(broker.bootstrapServers(), running), "recorder-consumer");
            consumer.start();
            Thread producer = new Thread(() -> produce(broker.bootstrapServers(), running), "recorder-producer");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()))) {
                InputOffsets offsets = new InputOffsets(admin, Map.of(TOPIC, GROUP), TOPIC, Duration.ofSeconds(5));
                producer.start();
                record(offsets, out);
            } finally {
                running.set(false);
                producer.join();
                consumer.join();
            }
        }
    }

    private static void record(InputOffsets offsets, Path out) throws Exception {
        long start = System.nanoTime();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            csv.println("millis,end_offsets,lag");
            long next = start;
            while (next - start <= LENGTH.toNanos()) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                InputOffsets.Sample sample = offsets.read();
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                csv.println(millis + "," + sample.endOffsets() + "," + sample.lag());
                csv.flush();
                next += SAMPLE.toNanos();
            }
        }
    }

    /** Publishes at {@code START_RATE + RATE_RISE_PER_SECOND × t} signals per second. */
    private static void produce(String bootstrapServers, AtomicBoolean running) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            double sent = 0;
            byte[] value = new byte[500];
            while (running.get()) {
                double t = (System.nanoTime() - start) / 1e9;
                // signals due by t: the integral of the rate
                double due = START_RATE * t + RATE_RISE_PER_SECOND * t * t / 2;
                while (sent < due) {
                    producer.send(new ProducerRecord<>(TOPIC, ("key-" + (long) sent).getBytes(StandardCharsets.UTF_8),
                            value));
                    sent++;
                }
                sleepQuietly(5);
            }
        }
    }

    /**
     * Reads at most {@code CONSUMER_CAPACITY} signals per second, committing after every poll (the
     * commit covers what the poll returned, before the time those records take is spent).
     */
    private static void consume(String bootstrapServers, AtomicBoolean running) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long free = System.nanoTime();
            while (running.get()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                consumer.commitSync();
                // the records take 1/capacity s each from when the consumer was free: idle time is not banked
                free = Math.max(free, System.nanoTime()) + (long) (records.count() / CONSUMER_CAPACITY * 1e9);
                sleepQuietly(TimeUnit.NANOSECONDS.toMillis(free - System.nanoTime()));
            }
        }
    }

    private static void sleepQuietly(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void requireDirectory(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
    }
}
