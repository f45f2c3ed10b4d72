package io.hal9.topology.cli.bench;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.claude.PromptCaching;
import io.hal9.neurons.models.Prices;
import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.neurons.simulator.SimulatorStats;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.cli.common.Percentiles;
import io.hal9.topology.cli.common.SimulatorFaultOptions;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;
import io.hal9.topology.devstack.EmbeddedKafkaBroker;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.node.LayerRuntime;
import io.hal9.topology.node.ModelCheck;
import io.micrometer.core.instrument.Counter;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hal9 bench}: a benchmark program for the neuron stage of one layer.
 *
 * <p><b>How to use.</b> {@code hal9 bench --mode async --signals 5000 --latency-ms 500}. In one JVM
 * it starts an embedded KRaft broker, the schema registry and the Claude simulator (answering after
 * {@code --latency-ms}), runs layer L2 alone ({@code hal9.layers.chain=L2}, so L2 writes straight to
 * the results topic), publishes {@code --signals} distinct signals as fast as an idempotent producer (or {@code --rate} per second)
 * can, and reads the results topic ({@code read_committed}) until every signal has a result or a
 * dead letter, or {@code --timeout} seconds pass. Progress goes to stderr; stdout gets exactly one
 * JSON line: {@code {"mode":"async","signals":N,"latency_ms":L,"max_in_flight":M,
 * "guarantee":"exactly_once_v2","throughput_per_s":X,"p50_ms":A,"p99_ms":B,"lost":0,"duplicates":0,
 * "dead_letters":0,"duration_ms":T,...}}, among the rest {@code store_memory_peak_bytes}: the most RocksDB
 * memory one layer instance held (block cache, memtables, table readers, sampled every 100 ms while
 * the layers run), beside {@code store_memory_bound_bytes} ({@code hal9.rocksdb.memory.bytes}, 0 when
 * unbounded).
 *
 * <p><b>The figures.</b> Latency is publish → result seen by the benchmark's consumer, per signal;
 * {@code throughput_per_s} is results ÷ (first publish → last result), and {@code duration_ms} that
 * same window (to the end of waiting when results are missing). After the layer is stopped the
 * whole results and dead-letter topics are read again from the beginning ({@code read_committed}),
 * so late duplicates count too: {@code lost} counts published signals that ended in neither a
 * result nor a dead letter, {@code duplicates} every result or dead letter beyond the first per
 * root id (the layer's contract is exactly one of them per signal), {@code dead_letters} every
 * record on the dead-letter topic.
 *
 * <p><b>The cached path.</b> {@code hal9 bench --mode passthrough --distinct 100} measures the three
 * layers L2 → L3 → L4 answering every signal from their caches against the anchor, in one run: first
 * a pure Kafka Streams copy of the same records through three chained applications (the same
 * settings and guarantee as the layers, topics {@code hal9.passthrough.*}), then the layers, whose
 * caches are first filled with one signal per content; both runs get the same warm-up and the same
 * signals. The JSON line gives {@code passthrough_per_s}, {@code cached_per_s}, their ratio
 * {@code cached_vs_passthrough}, the p50/p99 of both, and the Claude calls and cache hits of the
 * cached run (0 calls: every hop answered from a cache).
 *
 * <p><b>A pod's start-up.</b> {@code hal9 bench --mode startup --distinct 5000 --runs 3} fills a
 * layer's stores with that many answers, then starts {@code hal9 run --layer L2} as a process of its
 * own {@code --runs} times, each on an empty state directory, and measures process start →
 * {@code /health/ready} with the stores restored from their changelogs (see {@link StartupBench}).
 *
 * <p><b>Exit status.</b> 0 when nothing was lost or duplicated (startup: when every pod restored
 * every stored answer), 1 otherwise, 2 on a usage or start-up error (startup: a pod that exited
 * before it was ready, or was not ready in time).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the neuron stage of one layer (L2 alone, Claude simulator, embedded Kafka): "
                + "publish signals as fast as possible, then print one JSON line with throughput, latency "
                + "percentiles and lost/duplicated results.")
public final class BenchCommand implements Callable<Integer> {

