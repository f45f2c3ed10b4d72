package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.hal9.topology.autoscale.ReplicaForecast;
import io.hal9.topology.config.AutoscaleSettings;
import io.hal9.topology.layer.InputReads;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.testing.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A layer's arrival rate on an input written in transactions, on a real broker: a transactional
 * producer commits one record per partition per transaction, so every record is followed by a
 * commit marker, and a Kafka Streams application under exactly-once reads the topic through a
 * layer's first node ({@link InputReads#counter}). The layer's sampler, driven by hand, reads the
 * offsets with {@link InputOffsets} and the application's tasks' positions.
 */
class TransactionalArrivalsTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Logger LOG = LoggerFactory.getLogger(TransactionalArrivalsTest.class);
    private static final int PARTITIONS = 4;
    /** Records published in each sampled interval. */
    private static final int RECORDS_PER_INTERVAL = 200;
    private static final int INTERVALS = 3;
    /** Unsmoothed: the arrival rate is the newest interval's, comparable with what was published in it. */
    private static final AutoscaleSettings SETTINGS = new AutoscaleSettings(Duration.ofSeconds(1), Duration.ZERO,
            Duration.ZERO, new ReplicaForecast.Settings(1, 1, 1, Duration.ofSeconds(10)));

    private final AtomicBoolean producing = new AtomicBoolean(true);
    /** What the test started, closed last first. */
    private final Deque<AutoCloseable> closing = new ArrayDeque<>();

    @AfterEach
    void close() throws Exception {
        producing.set(false);
        while (!closing.isEmpty()) {
            closing.pop().close();
        }
    }

    @Test
    void shouldCountTheRecordsNotTheTransactionMarkersAsArrivals(TestInfo test) throws Exception {
        // Given an exactly-once application that reads an input of 4 partitions through a layer's first node,
        // running, and a producer writing to the input in transactions of one record per partition
        String topic = KafkaFixture.topicName(test, "input");
        KAFKA.createTopics(PARTITIONS, topic);
        LayerMetrics metrics = new LayerMetrics(new SimpleMeterRegistry(), "L3");
        KafkaStreams streams = startReading(topic, metrics);
        await().atMost(Duration.ofSeconds(30)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        AtomicLong published = new AtomicLong();
        Thread producer = new Thread(() -> publishInTransactions(topic, published), "transactional-producer");
        producer.start();
        closing.push(producer::join);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()));
        closing.push(admin);
        InputOffsets offsets = new InputOffsets(admin, Map.of(topic, topic + "-app"), topic, Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(30)).until(() -> metrics.inputReads().positions().size() == PARTITIONS
                && metrics.signalsRead() > 0);

        // When the layer's sampler samples it every RECORDS_PER_INTERVAL records published
        long start = System.nanoTime();
        AtomicLong clock = new AtomicLong();
        List<long[]> reads = new ArrayList<>(); // at each sample: millis, end offsets, records published
        ForecastSampler sampler = new ForecastSampler("L3", SETTINGS,
                atMs -> new InstanceCapacity.Reading(atMs, 0, 0, 0, 0, 0), metrics.inputReads()::positions,
                Optional::empty, clock::get);
        InputOffsets.Source source = () -> {
            InputOffsets.Sample sample = offsets.read();
            clock.set((System.nanoTime() - start) / 1_000_000);
            reads.add(new long[] {clock.get(), sample.endOffsets(), published.get()});
            return sample;
        };
        sampler.sample(source);
        for (int interval = 1; interval <= INTERVALS; interval++) {
            long due = reads.get(reads.size() - 1)[2] + RECORDS_PER_INTERVAL;
            await().atMost(Duration.ofSeconds(30)).until(() -> published.get() >= due);
            sampler.sample(source);

            // Then each interval's end offsets grew by about twice its records (a marker after each), half the
            // offsets the application's tasks spanned were records, and the arrival rate counts the records
            // alone, within 10 %
            long[] before = reads.get(interval - 1);
            long[] after = reads.get(interval);
            double seconds = (after[0] - before[0]) / 1000.0;
            double trueRate = (after[2] - before[2]) / seconds;
            double rawRate = (after[1] - before[1]) / seconds;
            ForecastSampler.Figures figures = sampler.figures();
            LOG.info("interval {}: {} s, records {}/s, end offsets {}/s, arrival rate {}/s (record share {})",
                    interval, seconds, Math.round(trueRate), Math.round(rawRate), Math.round(figures.arrivalRate()),
                    String.format("%.3f", figures.recordShare()));
            assertThat(rawRate / trueRate).as("end offsets over records, interval %d", interval).isBetween(1.8, 2.2);
            assertThat(figures.recordShare()).isCloseTo(0.5, within(0.02));
            assertThat(figures.arrivalRate() / trueRate).as("arrival rate over records, interval %d", interval)
                    .isBetween(0.9, 1.1);
        }
    }

    /** Publishes one record to each partition per transaction until the test ends. */
    private void publishInTransactions(String topic, AtomicLong published) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic + "-producer"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            byte[] value = new byte[100];
            while (producing.get()) {
                producer.beginTransaction();
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    producer.send(new ProducerRecord<>(topic, partition, null, value));
                }
                producer.commitTransaction();
                published.addAndGet(PARTITIONS);
            }
        }
    }

    /** An exactly-once application reading {@code topic} through a layer's first node, counting on {@code metrics}. */
    private KafkaStreams startReading(String topic, LayerMetrics metrics) throws IOException {
        File stateDir = Files.createTempDirectory("hal9-transactional-arrivals").toFile();
        closing.push(() -> Utils.delete(stateDir));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, topic + "-app");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, LayerRuntime.COMMIT_INTERVAL.toMillis());
        props.put(StreamsConfig.POLL_MS_CONFIG, LayerRuntime.POLL.toMillis());
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.getAbsolutePath());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .processValues(InputReads.counter(metrics), Named.as("l3-read"));
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        closing.push(() -> streams.close(Duration.ofSeconds(10)));
        streams.start();
        return streams;
    }
}
