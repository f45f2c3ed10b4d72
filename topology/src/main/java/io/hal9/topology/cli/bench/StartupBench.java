package io.hal9.topology.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.common.Percentiles;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Lane;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.net.Ports;
import io.hal9.topology.node.Hal9Node;
import io.micrometer.core.instrument.Gauge;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code hal9 bench --mode startup}: how long a layer pod takes from process start to
 * {@code /health/ready}, its state stores restored from their changelogs.
 *
 * <p>The run: on the bench's embedded stack (broker, schema registry, Claude simulator) one layer
 * ({@code --layer}, L2 alone, writing straight to the results topic) runs in this JVM and answers
 * one signal per content, {@code --distinct} contents, so that its answer store and in-flight store
 * have changelogs with real data. That instance stops (leaving its group), and then {@code --runs}
 * times a separate process starts as a pod does: {@code hal9 run --layer L2} in a JVM of its own
 * ({@link LayerPod}), with the same settings, a free admin port and a new, empty state directory,
 * so each start restores every store of the layer from the changelogs. A start is measured from
 * just before the process is launched to the first 200 of {@code GET /health/ready}, polled every
 * {@value #POLL_MS} ms (and to the first 200 of {@code /health/live}, which says the process and
 * its admin server are up); then the answers the pod holds are read from its {@code /metrics}, and
 * it is stopped with SIGTERM before the next one starts.
 *
 * <p>The pod is the only member of the layer's groups, so it owns every task and restores every
 * store before it is ready: the start of the first pod, or of a pod that replaces the only one. A
 * pod that joins running ones is handed their stateful tasks only once it has caught up (Kafka
 * Streams' warm-up replicas), so it is ready sooner and useful later.
 *
 * <p>The JSON line: {@code stored_answers} (what the first instance held when it stopped),
 * {@code restored_answers} and {@code restored_bytes} (the fewest any pod held once ready),
 * {@code startup_ms} per start with its p50 and max, and {@code live_ms} likewise.
 */
final class StartupBench {

    /** The answers stored before the pods start when {@code --distinct} does not say. */
    static final int DEFAULT_ANSWERS = 5_000;
    static final long POLL_MS = 50;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final long PROGRESS_EVERY_NANOS = Duration.ofSeconds(5).toNanos();
    private static final int TAIL_LINES = 40;
    private static final String HOST = LocalStack.HOST;

    /**
     * What to run.
     *
     * @param layer   the layer a pod runs
     * @param answers contents answered (and stored) before the pods start
     * @param runs    pod starts measured, each on an empty state directory
     * @param timeout how long the stores may take to fill, and each pod to become ready
     */
    record Plan(String layer, int answers, int runs, long latencyMs, int maxInFlight, int partitions,
                String guarantee, String routing, Duration timeout) {
    }

    /** The figures, and whether every pod restored every stored answer. */
    record Outcome(Map<String, Object> figures, boolean restored) {
    }

    /** One measured start: to {@code /health/live} and to {@code /health/ready}, and what the pod held then. */
    record Start(long liveMs, long readyMs, long answers, long bytes) {
    }

    private final Plan plan;
    private final Consumer<String> progress;

    StartupBench(Plan plan, Consumer<String> progress) {
        this.plan = plan;
        this.progress = progress;
    }

    /** Fills the layer's stores, then starts a pod {@code runs} times on its own local stack. */
    Outcome run() throws Exception {
        try (LocalStack stack = BenchCommand.benchStack("hal9-bench-startup", plan.latencyMs(), progress)) {
            Hal9Config config = Hal9Config.load(settings(stack), System.getenv());
            Topics topics = new Topics(config, stack.registry());
            stack.broker().createTopics(plan.partitions(), topics.allNames().toArray(String[]::new));
            long stored = fill(stack, config, topics);
            List<Start> starts = new ArrayList<>();
            for (int run = 1; run <= plan.runs(); run++) {
                starts.add(start(stack, run));
            }
            long restored = starts.stream().mapToLong(Start::answers).min().orElse(0);
            return new Outcome(figures(config, stored, starts), restored == stored);
        }
    }

    /**
     * Runs the layer in this JVM until it has answered one signal per content, then stops it.
     *
     * @return the answers it held when it stopped
     */
    private long fill(LocalStack stack, Hal9Config config, Topics topics) throws InterruptedException {
        BenchCommand.Signals signals = new BenchCommand.Signals(plan.answers(), "startup", BenchCommand::content);
        Hal9Node node = new Hal9Node(config, config.layersChain(), Hal9Node.claudeClient(config, null));
        try {
            progress.accept("starting layer " + plan.layer() + " in this JVM (lanes "
                    + config.lanes().stream().map(Lane::label).toList() + ", routing " + plan.routing() + ", "
                    + plan.guarantee() + ", " + plan.partitions() + " partitions) to fill its stores...");
            node.start();
            node.awaitRunning(STARTUP_TIMEOUT);
            progress.accept("publishing " + plan.answers() + " signals, one per content, to "
                    + topics.inputName(plan.layer()) + "...");
            try (KafkaProducer<byte[], Signal> producer =
                         BenchCommand.idempotentProducer(stack.bootstrapServers(), topics)) {
                BenchCommand.publish(producer, topics.inputName(plan.layer()), signals, 0);
            }
            int finished = awaitOutcomes(stack.bootstrapServers(), topics, signals, node);
            if (finished < signals.count()) {
                throw new IllegalStateException("filling the stores did not finish: " + finished + " of "
                        + signals.count() + " signals have a result or a dead letter after "
                        + plan.timeout().toSeconds() + " s");
            }
            long stored = sum(node, LayerMetrics.ANSWER_STORE_ENTRIES);
            progress.accept("layer " + plan.layer() + " holds " + stored + " answers ("
                    + sum(node, LayerMetrics.ANSWER_STORE_BYTES) + " bytes); stopping it...");
            return stored;
        } finally {
            node.close();
        }
    }

    /** Reads results and dead letters until every signal has one, the timeout passes or the layer fails. */
    private int awaitOutcomes(String bootstrap, Topics topics, BenchCommand.Signals signals, Hal9Node node) {
        boolean[] done = new boolean[signals.count()];
        int finished = 0;
        long started = System.nanoTime();
        long deadline = started + plan.timeout().toNanos();
        long lastProgress = started;
        try (KafkaConsumer<byte[], byte[]> consumer = BenchCommand.committedReader(bootstrap, topics)) {
            while (finished < done.length && System.nanoTime() < deadline && !node.failed()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(BenchCommand.POLL)) {
                    String topic = record.topic();
                    String rootId = topic.equals(topics.results().name())
                            ? topics.signalSerde().deserializer().deserialize(topic, record.value()).getRootId()
                            : topics.deadLetterSerde().deserializer().deserialize(topic, record.value()).getRootId();
                    int i = signals.indexOf(rootId);
                    if (i >= 0 && !done[i]) {
                        done[i] = true;
                        finished++;
                    }
                }
                if (System.nanoTime() - lastProgress >= PROGRESS_EVERY_NANOS) {
                    lastProgress = System.nanoTime();
                    progress.accept(String.format("... %d/%d answered, %.1f s", finished, done.length,
                            (lastProgress - started) / 1e9));
                }
            }
        }
        if (node.failed()) {
            progress.accept("layer " + plan.layer() + " failed: " + node.health().layers());
        }
        return finished;
    }

    /** The value of every gauge {@code name} of the layer in {@code node}, summed over its lanes. */
    private long sum(Hal9Node node, String name) {
        return (long) node.metrics().find(name).tag("layer", plan.layer()).gauges().stream()
                .mapToDouble(Gauge::value).sum();
    }

    /**
     * Starts a pod on an empty state directory, waits for {@code /health/ready}, reads what it holds and
     * stops it.
     *
     * @throws IllegalStateException when the pod exits first or is not ready within the timeout,
     *     with its exit status and the end of its output
     */
    private Start start(LocalStack stack, int run) throws InterruptedException {
        int adminPort = Ports.freePort();
        String name = "hal9 run --layer " + plan.layer();
        String start = "start " + run + " of " + plan.runs() + ": ";
        List<String> args = runArguments(stack, adminPort, stack.stateDir().resolve("pod-" + run).toString());
        try (LayerPod pod = LayerPod.start(name, args, adminPort, stack.stateDir().resolve("pod-" + run + ".log"))) {
            progress.accept(start + pod + ", admin port " + adminPort + ", empty state directory...");
            long liveNanos = -1;
            long lastProgress = System.nanoTime();
            long deadline = lastProgress + plan.timeout().toNanos();
            long nextPoll = lastProgress;
            LayerPod.Answer ready;
            while (true) {
                if (liveNanos < 0 && pod.get("/health/live").ok()) {
                    liveNanos = pod.elapsed().toNanos();
                }
                ready = pod.get("/health/ready");
                if (ready.ok()) {
                    break;
                }
                if (!pod.alive()) {
                    throw new IllegalStateException(start + pod + " exited with status " + pod.exitValue() + " after "
                            + pod.elapsed().toMillis() + " ms, before /health/ready answered 200; " + output(pod));
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    throw new IllegalStateException(start + pod + " was not ready within " + plan.timeout().toSeconds()
                            + " s (last answer of /health/ready: " + describe(ready) + "); " + output(pod));
                }
                if (now - lastProgress >= PROGRESS_EVERY_NANOS) {
                    lastProgress = now;
                    progress.accept(String.format("... %.1f s, /health/ready: %s", pod.elapsed().toNanos() / 1e9,
                            describe(ready)));
                }
                nextPoll = Math.max(nextPoll + TimeUnit.MILLISECONDS.toNanos(POLL_MS), System.nanoTime());
                LockSupport.parkNanos(nextPoll - System.nanoTime());
            }
            long readyMs = pod.elapsed().toMillis();
            long liveMs = TimeUnit.NANOSECONDS.toMillis(liveNanos < 0 ? pod.elapsed().toNanos() : liveNanos);
            String metrics = pod.get("/metrics").body();
            long answers = scrape(metrics, "hal9_cache_store_entries");
            long bytes = scrape(metrics, "hal9_cache_store_bytes");
            long stopping = System.nanoTime();
            int status = pod.stop();
            progress.accept(String.format("%s%s: live after %d ms, ready after %d ms holding %d answers (%d bytes); "
                            + "stopped in %d ms (exit status %d)", start, name, liveMs, readyMs, answers, bytes,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping), status));
            return new Start(liveMs, readyMs, answers, bytes);
        }
    }

    /** The end of a pod's output, for an error message. */
    private static String output(LayerPod pod) {
        String tail = pod.tail(TAIL_LINES);
        return tail.isBlank() ? "it wrote nothing" : "the end of its output:\n" + tail;
    }

    private static String describe(LayerPod.Answer answer) {
        return answer.status() == 0 ? "no answer yet" : answer.status() + " " + answer.body();
    }

    /** The sum of every sample of {@code series} for this layer in Prometheus text. */
    private long scrape(String prometheusText, String series) {
        long sum = 0;
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith(series + "{") && line.contains("layer=\"" + plan.layer() + "\"")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /**
     * {@code hal9 run --layer L2} with the flags an operator gives (Kafka, registry, Claude, admin
     * port, state directory) and the bench's other settings as {@code --set}, the same the first
     * instance ran with.
     */
    private List<String> runArguments(LocalStack stack, int adminPort, String stateDir) {
        List<String> args = new ArrayList<>(List.of("run", "--layer", plan.layer(),
                "--bootstrap-servers", stack.bootstrapServers(),
                "--registry-url", stack.registryUrl(),
                "--claude-base-url", stack.simulatorUrl(),
                "--admin-port", Integer.toString(adminPort),
                "--state-dir", stateDir));
        Map<String, Object> settings = settings(stack);
        List.of(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, Hal9Config.SCHEMA_REGISTRY_URL_CONFIG,
                Hal9Config.CLAUDE_BASE_URL_CONFIG, Hal9Config.ADMIN_PORT_CONFIG, Hal9Config.STATE_DIR_CONFIG)
                .forEach(settings::remove);
        settings.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        return args;
    }

    private Map<String, Object> settings(LocalStack stack) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, stack.registryUrl());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, stack.simulatorUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, plan.layer());
        settings.put(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, plan.maxInFlight());
        settings.put(Hal9Config.NEURON_MAX_PENDING_CONFIG, Math.max(1024, 4 * plan.maxInFlight()));
        settings.put(Hal9Config.PROCESSING_GUARANTEE_CONFIG, plan.guarantee());
        settings.put(Hal9Config.TOPIC_PARTITIONS_CONFIG, plan.partitions());
        settings.put(Hal9Config.CACHE_ROUTING_CONFIG, plan.routing());
        settings.put(Hal9Config.ADMIN_PORT_CONFIG, 0);
        settings.put(Hal9Config.ADMIN_HOST_CONFIG, HOST);
        settings.put(Hal9Config.STATE_DIR_CONFIG, stack.stateDir().resolve("filler").toString());
        return settings;
    }

    private Map<String, Object> figures(Hal9Config config, long stored, List<Start> starts) {
        List<Long> ready = starts.stream().map(Start::readyMs).toList();
        List<Long> live = starts.stream().map(Start::liveMs).toList();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("mode", "startup");
        figures.put("layer", plan.layer());
        figures.put("lanes", config.lanes().stream().map(Lane::label).toList());
        figures.put("partitions", plan.partitions());
        figures.put("guarantee", plan.guarantee());
        figures.put("runs", plan.runs());
        figures.put("distinct", plan.answers());
        figures.put("stored_answers", stored);
        figures.put("restored_answers", starts.stream().mapToLong(Start::answers).min().orElse(0));
        figures.put("restored_bytes", starts.stream().mapToLong(Start::bytes).min().orElse(0));
        figures.put("startup_ms", ready);
        figures.put("startup_p50_ms", Percentiles.nearestRank(ready, 0.50));
        figures.put("startup_max_ms", ready.stream().mapToLong(Long::longValue).max().orElse(0));
        figures.put("live_ms", live);
        figures.put("live_p50_ms", Percentiles.nearestRank(live, 0.50));
        return figures;
    }
}
