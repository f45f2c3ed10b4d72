package io.hal9.topology.node;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Properties;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.resilience.BreakerNeuronClient;
import io.hal9.neurons.resilience.CachedNeuronClient;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;
import io.hal9.topology.config.StreamsSettings;
import io.hal9.topology.kafka.RocksDBMemory;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.CallBudget;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.layer.LayerStage;
import io.hal9.topology.layer.LayerTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lane of a layer as a running Kafka Streams application ({@code application.id} = {@code hal9-l3}
 * for L3's normal lane, {@code hal9-l3-high} for its high lane): builds the layer topology, owns the
 * {@link KafkaStreams} instance and binds its metrics. The lanes of a layer share a {@link LayerClaude}.
 */
public final class LayerRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LayerRuntime.class);

    /**
     * Producer transaction timeout under exactly-once. The non-blocking stage never holds a
     * transaction open across a Claude call: a transaction spans one commit interval plus at most
     * one back-pressure wait per record, a few seconds at worst. The timeout is also how long a
     * killed instance's open transaction can hold back {@code read_committed} readers and the new
     * owner's offsets when the new owner does not reuse its state directory (same state directory:
     * fenced at once), so it stays short.
     */
    static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(30);

    /**
     * How long the stream thread may sit in {@code poll()} when no input arrives. Answers are
     * forwarded by a punctuator on the stream thread, so this bounds how late an answer that
     * arrives in a quiet moment goes out (Kafka Streams' default is 100 ms).
     */
    static final Duration POLL = Duration.ofMillis(10);

    /**
     * Exactly-once commit interval: forwarded signals become visible to {@code read_committed}
     * readers at the next commit, and each commit writes the in-flight store's changelog once for
     * all signals stored and deleted since the last one.
     */
    static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

    /**
     * {@code max.task.idle.ms} of a layer: disabled. Every sub-topology of a layer reads one topic
     * (the input, or the route's repartition topic), so a task never has two partitions whose
     * timestamps it could wait to line up; and Kafka Streams, while the setting is on, works out
     * (and formats a log line about) the fetched lag of every empty partition each time it looks at
     * an idle task, which is most of a lightly loaded stream thread's work.
     */
    static final long MAX_TASK_IDLE_MS = StreamsConfig.MAX_TASK_IDLE_MS_DISABLED;

    private final LayerSpec spec;
    private final LayerClaude claude;
    private final LayerStage stage;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final Optional<RocksDBMemory> storeMemory;

    /** A layer in its normal lane, with a breaker, cache and capacity of its own. */
    public LayerRuntime(LayerSpec spec, Hal9Config config, Topics topics, NeuronClient neuron, MeterRegistry registry) {
        this(spec, config, topics, neuron, registry, InstantSource.system());
    }

    /** As above, with stored answers expiring on {@code clock} (tests move one by hand). */
    public LayerRuntime(LayerSpec spec, Hal9Config config, Topics topics, NeuronClient neuron, MeterRegistry registry,
                        InstantSource clock) {
        this(spec, config, topics, LayerClaude.of(spec.layer(), config, neuron, registry, clock), registry, clock);
    }

    /**
     * One lane of a layer ({@code spec.lane()}), sharing {@code claude} (breaker, cache, capacity)
     * with the layer's other lanes in this process.
     */
    public LayerRuntime(LayerSpec spec, Hal9Config config, Topics topics, LayerClaude claude, MeterRegistry registry,
                        InstantSource clock) {
        this.spec = spec;
        this.claude = claude;
        this.storeMemory = storeMemory(config);
        Properties props = streamsProperties(spec, config, storeMemory);
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(props)));
        this.stage = LayerStage.create(spec, Hal9Settings.stage(config), claude.capacity(), claude.cache(),
                new LayerMetrics(registry, spec.layer(), spec.lane(), spec.prices()), registry)
                .withClock(clock);
        LayerTopology.build(builder, topics, stage);
        Topology topology = builder.build();
        this.streams = new KafkaStreams(topology, props);
        this.streams.setUncaughtExceptionHandler(error -> {
            LOG.error("layer {} ({} lane) stream thread failed; the instance shuts down so its partitions move",
                    spec.layer(), spec.lane().label(), error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        this.streamsMetrics = new KafkaStreamsMetrics(streams, Tags.of("layer", spec.layer(), "lane",
                spec.lane().label()));
        this.streamsMetrics.bindTo(registry);
        LayerMetrics.bindStoreMemory(registry, Tags.of("layer", spec.layer(), "lane", spec.lane().label()),
                this::storeMemoryBytes, storeMemoryBound());
    }

    /**
     * The Kafka Streams settings of a layer: HAL9 defaults, then {@code KAFKA_*} pass-through; RocksDB
     * as Kafka Streams configures it (for applications without stores).
     */
    public static Properties streamsProperties(LayerSpec spec, Hal9Config config) {
        return streamsProperties(spec, config, Optional.empty());
    }

    /** A layer's Kafka Streams settings, its RocksDB stores within {@code memory} when one is given. */
    static Properties streamsProperties(LayerSpec spec, Hal9Config config, Optional<RocksDBMemory> memory) {
        Properties props = new Properties();
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, MAX_TASK_IDLE_MS);
        return streamsProperties(props, spec.applicationId(), config, memory);
    }

    /** The shared RocksDB memory of one application instance ({@code hal9.rocksdb.memory.bytes}; 0: none). */
    static Optional<RocksDBMemory> storeMemory(Hal9Config config) {
        return RocksDBMemory.bounded(Hal9Settings.streams(config).rocksDbMemoryBytes());
    }

    /**
     * The Kafka Streams settings of any HAL9 application ({@code hal9-l3}, {@code hal9-game}, ...),
     * its RocksDB stores within {@code memory} when one is given.
     */
    static Properties streamsProperties(String applicationId, Hal9Config config, Optional<RocksDBMemory> memory) {
        return streamsProperties(new Properties(), applicationId, config, memory);
    }

    /** {@code props} (an application's own defaults) with HAL9's, then {@code KAFKA_*} pass-through. */
    private static Properties streamsProperties(Properties props, String applicationId, Hal9Config config,
                                                Optional<RocksDBMemory> memory) {
        StreamsSettings streams = Hal9Settings.streams(config);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, streams.processingGuarantee());
        props.put(StreamsConfig.STATE_DIR_CONFIG, streams.stateDir());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streams.streamThreads());
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
                (int) TRANSACTION_TIMEOUT.toMillis());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.POLL_MS_CONFIG, POLL.toMillis());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL.toMillis());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        memory.ifPresent(shared -> shared.applyTo(props));
        props.putAll(config.kafkaProperties());
        return props;
    }

    public void start() {
        streams.start();
    }

    public LayerSpec spec() {
        return spec;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public LayerStage stage() {
        return stage;
    }

    public BreakerNeuronClient breaker() {
        return claude.breaker();
    }

    public CachedNeuronClient cache() {
        return claude.cache();
    }

    /** RocksDB memory of this layer's stores now (see {@link RocksDBMemory#inUse}). */
    public long storeMemoryBytes() {
        return RocksDBMemory.inUse(streams.metrics(), storeMemory.isPresent());
    }

    /** {@code hal9.rocksdb.memory.bytes} of this layer; 0 when unbounded. */
    public long storeMemoryBound() {
        return storeMemory.map(RocksDBMemory::boundBytes).orElse(0L);
    }

    /**
     * Closes the layer: stops starting Claude calls, lets calls in flight finish and be forwarded
     * for up to {@code hal9.shutdown.drain.ms}, then closes Kafka Streams (committing what
     * was forwarded) and leaves the consumer group so its partitions move at once. Signals still
     * waiting stay in the in-flight store for the next owner. Logs what the drain did, e.g.
     * {@code layer L2 drained in 1203 ms: 64 calls in flight at SIGTERM, 64 answers forwarded, 0
     * dead-lettered, 0 failed and left to retry, 0 calls abandoned; 236 signals left for the successor}.
     */
    public void close(Duration timeout) {
        long started = System.nanoTime();
        CallBudget budget = stage.budget();
        budget.beginClosing();
        try {
            budget.awaitDrained(stage.settings().shutdownGrace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        budget.endDrain();
        long drainMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        boolean closed = streams.close(CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        streamsMetrics.close();
        if (closed) {
            storeMemory.ifPresent(RocksDBMemory::close);
        }
        CallBudget.Drain drain = budget.drain();
        // what closed tasks handed over, and what tasks that did not close in time still hold
        long left = drain.handedOver() + budget.pending();
        LOG.info("{}", drained(name(), drainMs, drain, left));
        if (!closed) {
            LOG.warn("layer {}: Kafka Streams did not close within {} ms; answers forwarded since its last commit "
                    + "are not committed and the next owner asks Claude for them again", name(),
                    timeout.toMillis());
        }
        LOG.info("layer {} closed in {} ms", name(),
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    /** The layer and, unless normal, its lane: {@code L2}, {@code L2 (high lane)}. */
    public String name() {
        return spec.lane() == Lane.NORMAL ? spec.layer() : spec.layer() + " (" + spec.lane().label() + " lane)";
    }

    /** The line a stopping layer logs about its drain. */
    static String drained(String layer, long drainMs, CallBudget.Drain drain, long left) {
        return "layer " + layer + " drained in " + drainMs + " ms: " + drain.inFlightAtStart()
                + " calls in flight at SIGTERM, " + drain.forwarded() + " answers forwarded, " + drain.deadLettered()
                + " dead-lettered, " + drain.leftToRetry() + " failed and left to retry, " + drain.abandoned()
                + " calls abandoned; " + left + " signals left for the successor";
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
