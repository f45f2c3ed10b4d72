package io.hal9.topology.node;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.resilience.BreakerNeuronClient;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.topology.config.AdminSettings;
import io.hal9.topology.config.AutoscaleSettings;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.InputReads;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.node.admin.AdminServer;
import io.hal9.topology.node.admin.GameQueries;
import io.hal9.topology.node.admin.Health;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HAL9 process: the layers it runs (one Kafka Streams application each), the neuron client
 * they share, the admin HTTP server, and per layer a {@link ForecastSampler} exporting the replicas
 * it will need. {@code hal9 run --layer L3} runs one layer; {@code hal9 demo} runs the whole chain in
 * one JVM.
 *
 * <p>The process measures its own start-up, from the JVM's start to the first moment it is ready as
 * {@code /health/ready} says (every layer and the game {@code RUNNING}, which Kafka Streams reaches once
 * their stores are restored, and Claude serving every layer): {@code hal9_startup_seconds}, and part of
 * the forecasts' lead time.
 */
public final class Hal9Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Hal9Node.class);

    /**
     * How long Kafka Streams may take to close once the drain is over: commit what was forwarded
     * and leave the group. With the default {@code hal9.shutdown.drain.ms} of 30 s the whole
     * close takes at most 55 s, within Kubernetes' 60 s termination grace period, however many
     * layers the process runs (they close in parallel).
     */
    static final Duration STREAMS_CLOSE_TIMEOUT = Duration.ofSeconds(20);

    /** What the admin server and the neuron client may take to close after the layers. */
    private static final Duration CLOSE_MARGIN = Duration.ofSeconds(5);

    private final Hal9Config config;
    private final NeuronClient neuron;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<LayerRuntime> layers = new ArrayList<>();
    private final List<ForecastSampler> forecasts = new ArrayList<>();
    private final Topics topics;
    private GameRuntime game;
    private final Instant startedAt = Instant.now();
    private JvmGcMetrics gcMetrics;
    private AdminServer admin;
    private Admin offsetsAdmin;
    private volatile boolean closing;
    /** Set once {@link #start()} has started every application: readiness means something from then on. */
    private volatile boolean started;
    private volatile Duration startup;

    /**
     * Prepares the layers; nothing connects until {@link #start()}.
     *
     * @param layers the layers this process runs, each in the configured chain
     * @param neuron the client every layer asks (closed with this node)
     */
    public Hal9Node(Hal9Config config, List<String> layers, NeuronClient neuron) {
        this.config = config;
        this.neuron = neuron;
        SchemaRegistryClient registry = new HttpSchemaRegistryClient(config.schemaRegistryUrl());
        this.topics = new Topics(config, registry);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(metrics);
        // each lane of a layer is an application of its own; the lanes share the layer's breaker, cache
        // and Claude capacity
        AutoscaleSettings autoscale = Hal9Settings.autoscale(config);
        long origin = System.nanoTime();
        for (String layer : layers) {
            LayerClaude claude = LayerClaude.of(layer, config, neuron, metrics, InstantSource.system());
            List<LayerRuntime> lanes = new ArrayList<>();
            for (Lane lane : config.lanes()) {
                lanes.add(new LayerRuntime(LayerSpec.of(layer, lane, config), config, topics, claude, metrics,
                        InstantSource.system()));
            }
            this.layers.addAll(lanes);
            ForecastSampler forecast = new ForecastSampler(layer, autoscale, atMs -> capacityReading(atMs, claude, lanes),
                    () -> inputReads(lanes), this::measuredStartup,
                    () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - origin));
            AutoscaleMetrics.bind(metrics, forecast);
            forecasts.add(forecast);
        }
        AutoscaleMetrics.bindStartup(metrics, this::startup);
    }

    /** The capacity figures of a layer now: its shared Claude limit, and its lanes' calls and signals summed. */
    private static InstanceCapacity.Reading capacityReading(long atMs, LayerClaude claude, List<LayerRuntime> lanes) {
        long calls = 0;
        double seconds = 0;
        long finished = 0;
        for (LayerRuntime lane : lanes) {
            LayerMetrics metrics = lane.stage().metrics();
            calls += metrics.answeredCalls();
            seconds += metrics.answeredCallSeconds();
            finished += metrics.finished();
        }
        return new InstanceCapacity.Reading(atMs, claude.capacity().limit(), claude.capacity().inFlight(), calls,
                seconds, finished);
    }

    /** Where the tasks of a layer's lanes in this process are in their input partitions. */
    private static List<InputReads.Position> inputReads(List<LayerRuntime> lanes) {
        List<InputReads.Position> positions = new ArrayList<>();
        for (LayerRuntime lane : lanes) {
            positions.addAll(lane.stage().metrics().inputReads().positions());
        }
        return positions;
    }

    /**
     * The neuron client a process uses, at the endpoint {@link Hal9Settings#claude} chooses.
     *
     * @throws IllegalArgumentException when Anthropic's API is configured but no key is set
     */
    public static NeuronClient claudeClient(Hal9Config config, String apiKeyOrNull) {
        return new ClaudeNeuronClient(Hal9Settings.claude(config, apiKeyOrNull), Hal9Settings.catalog(config));
    }

    /**
     * Starts the admin server, then every layer, then the game when {@code hal9.game.enabled}
     * (its {@code application.server} is this admin server, so it starts after it), then the
     * layers' forecast samplers.
     */
    public void start() {
        AdminSettings settings = Hal9Settings.admin(config);
        admin = AdminServer.start(settings.host(), settings.port(), this::health, metrics);
        for (LayerRuntime layer : layers) {
            watchReadiness(layer.streams());
            layer.start();
            LOG.info("layer {} started as application {}", layer.name(), layer.spec().applicationId());
        }
        if (config.gameEnabled()) {
            HostInfo self = new HostInfo(advertisedHost(config), admin.port());
            game = new GameRuntime(config, topics, metrics, self.host() + ":" + self.port());
            admin.handle(GameQueries.PATH, new GameQueries(game.streams(), self));
            watchReadiness(game.streams());
            game.start();
            LOG.info("game started as application {}, queries on {}:{}{}", game.applicationId(), self.host(),
                    self.port(), GameQueries.PATH);
        }
        started = true;
        noteIfReady();
        startForecasts();
    }

    /**
     * Starts every layer's forecast sampler on one admin client of the process, each reading the
     * input topics of the lanes its layer runs and their consumer groups.
     */
    private void startForecasts() {
        if (forecasts.isEmpty()) {
            return; // the game alone
        }
        Duration sample = Hal9Settings.autoscale(config).sampleInterval();
        Duration timeout = InputOffsets.timeoutFor(sample);
        Properties props = new Properties();
        props.putAll(config.kafkaProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "hal9-forecast");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        offsetsAdmin = Admin.create(props);
        for (ForecastSampler forecast : forecasts) {
            Map<String, String> groupByTopic = new LinkedHashMap<>();
            for (LayerRuntime lane : layers) {
                if (lane.spec().layer().equals(forecast.layer())) {
                    groupByTopic.put(topics.inputName(forecast.layer(), lane.spec().lane()), lane.spec().applicationId());
                }
            }
            String normal = topics.inputName(forecast.layer(), Lane.NORMAL);
            InputOffsets offsets = new InputOffsets(offsetsAdmin, groupByTopic,
                    groupByTopic.containsKey(normal) ? normal : groupByTopic.keySet().iterator().next(), timeout);
            forecast.start(offsets::read);
        }
    }

    /** Notes the start-up at the first moment the process is ready, whichever application gets there last. */
    private void watchReadiness(KafkaStreams streams) {
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                noteIfReady();
            }
        });
    }

    /** Takes the start-up when the process is ready for the first time ({@code /health/ready} would answer 200). */
    private void noteIfReady() {
        if (startup != null || !started || AdminServer.notReady(health()) != null) {
            return;
        }
        synchronized (this) {
            if (startup == null) {
                long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
                startup = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - jvmStart));
                LOG.info("ready {} ms after the JVM started", startup.toMillis());
            }
        }
    }

    /** The process's start-up (JVM start to first ready), once it has been ready. */
    public Optional<Duration> startup() {
        return Optional.ofNullable(startup);
    }

    /** {@link #startup()}, looking first whether the process has become ready without a state change (Claude serving again). */
    private Optional<Duration> measuredStartup() {
        noteIfReady();
        return startup();
    }

    /** Each layer's forecast sampler, in the order of the chain. */
    public List<ForecastSampler> forecasts() {
        return List.copyOf(forecasts);
    }

    /** The host other instances reach this one's admin server on ({@code hal9.admin.advertised.host}). */
    static String advertisedHost(Hal9Config config) {
        AdminSettings admin = Hal9Settings.admin(config);
        String configured = admin.advertisedHost();
        if (!configured.isBlank()) {
            return configured.trim();
        }
        String bound = admin.host();
        if (!bound.equals("0.0.0.0") && !bound.equals("::")) {
            return bound;
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    /** Every Kafka Streams application of this process: the layers', then the game's. */
    private List<KafkaStreams.State> states() {
        List<KafkaStreams.State> states = new ArrayList<>(layers.stream().map(LayerRuntime::state).toList());
        if (game != null) {
            states.add(game.state());
        }
        return states;
    }

    /** True when every layer's (and the game's) Kafka Streams is RUNNING. */
    public boolean running() {
        return states().stream().allMatch(s -> s == KafkaStreams.State.RUNNING);
    }

    /** True when a layer's Kafka Streams has failed or stopped: it will not run without a restart. */
    public boolean failed() {
        return states().stream().anyMatch(s -> s == KafkaStreams.State.ERROR
                || s == KafkaStreams.State.PENDING_ERROR || s == KafkaStreams.State.NOT_RUNNING);
    }

    /**
     * Waits until every layer runs.
     *
     * @throws IllegalStateException naming the layers' states when a layer fails or {@code timeout} passes first
     */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!running()) {
            if (failed() || System.nanoTime() > deadline) {
                throw new IllegalStateException("layers did not reach RUNNING within " + timeout.toSeconds()
                        + " s: " + health().layers());
            }
            Thread.sleep(100);
        }
    }

    public Health health() {
        List<Health.LayerHealth> states = new ArrayList<>(layers.stream().map(Hal9Node::layerHealth).toList());
        if (game != null) {
            states.add(new Health.LayerHealth(GameRuntime.NAME, Health.NONE, game.applicationId(), game.state().name(), Health.NONE,
                    Health.NONE, 0.0, 0, 0, null));
        }
        boolean served = layers.stream().noneMatch(l -> l.stage().access().refused());
        boolean up = !closing && running() && served;
        boolean breakersClosed = layers.stream().allMatch(l -> l.breaker().state() == CircuitBreaker.State.CLOSED);
        String status = !up ? "DOWN" : breakersClosed ? "UP" : "DEGRADED";
        return new Health(Health.SERVICE, Version.get(), ProcessHandle.current().pid(), startedAt.toString(),
                status, closing, states);
    }

    private static Health.LayerHealth layerHealth(LayerRuntime layer) {
        // routed by content, a signal is answered from the answer store or goes to the client, which joins a
        // call in flight (a hit) or makes one (a miss); routed by key the store sees nothing
        long hits = layer.stage().metrics().storeHits() + layer.cache().hits();
        long lookups = hits + layer.cache().misses();
        double hitRatio = lookups == 0 ? 0.0 : Math.round(hits * 1000.0 / lookups) / 1000.0;
        return new Health.LayerHealth(layer.spec().layer(), layer.spec().lane().label(), layer.spec().applicationId(), layer.state().name(),
                layer.stage().access().state().name(), layer.breaker().state().name(), hitRatio,
                layer.stage().budget().inFlight(), layer.stage().budget().waiting(),
                layer.breaker().lastFailure().map(BreakerNeuronClient.LastFailure::describe).orElse(null));
    }

    public int adminPort() {
        return admin.port();
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    public List<LayerRuntime> layers() {
        return List.copyOf(layers);
    }

    /** The game application, when this process runs it. */
    public Optional<GameRuntime> game() {
        return Optional.ofNullable(game);
    }

    public NeuronClient neuron() {
        return neuron;
    }

    /** True once {@link #close()} has begun: readiness is down and no layer starts a Claude call. */
    public boolean closing() {
        return closing;
    }

    /**
     * Shuts the process down, as {@code hal9 run} does on SIGTERM: readiness reports {@code DOWN} at
     * once and no layer starts another Claude call; then every layer, in parallel, lets its calls in
     * flight finish and be forwarded for up to {@code hal9.shutdown.drain.ms}, and closes Kafka
     * Streams leaving its group. Bounded by that grace plus {@link #STREAMS_CLOSE_TIMEOUT} and a small
     * margin: a layer that takes longer is left behind (its signals stay in the in-flight store for the
     * next owner) so the process still exits before the orchestrator kills it.
     */
    @Override
    public void close() {
        closing = true;
        layers.forEach(layer -> layer.stage().budget().beginClosing());
        forecasts.forEach(ForecastSampler::close);
        if (offsetsAdmin != null) {
            offsetsAdmin.close(Duration.ofSeconds(5));
        }
        LOG.info("shutting down: readiness is DOWN, no new Claude calls; closing {} layer(s)", layers.size());
        Duration budget = Hal9Settings.shutdownDrain(config)
                .plus(STREAMS_CLOSE_TIMEOUT).plus(CLOSE_MARGIN);
        List<Thread> closers = layers.stream().map(Hal9Node::closeInBackground).toList();
        long deadline = System.nanoTime() + budget.toNanos();
        for (int i = 0; i < closers.size(); i++) {
            try {
                closers.get(i).join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (closers.get(i).isAlive()) {
                LOG.warn("layer {} did not close within {}; leaving it to exit with the process",
                        layers.get(i).spec().layer(), budget);
            }
        }
        if (game != null) {
            try {
                game.close(STREAMS_CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warn("closing the game failed: {}", e.toString());
            }
        }
        if (admin != null) {
            admin.close();
        }
        neuron.close();
        gcMetrics.close();
        metrics.close();
    }

    /** Closes {@code layer} on a daemon thread of its own, so layers drain side by side. */
    private static Thread closeInBackground(LayerRuntime layer) {
        Thread closer = new Thread(() -> {
            try {
                layer.close(STREAMS_CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warn("closing layer {} failed: {}", layer.spec().layer(), e.toString());
            }
        }, "hal9-close-" + layer.spec().layer());
        closer.setDaemon(true);
        closer.start();
        return closer;
    }
}
