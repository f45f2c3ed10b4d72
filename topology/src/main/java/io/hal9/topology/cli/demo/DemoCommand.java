package io.hal9.topology.cli.demo;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Priority;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.cli.common.InternalTopics;
import io.hal9.topology.cli.common.SimulatorFaultOptions;
import io.hal9.topology.cli.game.PlayCommand;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;
import io.hal9.topology.devstack.EmbeddedKafkaBroker;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Contracts;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.net.Ports;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.node.ModelCheck;
import io.hal9.topology.node.ModelMetrics;
import io.hal9.topology.node.Shutdown;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hal9 demo}: the whole hierarchy in one JVM with nothing installed. Starts a single-node
 * KRaft broker, the schema registry, the Claude simulator (or real Claude when
 * {@code ANTHROPIC_API_KEY} is set) and the layer applications; publishes sample signals to the
 * first layer and prints each result as it reaches {@code hal9.results}. With {@code --sink postgres}
 * it also runs PostgreSQL and a Kafka Connect worker with HAL9's sink connectors (see {@link DemoSink}),
 * and counts the rows that landed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole L2 -> L3 -> L4 hierarchy in one JVM (embedded Kafka, schema registry, "
                + "Claude simulator unless ANTHROPIC_API_KEY is set) and show signals flowing through it.")
public final class DemoCommand implements Callable<Integer> {

    private static final String HOST = "127.0.0.1";
    /** How long the demo waits for its results and dead letters to become rows with --sink. */
    private static final Duration SINK_TIMEOUT = Duration.ofSeconds(60);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--signals", defaultValue = "10", description = "How many signals to publish (default ${DEFAULT-VALUE}); the input repeats when shorter.")
    int signals;

    @Option(names = "--input", description = "JSON lines to publish instead of the bundled tasks: {\"content\":\"...\", \"key\":\"...\"} per line.")
    Path input;

    @Option(names = "--lane", defaultValue = "normal", converter = LaneConverter.class,
            description = "The lane the signals are published to: high, normal or bulk (default ${DEFAULT-VALUE}); "
                    + "hal9.signals.l2.high, hal9.signals.l2 or hal9.signals.l2.bulk.")
    Lane lane;

    @Option(names = "--json", description = "End stdout with one JSON line of figures.")
    boolean json;

    @Option(names = "--serve", description = "Keep everything running for other clients (no sample signals); print one 'ready:' line.")
    boolean serve;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka broker port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int kafkaPort;

