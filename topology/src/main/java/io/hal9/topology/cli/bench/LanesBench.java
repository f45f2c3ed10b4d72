package io.hal9.topology.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.common.Percentiles;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Lane;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.node.Hal9Node;
import io.micrometer.core.instrument.Timer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code hal9 bench --backlog N --high M [--bulk B]}: the lanes of the three-layer chain L2 → L3 →
 * L4 in one process (each lane of each layer an application of its own, every layer's lanes sharing
 * its Claude capacity) while a backlog drains.
 *
 * <p>The run: {@code N} normal signals and {@code B} bulk signals are published at once (the
 * backlog), then {@code M} high signals at {@code --high-rate} per second while it drains. Every
 * result is read from {@code hal9.results} ({@code read_committed}) as it comes; latency is publish →
 * result seen, per signal. Afterwards the results and dead-letter topics are read again from the
 * beginning to count what was lost or duplicated, lane by lane.
 *
 * <p>The JSON line has, under {@code lanes}, one object per lane that published anything: {@code published},
 * {@code results}, {@code throughput_per_s} (results ÷ its first publish → its last result),
 * {@code p50_ms}, {@code p99_ms}, {@code max_ms}, {@code claude_calls} (the lane's calls at every
 * layer) and {@code call_share} (of all calls of the run), {@code lost}, {@code duplicates}; the bulk
 * lane adds {@code longest_gap_s}, the longest time without a bulk result while bulk signals were
 * waiting. {@code dead_letters} counts every dead letter of the run.
 *
 * <p>The references the figures are read against come from runs of the same command: the high
 * lane on an idle pipeline ({@code --backlog 0 --high M}) and the normal lane alone
 * ({@code --high 0}).
 */
final class LanesBench {

    private static final String CHAIN = "L2,L3,L4";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration AUDIT_TIMEOUT = Duration.ofSeconds(120);
    private static final long PROGRESS_EVERY_NANOS = Duration.ofSeconds(2).toNanos();

    /**
     * What to run.
     *
     * @param backlog     normal signals published at once
     * @param high        high signals published behind them
     * @param highRate    high signals per second
     * @param bulk        bulk signals published at once, with the backlog
     */
    record Plan(int backlog, int high, double highRate, int bulk, int warmup, long latencyMs, int maxInFlight,
                int partitions, String guarantee, Duration timeout) {
    }

    private final Plan plan;
    private final Consumer<String> progress;

    LanesBench(Plan plan, Consumer<String> progress) {
        this.plan = plan;
        this.progress = progress;
    }

    /** Runs the plan on a local stack of its own; the figures, and whether nothing was lost or duplicated. */
    Outcome run() throws Exception {
        try (LocalStack stack = BenchCommand.benchStack("hal9-bench-lanes", plan.latencyMs(), progress)) {
            Hal9Config config = Hal9Config.load(settings(stack), System.getenv());
            Topics topics = new Topics(config, stack.registry());
            stack.broker().createTopics(plan.partitions(), topics.allNames().toArray(String[]::new));
            String bootstrap = stack.bootstrapServers();
            Map<Lane, BenchCommand.Signals> published = new EnumMap<>(Lane.class);
            published.put(Lane.NORMAL, signals(plan.backlog(), Lane.NORMAL, "normal"));
            published.put(Lane.HIGH, signals(plan.high(), Lane.HIGH, "high"));
            published.put(Lane.BULK, signals(plan.bulk(), Lane.BULK, "bulk"));
            Live live = new Live(published);
            Hal9Node node = new Hal9Node(config, config.layersChain(), Hal9Node.claudeClient(config, null));
            Map<Lane, Long> calls;
            try {
                progress.accept("starting layers " + CHAIN + ", lanes " + config.lanes() + " (" + plan.maxInFlight()
                        + " in flight per layer, shared by its lanes)...");
                node.start();
                node.awaitRunning(STARTUP_TIMEOUT);
                if (plan.warmup() > 0) {
                    warmUp(bootstrap, topics, node);
                }
                Map<Lane, Long> callsBefore = calls(node);
                measure(bootstrap, topics, node, live);
                calls = new EnumMap<>(Lane.class);
                Map<Lane, Long> callsAfter = calls(node);
                callsAfter.forEach((lane, count) -> calls.put(lane, count - callsBefore.get(lane)));
            } finally {
                progress.accept("stopping the layers...");
                node.close();
            }
            progress.accept("reading " + topics.results().name() + " and " + topics.deadLetters().name()
                    + " again from the beginning...");
            Map<Lane, Audit> audits = new EnumMap<>(Lane.class);
            for (Map.Entry<Lane, BenchCommand.Signals> lane : published.entrySet()) {
                if (lane.getValue().count() > 0) {
                    audits.put(lane.getKey(), Audit.read(bootstrap, topics, lane.getValue(), AUDIT_TIMEOUT, progress));
                }
            }
            return new Outcome(figures(live, calls, audits), audits.values().stream()
                    .allMatch(audit -> audit.lost() == 0 && audit.duplicates() == 0));
        }
    }