    private static final String HOST = "127.0.0.1";
    private static final String LAYER = "L2";
    private static final String PASSTHROUGH = "passthrough";
    private static final String STARTUP = "startup";
    /** The chain of {@code --mode passthrough}: three layers, as a deployment runs them. */
    private static final String CACHED_CHAIN = "L2,L3,L4";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration AUDIT_TIMEOUT = Duration.ofSeconds(120);
    static final Duration POLL = Duration.ofMillis(100);
    private static final long PROGRESS_EVERY_MS = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--mode", defaultValue = "async", description = "Neuron stage: async (non-blocking) or blocking "
            + "(one call at a time per stream thread, the baseline); or passthrough: layers L2, L3 and L4 answering "
            + "every signal from their caches against a pure Kafka Streams copy of the same records; or startup: "
            + "time from a layer process's start to /health/ready with its stores restored "
            + "(default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--signals", defaultValue = "5000", description = "Signals to publish (default ${DEFAULT-VALUE}).")
    int signals;

    @Option(names = "--warmup", defaultValue = "1000", description = "Signals published and finished before the "
            + "measured run, so that JIT compilation and connection set-up are not measured; 0 measures a cold "
            + "start (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--latency-ms", defaultValue = "500", description = "Simulated Claude latency per call "
            + "(default ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(names = "--max-in-flight", defaultValue = "256", description = "Claude calls in flight per layer "
            + "instance (default ${DEFAULT-VALUE}); max pending is max(1024, 4 x this).")
    int maxInFlight;

    @Option(names = "--guarantee", defaultValue = "exactly_once_v2", description = "Processing guarantee: "
            + "exactly_once_v2 or at_least_once (default ${DEFAULT-VALUE}).")
    String guarantee;

    @Option(names = "--partitions", defaultValue = "8", description = "Partitions of the benchmark's topics "
            + "(default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--instances", defaultValue = "1", description = "Layer instances, each with its own Kafka "
            + "Streams, state directory and Claude client, in this JVM (default ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--distinct", defaultValue = "0", description = "Distinct contents the signals cycle through "
            + "(uniform repeats); 0 gives every signal its own content (default ${DEFAULT-VALUE}). --mode startup: "
            + "the answers stored before the layer process starts (0: " + StartupBench.DEFAULT_ANSWERS + ").")
    int distinct;

    @Option(names = "--zipf", defaultValue = "0", description = "Draw each signal's content from --distinct contents "
            + "(default: a tenth of --signals) with Zipf exponent S instead of cycling; 0 is off "
            + "(default ${DEFAULT-VALUE}).")
    double zipf;

    @Option(names = "--routing", defaultValue = "content", description = "hal9.cache.routing: content or key "
            + "(default ${DEFAULT-VALUE}).")
    String routing;

    @Option(names = "--rate", defaultValue = "0", description = "Signals published per second, evenly spaced, for "
            + "latency at a given load; 0 publishes them all at once (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--replay", description = "After the measured run, stop every instance, start as many new ones "
            + "on empty state directories (their answers restored from the changelog) and publish the same contents "
            + "again; the JSON adds replay_claude_calls and replay_calls_share (of the measured run's calls).")
    boolean replay;

    @Option(names = "--backlog", defaultValue = "0", description = "Lanes: publish this many normal signals at once "
            + "to layers L2, L3 and L4 (each with its high, normal and bulk lanes), then --high signals at --high-rate "
            + "while they drain, and print per-lane throughput and latency (default ${DEFAULT-VALUE}: off).")
    int backlog;

    @Option(names = "--high", defaultValue = "0", description = "Lanes: high signals published behind the backlog "
            + "(default ${DEFAULT-VALUE}); --backlog 0 --high M measures them on an idle pipeline.")
    int high;

    @Option(names = "--high-rate", defaultValue = "5", description = "Lanes: high signals per second "
            + "(default ${DEFAULT-VALUE}).")
    double highRate;

    @Option(names = "--bulk", defaultValue = "0", description = "Lanes: bulk signals published at once with the "
            + "backlog (default ${DEFAULT-VALUE}).")
    int bulk;

    @Option(names = "--runs", defaultValue = "3", description = "--mode startup: layer process starts measured, "
            + "each on an empty state directory (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--layer", defaultValue = LAYER, description = "--mode startup: the layer the process runs "
            + "(default ${DEFAULT-VALUE}).")
    String layer;

    @Option(names = "--prompt-file", paramLabel = "FILE", description = "System prompt file of the benchmarked "
            + "layer (hal9.l2.prompt.file: a first line 'version: <v>', then the prompt); default: the bundled one.")
    String promptFile;

    @Option(names = "--prompt-cache", defaultValue = Hal9Config.CLAUDE_PROMPT_CACHE_DEFAULT, description = "Prompt "
            + "caching of the layer's system prompt (hal9.claude.prompt.cache): 5m, 1h or off (default "
            + "${DEFAULT-VALUE}).")
    String promptCache;

    @Option(names = "--timeout", defaultValue = "600", description = "Seconds to wait for every signal "
            + "(--mode startup: also for each layer process to be ready) (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @CommandLine.Mixin
    SimulatorFaultOptions simulatorFaults = new SimulatorFaultOptions();

    private PrintWriter out;
    private PrintWriter err;
    /** {@code System.nanoTime()} when the simulator's fault clock (the outage window's zero) started. */
    private volatile long faultClockNanos;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        validate();
        // the layers' models (from the environment) before anything starts, against the model catalog
        Hal9Config environment = Hal9Config.load(Map.of(), System.getenv());
        ModelCheck.Report models = ModelCheck.of(environment, null, Clock.systemUTC())
                .check(environment.layersChain());
        if (!models.proceed(err)) {
            return ExitCodes.USAGE;
        }
        if (PASSTHROUGH.equals(mode)) {
            return cachedPath();
        }
        if (STARTUP.equals(mode)) {
            return startup();
        }
        if (backlog > 0 || high > 0 || bulk > 0) {
            return lanes();
        }
        progress("starting Kafka (KRaft, embedded), the schema registry and the Claude simulator ("
                + latencyMs + " ms per call)...");
        try (LocalStack stack = LocalStack.builder().registry()
                .simulator(0, () -> {
                    Instant start = Instant.now();
                    faultClockNanos = System.nanoTime();
                    return simulatorFaults.apply(SimulatorOptions.defaults().withLatency(Duration.ofMillis(latencyMs)),
                            spec.commandLine(), start);
                })
                .stateDir("hal9-bench-state").progress(this::progress).start()) {
            EmbeddedKafkaBroker broker = stack.broker();
            ClaudeSimulator simulator = stack.simulator();
            Hal9Config config = Hal9Config.load(settings(stack), System.getenv());
            Topics topics = new Topics(config, stack.registry());
            broker.createTopics(partitions, topics.allNames().toArray(String[]::new));

            Signals published = new Signals(signals, "bench", contents());
            Live live;
            Capacity capacity;
            Spend spend;
            List<Hal9Node> nodes = instances(stack, "instance-");
            Replay replayed = null;
            StoreMemoryPeak memory = new StoreMemoryPeak(nodes);
            try {
                progress("starting " + instances + " instance(s) of layer " + LAYER + " (mode " + mode + ", routing "
                        + routing + ", " + maxInFlight + " in flight, " + guarantee + ", " + partitions
                        + " partitions)...");
                for (Hal9Node node : nodes) {
                    node.start();
                }
                for (Hal9Node node : nodes) {
                    node.awaitRunning(STARTUP_TIMEOUT);
                }
                memory.start();
                if (warmup > 0) {
                    progress("warming up with " + warmup + " signals (not measured)...");
                    Live warm = publishAndWait(broker.bootstrapServers(), topics,
                            new Signals(warmup, "warmup", i -> "Warm-up signal " + i), nodes);
                    if (!warm.complete()) {
                        throw new IllegalStateException("the warm-up did not finish: " + warm.finished() + " of "
                                + warmup + " signals");
                    }
                }
                LayerRuntime layer = nodes.get(0).layers().get(0);
                AtomicLong openings = new AtomicLong();
                for (Hal9Node node : nodes) {
                    node.layers().get(0).breaker().circuitBreaker().getEventPublisher().onStateTransition(event -> {
                        if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                            openings.incrementAndGet();
                        }
                    });
                }
                Capacity before = Capacity.of(simulator, layer, openings);
                Spend spentBefore = Spend.of(nodes);
                live = publishAndWait(broker.bootstrapServers(), topics, published, nodes);
                capacity = Capacity.of(simulator, layer, openings).since(before);
                spend = Spend.of(nodes).since(spentBefore);
                if (replay) {
                    progress("stopping every instance, starting " + instances + " new one(s) on empty state "
                            + "directories...");
                    memory.stop();
                    nodes.forEach(Hal9Node::close);
                    nodes = instances(stack, "replay-instance-");
                    memory.follow(nodes);
                    for (Hal9Node node : nodes) {
                        node.start();
                    }
                    for (Hal9Node node : nodes) {
                        node.awaitRunning(STARTUP_TIMEOUT);
                    }
                    long callsBefore = simulator.requestCount();
                    Live again = publishAndWait(broker.bootstrapServers(), topics,
                            new Signals(signals, "replay", contents()), nodes);
                    replayed = new Replay(again.results(), simulator.requestCount() - callsBefore);
                }
            } finally {
                memory.stop();
                progress("stopping the layer...");
                nodes.forEach(Hal9Node::close);
            }
            progress("reading " + topics.results().name() + " and " + topics.deadLetters().name()
                    + " again from the beginning...");
            Audit audit = Audit.read(broker.bootstrapServers(), topics, published, AUDIT_TIMEOUT, this::progress);
            progress(String.format("%d results (%d lost, %d duplicates, %d dead letters), %.1f/s, p50 %d ms, "
                            + "p99 %d ms, %d Claude calls", live.results(), audit.lost(), audit.duplicates(),
                    audit.deadLetters(), live.throughputPerSecond(), live.percentile(0.50), live.percentile(0.99),
                    simulator.requestCount()));
            progress("RocksDB memory of a layer instance: peak " + memory.peakBytes() + " bytes, bound "
                    + boundOf(config) + " bytes (" + Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG + ", 0: unbounded)");
            out.println(json(live, audit, capacity, replayed, memory.peakBytes(), boundOf(config), spend,
                    layer(config)));
            out.flush();
            return audit.lost() == 0 && audit.duplicates() == 0 ? ExitCodes.OK : ExitCodes.UNFINISHED;
        }
    }

    /** {@code --backlog}, {@code --high}, {@code --bulk}: the lanes of three layers while a backlog drains. */
    private int lanes() throws Exception {
        if (backlog < 0 || high < 0 || bulk < 0 || highRate <= 0) {
            throw usage("--backlog, --high and --bulk must be at least 0, --high-rate more than 0");
        }
        LanesBench.Outcome outcome = new LanesBench(new LanesBench.Plan(backlog, high, highRate, bulk,
                Math.min(warmup, 100), latencyMs, maxInFlight, partitions, guarantee, Duration.ofSeconds(timeoutSeconds)),
                this::progress).run();
        out.println(JSON.writeValueAsString(outcome.figures()));
        out.flush();
        return outcome.exact() ? ExitCodes.OK : ExitCodes.UNFINISHED;
    }

    /** {@code --mode startup}: a layer process's start-up, its stores restored. */
    private int startup() throws Exception {
        StartupBench.Outcome outcome = new StartupBench(new StartupBench.Plan(layer.toUpperCase(Locale.ROOT),
                distinct > 0 ? distinct : StartupBench.DEFAULT_ANSWERS, runs, latencyMs, maxInFlight, partitions,
                guarantee, routing, Duration.ofSeconds(timeoutSeconds)), this::progress).run();
        out.println(JSON.writeValueAsString(outcome.figures()));
        out.flush();
        return outcome.restored() ? ExitCodes.OK : ExitCodes.UNFINISHED;
    }

    private void validate() {
        if (!Set.of("async", "blocking", PASSTHROUGH, STARTUP).contains(mode)) {
            throw usage("--mode must be async, blocking, passthrough or startup, got '" + mode + "'");
        }
        if (runs < 1) {
            throw usage("--runs must be at least 1");
        }
        if (!Set.of("exactly_once_v2", "at_least_once").contains(guarantee)) {
            throw usage("--guarantee must be exactly_once_v2 or at_least_once, got '" + guarantee + "'");
        }
        if (!Set.of("content", "key").contains(routing)) {
            throw usage("--routing must be content or key, got '" + routing + "'");
        }
        if (instances < 1 || distinct < 0 || zipf < 0 || rate < 0) {
            throw usage("--instances must be at least 1, --distinct, --zipf and --rate at least 0");
        }
        if (warmup < 0) {
            throw usage("--warmup must be at least 0");
        }
        if (signals < 1 || maxInFlight < 1 || partitions < 1 || timeoutSeconds < 1 || latencyMs < 0) {
            throw usage("--signals, --max-in-flight, --partitions and --timeout must be at least 1, "
                    + "--latency-ms at least 0");
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private Map<String, Object> settings(LocalStack stack) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, stack.registryUrl());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, stack.simulatorUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, PASSTHROUGH.equals(mode) ? CACHED_CHAIN : LAYER);
        settings.put(Hal9Config.NEURON_MODE_CONFIG, PASSTHROUGH.equals(mode) ? "async" : mode);
        settings.put(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, maxInFlight);
        settings.put(Hal9Config.NEURON_MAX_PENDING_CONFIG, Math.max(1024, 4 * maxInFlight));
        settings.put(Hal9Config.PROCESSING_GUARANTEE_CONFIG, guarantee);
        settings.put(Hal9Config.TOPIC_PARTITIONS_CONFIG, partitions);
        settings.put(Hal9Config.ADMIN_PORT_CONFIG, 0);
        settings.put(Hal9Config.ADMIN_HOST_CONFIG, HOST);
        settings.put(Hal9Config.STATE_DIR_CONFIG, stack.stateDir().toString());
        settings.put(Hal9Config.CACHE_ROUTING_CONFIG, routing);
        settings.put(Hal9Config.CLAUDE_PROMPT_CACHE_CONFIG, promptCache);
        if (promptFile != null) {
            settings.put(String.format(Hal9Config.LAYER_PROMPT_FILE_CONFIG_FORMAT, LAYER.toLowerCase(Locale.ROOT)),
                    promptFile);
        }
        if (PASSTHROUGH.equals(mode) && System.getenv(Hal9Config.keyToEnv(Hal9Config.LANES_CONFIG)) == null) {
            // the anchor copies each layer's records with one application: the cached layers, one lane each
            // (HAL9_LANES=high,normal,bulk measures them beside their idle lanes)
            settings.put(Hal9Config.LANES_CONFIG, "normal");
        }
        return settings;
    }

    /**
     * The content of signal {@code i}: its own (no {@code --distinct}, no {@code --zipf}), one of
     * {@code --distinct} in turn, or one drawn with Zipf exponent {@code --zipf} (seeded, so every run
     * draws the same sequence).
     */
    IntFunction<String> contents() {
        if (zipf > 0) {
            int[] drawn = Zipf.draws(signals, ranks(), zipf, 42);
            return i -> content(drawn[i % drawn.length]);
        }
        if (distinct > 0 || PASSTHROUGH.equals(mode)) {
            int ranks = ranks();
            return i -> content(i % ranks);
        }
        return i -> content(i);
    }

    /** How many contents repeat: {@code --distinct}, else a tenth of {@code --signals}. */
    private int ranks() {
        return distinct > 0 ? distinct : Math.max(1, signals / 10);
    }

    /**
     * {@code --mode passthrough}: the anchor (a copy of the records through three chained Kafka
     * Streams applications), then layers L2 → L3 → L4 with every hop answered from a cache.
     */
    private Integer cachedPath() throws Exception {
        progress("starting Kafka (KRaft, embedded), the schema registry and the Claude simulator ("
                + latencyMs + " ms per call)...");
        try (LocalStack stack = LocalStack.builder().registry()
                .simulator(0, () -> SimulatorOptions.defaults().withLatency(Duration.ofMillis(latencyMs)))
                .stateDir("hal9-bench-state").progress(this::progress).start()) {
            EmbeddedKafkaBroker broker = stack.broker();
            ClaudeSimulator simulator = stack.simulator();
            Hal9Config config = Hal9Config.load(settings(stack), System.getenv());
            Topics topics = new Topics(config, stack.registry());
            Map<String, Object> copySettings = settings(stack);
            copySettings.put(Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG, "hal9.passthrough.signals.");
            copySettings.put(Hal9Config.TOPIC_RESULTS_CONFIG, "hal9.passthrough.results");
            copySettings.put(Hal9Config.TOPIC_DLQ_CONFIG, "hal9.passthrough.dlq");
            copySettings.put(Hal9Config.STATE_DIR_CONFIG, stack.stateDir().resolve("passthrough").toString());
            Hal9Config copyConfig = Hal9Config.load(copySettings, System.getenv());
            Topics copies = new Topics(copyConfig, stack.registry());
            broker.createTopics(partitions, Stream.concat(topics.allNames().stream(), copies.allNames().stream())
                    .toArray(String[]::new));

            // the anchor: the same records copied through three Kafka Streams applications
            Live anchor;
            List<KafkaStreams> apps = new ArrayList<>();
            try {
                CountDownLatch running = new CountDownLatch(copyConfig.layersChain().size());
                for (String layer : copyConfig.layersChain()) {
                    KafkaStreams app = copyApp(copyConfig, copies, layer);
                    app.setStateListener((now, before) -> {
                        if (now == KafkaStreams.State.RUNNING) {
                            running.countDown();
                        }
                    });
                    apps.add(app);
                }
                progress("starting the passthrough: " + apps.size() + " chained Kafka Streams copies ("
                        + guarantee + ", " + partitions + " partitions)...");
                apps.forEach(KafkaStreams::start);
                if (!running.await(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the passthrough did not start within " + STARTUP_TIMEOUT);
                }
                if (warmup > 0) {
                    progress("warming the passthrough up with " + warmup + " signals (not measured)...");
                    publishAndWait(broker.bootstrapServers(), copies, new Signals(warmup, "warmup", contents()),
                            List.of());
                }
                anchor = publishAndWait(broker.bootstrapServers(), copies, new Signals(signals, "passthrough",
                        contents()), List.of());
            } finally {
                apps.forEach(app -> app.close(Duration.ofSeconds(30)));
            }
            progress(String.format("passthrough: %d records, %.1f/s, p50 %d ms, p99 %d ms", anchor.results(),
                    anchor.throughputPerSecond(), anchor.percentile(0.50), anchor.percentile(0.99)));

            // the cached path: the layers, their caches filled with every content first
            Signals published = new Signals(signals, "bench", contents());
            Live cached;
            long calls;
            List<Hal9Node> nodes = instances(stack, "instance-");
            StoreMemoryPeak memory = new StoreMemoryPeak(nodes);
            try {
                progress("starting " + instances + " instance(s) of layers " + CACHED_CHAIN + " (routing " + routing
                        + ", " + guarantee + ", " + partitions + " partitions)...");
                for (Hal9Node node : nodes) {
                    node.start();
                }
                for (Hal9Node node : nodes) {
                    node.awaitRunning(STARTUP_TIMEOUT);
                }
                memory.start();
                progress("filling the caches with one signal per content (" + ranks() + ")...");
                Live fill = publishAndWait(broker.bootstrapServers(), topics,
                        new Signals(ranks(), "fill", BenchCommand::content), nodes);
                if (!fill.complete()) {
                    throw new IllegalStateException("filling the caches did not finish: " + fill.finished() + " of "
                            + ranks() + " signals");
                }
                if (warmup > 0) {
                    progress("warming up with " + warmup + " signals (not measured)...");
                    publishAndWait(broker.bootstrapServers(), topics, new Signals(warmup, "warmup", contents()), nodes);
                }
                long callsBefore = simulator.requestCount();
                cached = publishAndWait(broker.bootstrapServers(), topics, published, nodes);
                calls = simulator.requestCount() - callsBefore;
            } finally {
                memory.stop();
                progress("stopping the layers...");
                nodes.forEach(Hal9Node::close);
            }
            Audit audit = Audit.read(broker.bootstrapServers(), topics, published, AUDIT_TIMEOUT, this::progress);
            progress(String.format("cached: %d results (%d lost, %d duplicates, %d dead letters), %.1f/s, p50 %d ms, "
                            + "p99 %d ms, %d Claude calls", cached.results(), audit.lost(), audit.duplicates(),
                    audit.deadLetters(), cached.throughputPerSecond(), cached.percentile(0.50),
                    cached.percentile(0.99), calls));
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("mode", mode);
            figures.put("layers", config.layersChain().size());
            figures.put("lanes", config.lanes().stream().map(Lane::label).toList());
            figures.put("routing", routing);
            figures.put("instances", instances);
            figures.put("distinct", ranks());
            figures.put("zipf", zipf);
            figures.put("signals", signals);
            figures.put("warmup", warmup);
            figures.put("guarantee", guarantee);
            figures.put("partitions", partitions);
            figures.put("passthrough_per_s", Math.round(anchor.throughputPerSecond() * 100.0) / 100.0);
            figures.put("passthrough_p50_ms", anchor.percentile(0.50));
            figures.put("passthrough_p99_ms", anchor.percentile(0.99));
            figures.put("cached_per_s", Math.round(cached.throughputPerSecond() * 100.0) / 100.0);
            figures.put("cached_p50_ms", cached.percentile(0.50));
            figures.put("cached_p99_ms", cached.percentile(0.99));
            figures.put("cached_vs_passthrough", anchor.throughputPerSecond() == 0 ? 0.0
                    : Math.round(cached.throughputPerSecond() / anchor.throughputPerSecond() * 1000.0) / 1000.0);
            figures.put("claude_calls", calls);
            figures.put("cache_hits", cached.cacheHits());
            figures.put("hit_ratio", cached.results() == 0 ? 0.0
                    : Math.round(cached.cacheHits() * 10_000.0 / cached.results()) / 10_000.0);
            figures.put("lost", audit.lost());
            figures.put("duplicates", audit.duplicates());
            figures.put("dead_letters", audit.deadLetters());
            figures.put("store_memory_peak_bytes", memory.peakBytes());
            figures.put("store_memory_bound_bytes", boundOf(config));
            out.println(JSON.writeValueAsString(figures));
            out.flush();
            return audit.lost() == 0 && audit.duplicates() == 0 && anchor.complete() ? ExitCodes.OK
                    : ExitCodes.UNFINISHED;
        }
    }

    /**
     * One link of the passthrough: a Kafka Streams application that copies {@code layer}'s input
     * topic to the topic after it, bytes as they are, with the settings a layer runs with.
     */
    private static KafkaStreams copyApp(Hal9Config config, Topics topics, String layer) {
        Properties props = LayerRuntime.streamsProperties(LayerSpec.of(layer, config), config);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hal9-bench-passthrough-" + layer.toLowerCase(Locale.ROOT));
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topics.inputName(layer), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(topics.output(layer).name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        return new KafkaStreams(builder.build(), props);
    }

    static String content(int n) {
        return "Benchmark signal " + n + ": plan how to move service #" + n
                + " onto the new message bus without downtime.";
    }

    /** One client for the layer, allowed as many concurrent calls as the stage keeps in flight. */

    /**
     * Publishes every signal from a thread of its own while this thread reads results and dead
     * letters, so a result is seen the moment it is committed; returns when every signal has one,
     * the timeout passes or the layer fails.
     */
    private Live publishAndWait(String bootstrap, Topics topics, Signals published, List<Hal9Node> nodes)
            throws InterruptedException, ExecutionException {
        Live live = new Live(published);
        String input = topics.inputName(LAYER);
        try (KafkaConsumer<byte[], byte[]> consumer = committedReader(bootstrap, topics)) {
            FutureTask<Void> publishing = new FutureTask<>(() -> publish(bootstrap, topics, input, published), null);
            Thread publisher = new Thread(publishing, "hal9-bench-publisher");
            publisher.setDaemon(true);
            progress("publishing " + published.count() + " signals to " + input + "...");
            long started = System.nanoTime();
            publisher.start();
            long deadline = started + Duration.ofSeconds(timeoutSeconds).toNanos();
            long lastProgress = System.nanoTime();
            boolean publishReported = false;
            while (!live.complete() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    live.record(record, topics, System.nanoTime());
                }
                if (publishing.isDone() && !publishReported) {
                    publishing.get(); // a failed publish ends the benchmark here
                    publishReported = true;
                    progress(String.format("published %d signals in %d ms", published.count(),
                            (published.lastAt() - published.firstAt()) / 1_000_000));
                }
                Hal9Node failed = nodes.stream().filter(Hal9Node::failed).findFirst().orElse(null);
                if (failed != null) {
                    progress("layer " + LAYER + " failed: " + failed.health().layers());
                    break;
                }
                if (System.nanoTime() - lastProgress >= PROGRESS_EVERY_MS * 1_000_000) {
                    lastProgress = System.nanoTime();
                    progress(String.format("... %d/%d results, %d dead letters, %.1f/s, %.1f s", live.results(),
                            published.count(), live.deadLetters(), live.throughputPerSecond(),
                            (lastProgress - started) / 1e9));
                }
            }
            live.end(System.nanoTime());
            if (!live.complete()) {
                progress(String.format("gave up after %d s: %d of %d signals have neither a result nor a dead "
                        + "letter", timeoutSeconds, published.count() - live.finished(), published.count()));
            }
            return live;
        }
    }

    private void publish(String bootstrap, Topics topics, String input, Signals published) {
        try (KafkaProducer<byte[], Signal> producer = idempotentProducer(bootstrap, topics)) {
            publish(producer, input, published, rate);
            producer.flush();
        }
    }

    /**
     * Sends every one of {@code signals} to {@code topic}, keyed by its root id, {@code perSecond}
     * evenly spaced (signal i leaves i / perSecond seconds after the first), or all at once for 0.
     *
     * @throws IllegalStateException when a send failed
     */
    static void publish(KafkaProducer<byte[], Signal> producer, String topic, Signals signals, double perSecond) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (int i = 0; i < signals.count() && failure.get() == null; i++) {
            if (perSecond > 0) {
                long due = start + (long) (i * 1e9 / perSecond);
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
            }
            String id = signals.rootId(i);
            Signal signal = Signal.newBuilder()
                    .setSignalId(id)
                    .setRootId(id)
                    .setActivation(Activation.newBuilder().setContent(signals.content(i)).build())
                    .setCreatedAt(Instant.now())
                    .build();
            signals.sent(i, System.nanoTime());
            producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), signal), (metadata, error) -> {
                if (error != null) {
                    failure.compareAndSet(null, error);
                }
            });
        }
        if (failure.get() != null) {
            throw new IllegalStateException("publishing to " + topic + " failed: " + failure.get(), failure.get());
        }
    }

    /**
     * How the measured run met Claude's capacity: what the simulator received and refused, and
     * what the layer did about it (counters are differences over the measured run).
     */
    record Capacity(long calls, long rateLimited, long overloaded, long insideRetryAfter, long throttled,
                    Duration paused, long breakerOpenings, int concurrencyLimit) {

        static Capacity of(ClaudeSimulator simulator, LayerRuntime layer, AtomicLong openings) {
            SimulatorStats stats = simulator.stats();
            ClaudeCapacity capacity = layer.stage().budget().capacity();
            long throttled = Stream.of(FailureCategory.values()).mapToLong(capacity::throttled).sum();
            return new Capacity(stats.calls(), stats.rateLimited(), stats.overloaded(), stats.insideRetryAfter(),
                    throttled, capacity.pausedTime(), openings.get(), capacity.limit());
        }

        Capacity since(Capacity before) {
            return new Capacity(calls - before.calls, rateLimited - before.rateLimited, overloaded - before.overloaded,
                    insideRetryAfter - before.insideRetryAfter, throttled - before.throttled,
                    paused.minus(before.paused), breakerOpenings - before.breakerOpenings, concurrencyLimit);
        }

        double rejectedShare() {
            return calls == 0 ? 0.0 : Math.round((rateLimited + overloaded) * 10_000.0 / calls) / 10_000.0;
        }
    }

    /**
     * What the measured signals' Claude calls cost, from the layer instances' own meters: dollars
     * ({@code hal9_claude_cost_usd_total}) and tokens by kind ({@code hal9_claude_tokens_total}).
     */
    record Spend(double costUsd, long input, long output, long cacheWrite, long cacheRead) {

        static Spend of(List<Hal9Node> nodes) {
            double cost = 0;
            long[] tokens = new long[4];
            String[] types = {"input", "output", "cache_creation", "cache_read"};
            for (Hal9Node node : nodes) {
                cost += node.metrics().find(LayerMetrics.CLAUDE_COST).counters().stream()
                        .mapToDouble(Counter::count).sum();
                for (int i = 0; i < types.length; i++) {
                    tokens[i] += (long) node.metrics().find(LayerMetrics.CLAUDE_TOKENS).tag("type", types[i])
                            .counters().stream().mapToDouble(Counter::count).sum();
                }
            }
            return new Spend(cost, tokens[0], tokens[1], tokens[2], tokens[3]);
        }

        Spend since(Spend before) {
            return new Spend(costUsd - before.costUsd, input - before.input, output - before.output,
                    cacheWrite - before.cacheWrite, cacheRead - before.cacheRead);
        }

        /**
         * The figures of the JSON line: tokens, cost, and the input side's cost against what the same
         * input tokens would cost uncached (all at the input price): the prompt cache's saving.
         */
        Map<String, Object> figures(LayerSpec layer, String promptCache) {
            Prices prices = layer.prices().of(layer.profile().model()).orElse(Prices.FREE);
            boolean hourly = PromptCaching.of(promptCache) == PromptCaching.ONE_HOUR;
            double inputCost = prices.inputCost(input, hourly ? 0 : cacheWrite, hourly ? cacheWrite : 0, cacheRead);
            double uncached = prices.inputCost(input + cacheWrite + cacheRead, 0, 0, 0);
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("model", layer.profile().model());
            figures.put("prompt_cache", promptCache);
            figures.put("system_prompt_chars", layer.profile().systemPrompt().length());
            figures.put("input_tokens", input);
            figures.put("cache_write_tokens", cacheWrite);
            figures.put("cache_read_tokens", cacheRead);
            figures.put("output_tokens", output);
            figures.put("cost_usd", round6(costUsd));
            figures.put("input_cost_usd", round6(inputCost));
            figures.put("uncached_input_cost_usd", round6(uncached));
            figures.put("input_cost_ratio", uncached == 0 ? 0.0 : Math.round(inputCost * 10_000.0 / uncached) / 10_000.0);
            return figures;
        }

        private static double round6(double dollars) {
            return Math.round(dollars * 1_000_000.0) / 1_000_000.0;
        }
    }

    /** What {@code --replay} saw: results of the replayed signals and the Claude calls they made. */
    record Replay(int results, long calls) {
    }

    /** {@code instances} layer nodes, each with its own state directory {@code <prefix><i>} and Claude client. */
    private List<Hal9Node> instances(LocalStack stack, String prefix) {
        List<Hal9Node> nodes = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            Map<String, Object> own = settings(stack);
            own.put(Hal9Config.STATE_DIR_CONFIG, stack.stateDir().resolve(prefix + i).toString());
            Hal9Config instance = Hal9Config.load(own, System.getenv());
            nodes.add(new Hal9Node(instance, instance.layersChain(), Hal9Node.claudeClient(instance, null)));
        }
        return nodes;
    }

    private String json(Live live, Audit audit, Capacity capacity, Replay replayed, long storeMemoryPeak,
                        long storeMemoryBound, Spend spend, LayerSpec layer) throws JsonProcessingException {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("mode", mode);
        figures.put("routing", routing);
        figures.put("instances", instances);
        figures.put("distinct", distinct);
        figures.put("zipf", zipf);
        figures.put("signals", signals);
        figures.put("warmup", warmup);
        figures.put("rate_per_s", rate);
        figures.put("latency_ms", latencyMs);
        figures.put("max_in_flight", maxInFlight);
        figures.put("guarantee", guarantee);
        figures.put("throughput_per_s", Math.round(live.throughputPerSecond() * 100.0) / 100.0);
        figures.put("p50_ms", live.percentile(0.50));
        figures.put("p99_ms", live.percentile(0.99));
        figures.put("lost", audit.lost());
        figures.put("duplicates", audit.duplicates());
        figures.put("dead_letters", audit.deadLetters());
        figures.put("duration_ms", live.durationMs());
        figures.put("claude_calls", capacity.calls());
        figures.put("cache_hits", live.cacheHits());
        figures.put("hit_ratio", live.results() == 0 ? 0.0
                : Math.round(live.cacheHits() * 10_000.0 / live.results()) / 10_000.0);
        if (replayed != null) {
            figures.put("replay_results", replayed.results());
            figures.put("replay_claude_calls", replayed.calls());
            figures.put("replay_calls_share", capacity.calls() == 0 ? 0.0
                    : Math.round(replayed.calls() * 10_000.0 / capacity.calls()) / 10_000.0);
        }
        figures.put("store_memory_peak_bytes", storeMemoryPeak);
        figures.put("store_memory_bound_bytes", storeMemoryBound);
        figures.put("throttled", capacity.throttled());
        figures.put("rejected_share", capacity.rejectedShare());
        figures.put("paused_s", Math.round(capacity.paused().toMillis() / 100.0) / 10.0);
        figures.put("breaker_openings", capacity.breakerOpenings());
        figures.put("concurrency_limit", capacity.concurrencyLimit());
        figures.putAll(spend.figures(layer, promptCache));
        Map<String, Object> sim = new LinkedHashMap<>();
        sim.put("calls", capacity.calls());
        sim.put("rate_limited", capacity.rateLimited());
        sim.put("overloaded", capacity.overloaded());
        sim.put("inside_retry_after", capacity.insideRetryAfter());
        figures.put("sim", sim);
        simulatorFaults.outage(spec.commandLine()).ifPresent(window -> figures.put("outage",
                live.recovery(faultClockNanos + window.from().toNanos(), faultClockNanos + window.until().toNanos())));
        return JSON.writeValueAsString(figures);
    }

    /** The benchmarked layer as the configuration resolves it (its model, prompt and prices). */
    private static LayerSpec layer(Hal9Config config) {
        return LayerSpec.of(config.layersChain().get(0), config);
    }

    private static long boundOf(Hal9Config config) {
        return Hal9Settings.streams(config).rocksDbMemoryBytes();
    }

    /**
     * The highest RocksDB memory any one layer instance (one Kafka Streams application) reported,
     * sampled every {@link #EVERY} from a thread of its own while the layers run.
     */
    static final class StoreMemoryPeak {

        static final Duration EVERY = Duration.ofMillis(100);

        private final AtomicLong peak = new AtomicLong();
        private volatile List<Hal9Node> nodes;
        private Thread sampler;

        StoreMemoryPeak(List<Hal9Node> nodes) {
            this.nodes = nodes;
        }

        /** Samples these nodes' layers from now on (the instances of a replay). */
        void follow(List<Hal9Node> newNodes) {
            nodes = newNodes;
            start();
        }

        void start() {
            sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    sample();
                    LockSupport.parkNanos(EVERY.toNanos());
                }
            }, "hal9-bench-store-memory");
            sampler.setDaemon(true);
            sampler.start();
        }

        void stop() {
            if (sampler != null) {
                sampler.interrupt();
                try {
                    sampler.join(EVERY.toMillis() * 10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sampler = null;
                sample();
            }
        }

        private void sample() {
            for (Hal9Node node : nodes) {
                for (LayerRuntime layer : node.layers()) {
                    try {
                        peak.accumulateAndGet(layer.storeMemoryBytes(), Math::max);
                    } catch (RuntimeException e) {
                        // a store closing under the sample: the next sample reads the others
                    }
                }
            }
        }

        long peakBytes() {
            return peak.get();
        }
    }

    /** A consumer of the results and dead-letter topics, all partitions, from the beginning, committed only. */
    static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap, Topics topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.results().name(), topics.deadLetters().name())) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    static KafkaProducer<byte[], Signal> idempotentProducer(String bootstrap, Topics topics) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new ByteArraySerializer(), topics.signalSerde().serializer());
    }

    private void progress(String message) {
        err.println("hal9 bench: " + message);
        err.flush();
    }


    /** The signals of one run: unique root ids and when each was handed to the producer. */
    static final class Signals {

        private final String run = UUID.randomUUID().toString().substring(0, 8);
        private final String prefix;
        private final IntFunction<String> contents;
        private final AtomicLongArray sentAtNanos;
        private final Map<String, Integer> index = new HashMap<>();

        /** Signals with contents of their own. */
        Signals(int count, String prefix) {
            this(count, prefix, BenchCommand::content);
        }

        Signals(int count, String prefix, IntFunction<String> contents) {
            this.prefix = prefix;
            this.contents = contents;
            sentAtNanos = new AtomicLongArray(count);
            for (int i = 0; i < count; i++) {
                index.put(rootId(i), i);
            }
        }

        int count() {
            return sentAtNanos.length();
        }

        String content(int i) {
            return contents.apply(i);
        }

        String rootId(int i) {
            return prefix + "-" + run + "-" + i;
        }

        /** The signal's position, -1 for a root id this run did not publish. */
        int indexOf(String rootId) {
            return rootId == null ? -1 : index.getOrDefault(rootId, -1);
        }

        void sent(int i, long nanos) {
            sentAtNanos.set(i, nanos);
        }

        long sentAt(int i) {
            return sentAtNanos.get(i);
        }

        long firstAt() {
            return sentAtNanos.get(0);
        }

        long lastAt() {
            return sentAtNanos.get(sentAtNanos.length() - 1);
        }
    }

    /** What the benchmark saw while the layer ran: the first outcome per signal and its latency. */
    private static final class Live {

        private final Signals published;
        private final boolean[] finished;
        private final List<Long> latenciesMs = new ArrayList<>();
        private final List<Long> resultNanos = new ArrayList<>();
        private int deadLetters;
        private int cacheHits;
        private long lastResultNanos;
        private long endNanos;

        Live(Signals published) {
            this.published = published;
            this.finished = new boolean[published.count()];
        }

        void record(ConsumerRecord<byte[], byte[]> record, Topics topics, long seenNanos) {
            boolean result = record.topic().equals(topics.results().name());
            Signal signal = result ? topics.signalSerde().deserializer().deserialize(record.topic(), record.value())
                    : null;
            String rootId = result ? signal.getRootId()
                    : topics.deadLetterSerde().deserializer().deserialize(record.topic(), record.value()).getRootId();
            int i = published.indexOf(rootId);
            if (i < 0 || finished[i]) {
                return;
            }
            finished[i] = true;
            if (result) {
                if (signal.getHops().stream().anyMatch(Hop::getCacheHit)) {
                    cacheHits++;
                }
                latenciesMs.add((seenNanos - published.sentAt(i)) / 1_000_000);
                resultNanos.add(seenNanos);
                lastResultNanos = seenNanos;
            } else {
                deadLetters++;
            }
        }

        /** Waiting is over (every signal has an outcome, or the benchmark gave up). */
        void end(long nowNanos) {
            endNanos = nowNanos;
        }

        int results() {
            return latenciesMs.size();
        }

        int deadLetters() {
            return deadLetters;
        }

        /** Results whose layer answered from its cache (the store, or a call in flight it joined). */
        int cacheHits() {
            return cacheHits;
        }

        int finished() {
            return results() + deadLetters;
        }

        boolean complete() {
            return finished() >= finished.length;
        }

        long percentile(double q) {
            return Percentiles.nearestRank(latenciesMs, q);
        }

        /** Results ÷ (first publish → last result so far). */
        double throughputPerSecond() {
            if (results() == 0 || lastResultNanos == published.firstAt()) {
                return 0;
            }
            return results() / ((lastResultNanos - published.firstAt()) / 1e9);
        }

        /**
         * How the run came back from an outage: the result rate over the (up to) 5 s before it
         * began, and how long after it ended results first came at 0.8 times that rate over one
         * second (null when they never did; the second counted includes the wait for it).
         */
        Map<String, Object> recovery(long outageFrom, long outageUntil) {
            long second = TimeUnit.SECONDS.toNanos(1);
            long firstResult = resultNanos.isEmpty() ? outageFrom : resultNanos.get(0);
            long before = Math.min(5 * second, outageFrom - firstResult);
            double rateBefore = before <= 0 ? 0 : between(outageFrom - before, outageFrom) / (before / 1e9);
            Double recovered = null;
            for (long t = outageUntil; rateBefore > 0 && t <= lastResultNanos + second; t += second / 10) {
                if (between(t - second, t) >= 0.8 * rateBefore) {
                    recovered = Math.round((t - outageUntil) / 1e8) / 10.0;
                    break;
                }
            }
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("rate_before_per_s", Math.round(rateBefore * 10) / 10.0);
            figures.put("recovered_s", recovered);
            return figures;
        }

        /** Results seen in [from, until). */
        private long between(long from, long until) {
            return resultNanos.stream().filter(t -> t >= from && t < until).count();
        }

        /** First publish → last result when every signal has a result, else → the end of waiting. */
        long durationMs() {
            long until = results() == finished.length ? lastResultNanos : endNanos;
            return (until - published.firstAt()) / 1_000_000;
        }
    }


    /**
     * The local stack a bench runs on: the embedded broker, the schema registry and the Claude
     * simulator answering after {@code latencyMs}, with its state under {@code stateDir}.
     */
    static LocalStack benchStack(String stateDir, long latencyMs, Consumer<String> progress) throws Exception {
        progress.accept("starting Kafka (KRaft, embedded), the schema registry and the Claude simulator ("
                + latencyMs + " ms per call)...");
        return LocalStack.builder().registry()
                .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(latencyMs)))
                .stateDir(stateDir).progress(progress).start();
    }
}