    @Option(names = "--registry-port", defaultValue = "8081", description = "Schema registry port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int registryPort;

    @Option(names = "--admin-port", defaultValue = "8080", description = "Admin HTTP port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int adminPort;

    @Option(names = "--sim-port", defaultValue = "8089", description = "Claude simulator port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int simPort;

    @Option(names = "--sim-latency-ms", defaultValue = "50", description = "Simulated Claude latency per call (default ${DEFAULT-VALUE}).")
    long simLatencyMs;

    @Option(names = "--duplicate-ratio", defaultValue = "0", description = "Share of the signals (0..1) that repeat "
            + "an earlier signal's content, to see the neuron cache at work (default ${DEFAULT-VALUE}).")
    double duplicateRatio;

    @CommandLine.Mixin
    SimulatorFaultOptions simulatorFaults = new SimulatorFaultOptions();

    @Option(names = "--timeout", defaultValue = "180", description = "Seconds to wait for every signal to finish (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** Where the demo also writes results and dead letters. */
    enum Sink { none, postgres }

    @Option(names = "--sink", defaultValue = "none", description = "Also write results and dead letters to a "
            + "database: postgres starts PostgreSQL and a Kafka Connect worker running the connectors in "
            + "connectors/config/ (default ${DEFAULT-VALUE}).")
    Sink sink;

    @Option(names = "--pg-port", defaultValue = "5432", description = "PostgreSQL port with --sink postgres (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int pgPort;

    @Option(names = "--connect-port", defaultValue = "8083", description = "Kafka Connect REST port with --sink postgres (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int connectPort;

    /** {@code --lane}: a lane by its label, an unknown one refused naming the lanes there are. */
    static final class LaneConverter implements CommandLine.ITypeConverter<Lane> {
        @Override
        public Lane convert(String value) {
            try {
                return Lane.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (signals < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--signals must be at least 1");
        }
        if (duplicateRatio < 0 || duplicateRatio > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--duplicate-ratio must be between 0 and 1");
        }
        List<DemoInput> inputs = DemoInput.plan(input == null ? DemoInput.bundled() : DemoInput.read(input), signals,
                duplicateRatio);
        String apiKey = System.getenv("ANTHROPIC_API_KEY");
        boolean realClaude = apiKey != null && !apiKey.isBlank();
        // the layers' models before anything starts: the settings come from the environment alone
        Hal9Config environment = Hal9Config.load(Map.of(), System.getenv());
        ModelCheck.Report models = ModelCheck.of(environment, apiKey, Clock.systemUTC())
                .check(environment.layersChain());
        if (!models.proceed(err)) {
            return ExitCodes.USAGE;
        }
        boolean withSink = sink == Sink.postgres;
        LocalStack.Builder stackBuilder = LocalStack.builder().kafkaPort(kafkaPort).registryPort(registryPort)
                .stateDir("hal9-demo-state").progress(this::progress);
        if (!realClaude) {
            stackBuilder.simulator(simPort, () -> simulatorFaults.apply(
                    SimulatorOptions.defaults().withLatency(Duration.ofMillis(simLatencyMs)), spec.commandLine(),
                    Instant.now()));
        }
        if (withSink) {
            stackBuilder.postgresSink(pgPort, connectPort);
        }
        stackBuilder.checkPorts();
        Ports.requireFree("admin", HOST, adminPort);
        if (withSink) {
            progress("starting PostgreSQL (embedded)...");
        }
        progress("starting Kafka (KRaft, embedded)...");
        LocalStack stack = stackBuilder.start();
        Hal9Node node = null;
        boolean handedToShutdown = false;
        try {
            EmbeddedKafkaBroker broker = stack.broker();
            String claudeUrl;
            ClaudeSimulator simulator = null;
            if (realClaude) {
                claudeUrl = Hal9Config.CLAUDE_BASE_URL_DEFAULT;
                progress("using real Claude (ANTHROPIC_API_KEY is set)");
            } else {
                simulator = stack.simulator();
                if (!simulatorFaults.describe().isEmpty()) {
                    progress("the simulator injects " + simulatorFaults.describe());
                }
                claudeUrl = simulator.baseUrl();
            }
            Map<String, Object> settings = new HashMap<>();
            settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
            settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, stack.registryUrl());
            settings.put(Hal9Config.ADMIN_PORT_CONFIG, adminPort);
            settings.put(Hal9Config.ADMIN_HOST_CONFIG, HOST);
            settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, claudeUrl);
            settings.put(Hal9Config.STATE_DIR_CONFIG, stack.stateDir().toString());
            settings.put(Hal9Config.GAME_ENABLED_CONFIG, true);
            Hal9Config config = Hal9Config.load(settings, System.getenv());
            Topics topics = new Topics(config, stack.registry());
            int partitions = Hal9Settings.topics(config).partitions();
            Map<String, Map<String, String>> created = new LinkedHashMap<>();
            for (String name : topics.allNames()) {
                created.put(name, topics.compactedNames().contains(name)
                        ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT) : Map.of());
            }
            // the layers' internal topics too, as `hal9 topics` does: nine applications starting at once
            // would otherwise each wait for the topics the others are creating
            created.putAll(InternalTopics.of(config));
            broker.createTopics(partitions, created);
            // producers in any language find every schema under its <topic>-value subject from the start
            Contracts.register(topics, stack.registry());
            DemoSink database = null;
            if (withSink) {
                broker.createTopics(1, DemoSink.connectDeadLetterTopics().toArray(String[]::new));
                database = DemoSink.apply(stack.sink(), stack.registryUrl(), topics.results().name(),
                        topics.deadLetters().name(), config.layersChain(), this::progress);
            }

            progress("starting layers " + config.layersChain() + " and the game...");
            node = new Hal9Node(config, config.layersChain(), Hal9Node.claudeClient(config, apiKey));
            ModelMetrics.bind(node.metrics(), models);
            node.start();
            node.awaitRunning(Duration.ofSeconds(120));
            String adminUrl = "http://" + HOST + ":" + node.adminPort();
            if (serve) {
                out.println("ready: bootstrap=" + stack.bootstrapServers() + " registry=" + stack.registryUrl()
                        + " admin=" + adminUrl + (database == null ? ""
                        : " postgres=" + database.psqlUrl() + " connect=" + database.connectUrl()));
                out.flush();
                if (database != null) {
                    progress("rows: psql \"" + database.psqlUrl() + "\" (tables " + DemoSink.RESULTS_TABLE + ", "
                            + DemoSink.DEAD_LETTERS_TABLE + ")");
                }
                progress("play: bin/hal9 game --id g1 --seed 42 --commands llllljjj"
                        + (adminUrl.equals(PlayCommand.DEFAULT_ADMIN_URL) ? "" : " --admin-url " + adminUrl)
                        + (local(stack.bootstrapServers()).equals(Hal9Config.BOOTSTRAP_SERVERS_DEFAULT) ? ""
                        : " --bootstrap-servers " + stack.bootstrapServers())
                        + (local(stack.registryUrl()).equals(Hal9Config.SCHEMA_REGISTRY_URL_DEFAULT) ? ""
                        : " --registry-url " + stack.registryUrl()));
                handedToShutdown = true;
                Shutdown.await(node, stack);
                return ExitCodes.OK;
            }
            return runSignals(inputs, config, topics, broker, node, simulator, adminUrl, database);
        } finally {
            if (!handedToShutdown) {
                close(node, stack);
            }
        }
    }

    /** Stops the layers (null when they did not start) before the stack they run on. */
    private void close(Hal9Node node, LocalStack stack) {
        try {
            if (node != null) {
                node.close();
            }
        } catch (RuntimeException e) {
            progress("closing " + node.getClass().getSimpleName() + " failed: " + e);
        } finally {
            stack.close();
        }
    }

    /** The address as the defaults spell it: the loopback address as {@code localhost}. */
    private static String local(String address) {
        return address.replace(HOST, "localhost");
    }

    private int runSignals(List<DemoInput> inputs, Hal9Config config, Topics topics, EmbeddedKafkaBroker broker,
                           Hal9Node node, ClaudeSimulator simulator, String adminUrl, DemoSink database) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Long> publishedAt = new HashMap<>();
        DemoReport report = new DemoReport(signals);
        String firstInput = topics.inputName(config.layersChain().get(0), lane);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(broker.bootstrapServers());
             KafkaProducer<byte[], Signal> producer = producer(broker.bootstrapServers(), topics)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.results().name(), topics.deadLetters().name())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);

            long start = System.currentTimeMillis();
            for (int i = 0; i < signals; i++) {
                DemoInput in = inputs.get(i);
                String id = "demo-" + run + "-" + (i + 1);
                String key = (in.key() == null ? "signal" : in.key()) + "-" + (i + 1);
                long now = System.currentTimeMillis();
                Signal signal = Signal.newBuilder()
                        .setSignalId(id)
                        .setRootId(id)
                        .setActivation(Activation.newBuilder().setContent(in.content())
                                .setFeatures(new HashMap<>(in.features())).build())
                        .setMetadata(new HashMap<>(in.metadata()))
                        .setCreatedAt(Instant.ofEpochMilli(now))
                        .build();
                publishedAt.put(id, now);
                producer.send(new ProducerRecord<>(firstInput, key.getBytes(StandardCharsets.UTF_8), signal));
            }
            producer.flush();
            progress("published " + signals + " signals to " + firstInput + "; waiting for results...");

            Set<String> results = new HashSet<>();
            Set<String> deadLetters = new HashSet<>();
            long deadline = start + Duration.ofSeconds(timeoutSeconds).toMillis();
            long lastProgress = System.currentTimeMillis();
            while (!report.complete() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    handle(record, topics, publishedAt, results, deadLetters, report);
                }
                if (System.currentTimeMillis() - lastProgress >= 2_000) {
                    lastProgress = System.currentTimeMillis();
                    progress(String.format("... %d/%d finished (%d results, %d dead letters), %.1f s",
                            report.finished(), signals, report.results(), report.deadLetters(),
                            (lastProgress - start) / 1000.0));
                }
            }
            long durationMs = System.currentTimeMillis() - start;
            long calls = simulator != null ? simulator.requestCount() : node.neuron().requestCount();
            out.println();
            out.printf("summary: %d signals, %d results, %d dead letters, %d Claude calls (%s), %d ms, p50 %d ms, "
                            + "p99 %d ms%n", signals, report.results(), report.deadLetters(), calls,
                    simulator != null ? "simulator" : "Claude", durationMs, report.percentile(0.5),
                    report.percentile(0.99));
            out.println("topics: " + String.join(", ", topics.allNames()) + "  admin: " + adminUrl + "/health");
            boolean complete = report.complete();
            if (!complete) {
                out.printf("unfinished: %d signals had no result or dead letter after %d s%n",
                        signals - report.finished(), timeoutSeconds);
                List<String> why = DemoReport.whyUnfinished(node.health().layers());
                out.println(why.isEmpty() ? "  no Claude call failed: see the log above"
                        : "  " + String.join(System.lineSeparator() + "  ", why));
            }
            Long sinkRows = null;
            if (database != null) {
                out.flush();
                progress("waiting for the rows in PostgreSQL...");
                sinkRows = database.awaitRows(DemoSink.RESULTS_TABLE, results, SINK_TIMEOUT);
                long letterRows = database.awaitRows(DemoSink.DEAD_LETTERS_TABLE, deadLetters, SINK_TIMEOUT);
                out.printf("sink: %d rows in %s, %d rows in %s; psql \"%s\" (while the demo runs: add --serve)%n",
                        sinkRows, DemoSink.RESULTS_TABLE, letterRows, DemoSink.DEAD_LETTERS_TABLE, database.psqlUrl());
                if (sinkRows < results.size() || letterRows < deadLetters.size()) {
                    out.printf("unfinished: %d results and %d dead letters had no row after %d s%n",
                            results.size() - sinkRows, deadLetters.size() - letterRows, SINK_TIMEOUT.toSeconds());
                    complete = false;
                }
            }
            if (json) {
                out.println(report.json(calls, durationMs, sinkRows));
            }
            out.flush();
            return complete ? ExitCodes.OK : ExitCodes.UNFINISHED;
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record, Topics topics, Map<String, Long> publishedAt,
                        Set<String> results, Set<String> deadLetters, DemoReport report) {
        long now = System.currentTimeMillis();
        if (record.topic().equals(topics.results().name())) {
            Signal result = topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
            Long published = publishedAt.get(result.getRootId());
            if (published == null || deadLetters.contains(result.getRootId()) || !results.add(result.getRootId())) {
                return;
            }
            long cacheHits = result.getHops().stream().filter(Hop::getCacheHit).count();
            report.result(now - published, cacheHits);
            out.printf("result %s  key=%s  %d ms%s%n", result.getRootId(),
                    new String(record.key(), StandardCharsets.UTF_8), now - published,
                    result.getPriority() == Priority.NORMAL ? "" : "  lane=" + Lane.of(result.getPriority().name()).label());
            for (Hop hop : result.getHops()) {
                report.hop(hop.getLayer(), hop.getModel(), hop.getCostUsd());
                out.printf("    %s %-14s %-18s %s%n", hop.getLayer(),
                        hop.getCacheHit() ? "(cached)" : "(" + hop.getLatencyMs() + " ms)", hop.getModel(),
                        shorten(hop.getOutput(), 100));
            }
        } else {
            DeadLetter letter = topics.deadLetterSerde().deserializer().deserialize(record.topic(), record.value());
            String root = letter.getRootId();
            if (root == null || !publishedAt.containsKey(root) || results.contains(root) || !deadLetters.add(root)) {
                return;
            }
            report.deadLetter();
            out.printf("dead letter %s  layer=%s  %s: %s%n", root, letter.getLayer(), letter.getCategory(),
                    letter.getReason());
        }
        out.flush();
    }

    static String shorten(String text, int max) {
        if (text == null) {
            return "";
        }
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 1) + "…";
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static KafkaProducer<byte[], Signal> producer(String bootstrap, Topics topics) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(props, new ByteArraySerializer(), topics.signalSerde().serializer());
    }

    private void progress(String message) {
        err.println("hal9 demo: " + message);
        err.flush();
    }

}