    /** Signals whose contents are their own: no lane's answer is another's cache hit. */
    private static BenchCommand.Signals signals(int count, Lane lane, String prefix) {
        return new BenchCommand.Signals(count, prefix, i -> "Signal " + i + " of the " + prefix + " run in the "
                + lane.label() + " lane: plan how to move service #" + i + " onto the new message bus.");
    }

    /** The figures, and whether every lane's signals each had exactly one outcome. */
    record Outcome(Map<String, Object> figures, boolean exact) {
    }

    private Map<String, Object> settings(LocalStack stack) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, stack.registryUrl());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, stack.simulatorUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, CHAIN);
        settings.put(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, plan.maxInFlight());
        settings.put(Hal9Config.NEURON_MAX_PENDING_CONFIG, Math.max(1024, 4 * plan.maxInFlight()));
        settings.put(Hal9Config.PROCESSING_GUARANTEE_CONFIG, plan.guarantee());
        settings.put(Hal9Config.TOPIC_PARTITIONS_CONFIG, plan.partitions());
        settings.put(Hal9Config.ADMIN_PORT_CONFIG, 0);
        settings.put(Hal9Config.ADMIN_HOST_CONFIG, "127.0.0.1");
        settings.put(Hal9Config.STATE_DIR_CONFIG, stack.stateDir().toString());
        return settings;
    }

    /** Signals through every lane, waited for, so that start-up and JIT compilation are not measured. */
    private void warmUp(String bootstrap, Topics topics, Hal9Node node) throws Exception {
        progress.accept("warming up with " + plan.warmup() + " signals per lane (not measured)...");
        Map<Lane, BenchCommand.Signals> warm = new EnumMap<>(Lane.class);
        for (Lane lane : Lane.values()) {
            warm.put(lane, signals(plan.warmup(), lane, "warmup-" + lane.label()));
        }
        Live live = new Live(warm);
        try (KafkaProducer<byte[], Signal> producer = BenchCommand.idempotentProducer(bootstrap, topics)) {
            for (Lane lane : Lane.values()) {
                BenchCommand.publish(producer, topics.inputName("L2", lane), warm.get(lane), 0);
            }
        }
        await(bootstrap, topics, node, live, null);
        if (!live.complete()) {
            throw new IllegalStateException("the warm-up did not finish");
        }
    }

    /** Publishes the backlog (normal and bulk at once), then the high signals at their rate, and reads the results. */
    private void measure(String bootstrap, Topics topics, Hal9Node node, Live live) throws Exception {
        Map<Lane, BenchCommand.Signals> published = live.published;
        FutureTask<Void> publishing = new FutureTask<>(() -> {
            try (KafkaProducer<byte[], Signal> producer = BenchCommand.idempotentProducer(bootstrap, topics)) {
                BenchCommand.publish(producer, topics.inputName("L2", Lane.NORMAL), published.get(Lane.NORMAL), 0);
                BenchCommand.publish(producer, topics.inputName("L2", Lane.BULK), published.get(Lane.BULK), 0);
                producer.flush();
                progress.accept("published the backlog: " + plan.backlog() + " normal, " + plan.bulk() + " bulk; "
                        + "now " + plan.high() + " high signals at " + plan.highRate() + "/s");
                BenchCommand.publish(producer, topics.inputName("L2", Lane.HIGH), published.get(Lane.HIGH), plan.highRate());
            }
            return null;
        });
        Thread publisher = new Thread(publishing, "hal9-bench-publisher");
        publisher.setDaemon(true);
        publisher.start();
        await(bootstrap, topics, node, live, publishing);
    }

    /** Ends the benchmark when publishing failed. */
    private static void published(FutureTask<Void> publishing) {
        try {
            publishing.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Reads results until every signal has one, the timeout passes or a layer fails. */
    private void await(String bootstrap, Topics topics, Hal9Node node, Live live, FutureTask<Void> publishing) {
        long started = System.nanoTime();
        long deadline = started + plan.timeout().toNanos();
        long lastProgress = started;
        try (KafkaConsumer<byte[], byte[]> consumer = BenchCommand.committedReader(bootstrap, topics)) {
            while (!live.complete() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(BenchCommand.POLL)) {
                    live.record(record, topics, System.nanoTime());
                }
                if (publishing != null && publishing.isDone()) {
                    published(publishing);
                }
                if (node.failed()) {
                    progress.accept("a layer failed: " + node.health().layers());
                    break;
                }
                if (System.nanoTime() - lastProgress >= PROGRESS_EVERY_NANOS) {
                    lastProgress = System.nanoTime();
                    progress.accept(String.format("... %.1f s: %s", (lastProgress - started) / 1e9, live.summary()));
                }
            }
        }
        if (!live.complete()) {
            progress.accept("gave up after " + plan.timeout().toSeconds() + " s: " + live.summary());
        }
    }

    /** Claude calls made so far, per lane, all layers together. */
    private static Map<Lane, Long> calls(Hal9Node node) {
        Map<Lane, Long> calls = new EnumMap<>(Lane.class);
        for (Lane lane : Lane.values()) {
            calls.put(lane, node.metrics().find(LayerMetrics.CLAUDE_REQUEST_DURATION).tag("lane", lane.label())
                    .timers().stream().mapToLong(Timer::count).sum());
        }
        return calls;
    }

    private Map<String, Object> figures(Live live, Map<Lane, Long> calls, Map<Lane, Audit> audits) {
        long allCalls = calls.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("mode", "lanes");
        figures.put("layers", CHAIN);
        figures.put("backlog", plan.backlog());
        figures.put("high_signals", plan.high());
        figures.put("high_rate_per_s", plan.highRate());
        figures.put("bulk_signals", plan.bulk());
        figures.put("latency_ms", plan.latencyMs());
        figures.put("max_in_flight", plan.maxInFlight());
        figures.put("guarantee", plan.guarantee());
        Map<String, Object> byLane = new LinkedHashMap<>();
        for (Lane lane : List.of(Lane.HIGH, Lane.NORMAL, Lane.BULK)) {
            BenchCommand.Signals signals = live.published.get(lane);
            if (signals.count() == 0) {
                continue;
            }
            List<Long> latencies = live.latencies.get(lane);
            Map<String, Object> lanes = new LinkedHashMap<>();
            lanes.put("published", signals.count());
            lanes.put("results", latencies.size());
            lanes.put("throughput_per_s", Math.round(live.throughput(lane) * 100.0) / 100.0);
            lanes.put("p50_ms", Percentiles.nearestRank(latencies, 0.50));
            lanes.put("p99_ms", Percentiles.nearestRank(latencies, 0.99));
            lanes.put("max_ms", Percentiles.nearestRank(latencies, 1.0));
            lanes.put("claude_calls", calls.get(lane));
            lanes.put("call_share", allCalls == 0 ? 0.0 : Math.round(calls.get(lane) * 10_000.0 / allCalls) / 10_000.0);
            lanes.put("lost", audits.get(lane).lost());
            lanes.put("duplicates", audits.get(lane).duplicates());
            if (lane == Lane.BULK) {
                lanes.put("longest_gap_s", Math.round(live.longestGapNanos(lane) / 1e8) / 10.0);
            }
            byLane.put(lane.label(), lanes);
        }
        figures.put("lanes", byLane);
        figures.put("dead_letters", audits.values().stream().mapToLong(Audit::deadLetters).max().orElse(0));
        return figures;
    }

    /** What the bench saw as results came: per lane, each signal's first outcome and its latency. */
    private static final class Live {

        private final Map<Lane, BenchCommand.Signals> published;
        private final Map<Lane, boolean[]> finished = new EnumMap<>(Lane.class);
        private final Map<Lane, List<Long>> latencies = new EnumMap<>(Lane.class);
        private final Map<Lane, List<Long>> resultNanos = new EnumMap<>(Lane.class);
        private int outcomes;
        private int deadLetters;
        private final int expected;

        Live(Map<Lane, BenchCommand.Signals> published) {
            this.published = published;
            int count = 0;
            for (Map.Entry<Lane, BenchCommand.Signals> lane : published.entrySet()) {
                finished.put(lane.getKey(), new boolean[lane.getValue().count()]);
                latencies.put(lane.getKey(), new ArrayList<>());
                resultNanos.put(lane.getKey(), new ArrayList<>());
                count += lane.getValue().count();
            }
            this.expected = count;
        }

        void record(ConsumerRecord<byte[], byte[]> record, Topics topics, long seenNanos) {
            boolean result = record.topic().equals(topics.results().name());
            String rootId = result
                    ? topics.signalSerde().deserializer().deserialize(record.topic(), record.value()).getRootId()
                    : topics.deadLetterSerde().deserializer().deserialize(record.topic(), record.value()).getRootId();
            for (Map.Entry<Lane, BenchCommand.Signals> lane : published.entrySet()) {
                int i = lane.getValue().indexOf(rootId);
                boolean[] done = finished.get(lane.getKey());
                if (i < 0 || done[i]) {
                    continue;
                }
                done[i] = true;
                outcomes++;
                if (result) {
                    latencies.get(lane.getKey()).add((seenNanos - lane.getValue().sentAt(i)) / 1_000_000);
                    resultNanos.get(lane.getKey()).add(seenNanos);
                } else {
                    deadLetters++;
                }
            }
        }

        boolean complete() {
            return outcomes >= expected;
        }

        /** Results ÷ (the lane's first publish → its last result). */
        double throughput(Lane lane) {
            List<Long> seen = resultNanos.get(lane);
            BenchCommand.Signals signals = published.get(lane);
            if (seen.isEmpty() || seen.get(seen.size() - 1) <= signals.firstAt()) {
                return 0;
            }
            return seen.size() / ((seen.get(seen.size() - 1) - signals.firstAt()) / 1e9);
        }

        /** The longest time without a result of the lane, from its first publish to its last result. */
        long longestGapNanos(Lane lane) {
            long previous = published.get(lane).firstAt();
            long longest = 0;
            for (long at : resultNanos.get(lane)) {
                longest = Math.max(longest, at - previous);
                previous = at;
            }
            return longest;
        }

        String summary() {
            StringBuilder line = new StringBuilder();
            for (Map.Entry<Lane, List<Long>> lane : latencies.entrySet()) {
                if (published.get(lane.getKey()).count() > 0) {
                    line.append(lane.getKey().label()).append(' ').append(lane.getValue().size()).append('/')
                            .append(published.get(lane.getKey()).count()).append(", ");
                }
            }
            return line + "" + deadLetters + " dead letters";
        }
    }
}
