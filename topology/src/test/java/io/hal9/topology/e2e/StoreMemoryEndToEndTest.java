package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.node.LayerRuntime;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hal9.rocksdb.memory.bytes} on a real broker: a layer that keeps more answers than its
 * RocksDB memory bound, written through its in-flight and answer stores over six tasks, holds no
 * more than the bound plus 10 % in memory, as its {@code hal9_cache_store_memory_bytes} gauge reports
 * it throughout.
 */
class StoreMemoryEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(5))));

    private static final int PARTITIONS = 6;
    private static final long BOUND = 4L * 1024 * 1024;
    private static final int SIGNALS = 12_000;
    /** Padding that makes every signal in flight about a kilobyte in its store. */
    private static final String PADDING = " Context: the service keeps its state in a replicated log;".repeat(16);

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }

    @Test
    void shouldKeepTheStoresRocksDbMemoryWithinItsBoundWhileTheAnswersOutgrowIt(TestInfo test) throws Exception {
        // Given one layer whose RocksDB memory is bounded by 4 MiB
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(),
                KAFKA.stack().registryUrl());
        settings.put(Hal9Config.STATE_DIR_CONFIG, dir.toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, KAFKA.stack().simulatorUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, "L2");
        settings.put(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG, BOUND);
        Hal9Config config = Hal9Config.of(settings);
        Topics topics = new Topics(config, KAFKA.stack().registry());
        KAFKA.createTopics(PARTITIONS, topics.allNames().toArray(String[]::new));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClaudeNeuronClient claude = new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl()));
        LayerRuntime layer = new LayerRuntime(LayerSpec.of("L2", config), config, topics, claude, registry);
        running.add(claude);
        running.add(layer);
        layer.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> layer.state() == KafkaStreams.State.RUNNING);

        // When 12,000 signals of distinct content, about a kilobyte each, are answered and kept
        try (KafkaProducer<byte[], Signal> producer = producer(topics)) {
            for (int i = 0; i < SIGNALS; i++) {
                producer.send(new ProducerRecord<>(topics.inputName("L2"), key("key-" + i),
                        signal("signal-" + i, "Task " + i + ": move shard " + i + " to the new cluster." + PADDING)));
            }
        }
        AtomicLong peak = new AtomicLong();
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(50)).until(() -> {
            peak.accumulateAndGet((long) gauge(registry, LayerMetrics.STORE_MEMORY), Math::max);
            return forwarded(registry) >= SIGNALS;
        });
        peak.accumulateAndGet((long) gauge(registry, LayerMetrics.STORE_MEMORY), Math::max);

        // Then the answers kept outgrow the bound
        assertThat(gauge(registry, LayerMetrics.ANSWER_STORE_BYTES)).isGreaterThan(BOUND);
        // while RocksDB held no more than the bound plus 10 % in memory, and reported some
        assertThat(peak.get()).isGreaterThan(0).isLessThanOrEqualTo(BOUND + BOUND / 10);
        assertThat(gauge(registry, LayerMetrics.STORE_MEMORY_BOUND)).isEqualTo(BOUND);
        // and every signal was answered once
        assertThat(forwarded(registry)).isEqualTo(SIGNALS);
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag("layer", "L2").gauge().value();
    }

    private static double forwarded(SimpleMeterRegistry registry) {
        return registry.get(LayerMetrics.SIGNALS_PROCESSED).tag("layer", "L2")
                .tag("outcome", LayerMetrics.OUTCOME_FORWARDED).counter().count();
    }

    private static KafkaProducer<byte[], Signal> producer(Topics topics) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new ByteArraySerializer(), topics.signalSerde().serializer());
    }
}
