package io.hal9.topology.testing;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.Priority;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Lane;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * One layer (chain {@value #LAYER}, writing straight to the results topic) on the shared broker of a
 * {@link KafkaFixture}, with a schema registry and a Claude simulator of the given latency (a
 * {@link LocalStack} on the shared broker): the
 * setting of the tests that stop a layer while signals wait on Claude and check that a successor
 * loses and repeats none of them.
 *
 * <p>How to use: {@code @RegisterExtension static final OneLayerHarness HARNESS = new OneLayerHarness(latency);}
 * on a static field, then {@code HARNESS.kafka()}, {@link #runArguments}, {@link #startProcess},
 * {@link #publishSignals}, {@link #topics()} and {@link #rootIds} in the tests.
 *
 * <p>Contract:
 * <ul>
 *   <li>It is the test class's {@link KafkaFixture}: it attaches the shared broker before all tests.</li>
 *   <li>Before each test: a new schema registry and {@link ClaudeSimulator} with the given latency, and the layer's topics
 *       ({@value #PARTITIONS} partitions each), named after the test by {@link KafkaFixture#topicName}.</li>
 *   <li>After each test: every {@link LayerProcess} started through {@link #startProcess} is killed if
 *       it still runs, then the registry and simulator are closed. A test's own {@code @AfterEach} runs before that.</li>
 *   <li>When a test fails, the last {@value #LOG_TAIL_LINES} lines of each layer process's output are
 *       printed and attached to the failure: the output files vanish with the test's temp dir.</li>
 *   <li>Tests of one class run one at a time: the per-test state lives in this static extension.</li>
 * </ul>
 */
public final class OneLayerHarness implements BeforeAllCallback, BeforeEachCallback,
        AfterEachCallback, TestExecutionExceptionHandler {

    /** The layer under test. */
    public static final String LAYER = "L2";
    private static final int PARTITIONS = 4;
    private static final int LOG_TAIL_LINES = 60;

    private final KafkaFixture kafka = new KafkaFixture();
    private final Duration claudeLatency;

    private LocalStack stack;
    /** Settings of the layer under test that name its topics and consumer group. */
    private final Map<String, String> layerSettings = new LinkedHashMap<>();
    private Topics topics;
    private final List<LayerProcess> processes = new ArrayList<>();

    /** @param claudeLatency how long the Claude simulator takes per answer */
    public OneLayerHarness(Duration claudeLatency) {
        this.claudeLatency = claudeLatency;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        kafka.beforeAll(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        kafka.beforeEach(context);
        stack = kafka.newStack().registry().simulator(SimulatorOptions.defaults().withLatency(claudeLatency)).start();
        String base = KafkaFixture.topicName(testInfo(context), "hal9");
        layerSettings.clear();
        layerSettings.put(Hal9Config.LAYERS_CHAIN_CONFIG, LAYER);
        layerSettings.put(Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG, base + ".signals.");
        layerSettings.put(Hal9Config.TOPIC_RESULTS_CONFIG, base + ".results");
        layerSettings.put(Hal9Config.TOPIC_DLQ_CONFIG, base + ".dlq");
        layerSettings.put(Hal9Config.APPLICATION_ID_PREFIX_CONFIG, base + "-");
        layerSettings.put(Hal9Config.ADMIN_HOST_CONFIG, "127.0.0.1");
        topics = new Topics(Hal9Config.of(layerSettings), stack.registry());
        kafka.createTopics(PARTITIONS, topics.allNames().toArray(String[]::new));
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        try {
            for (LayerProcess process : processes) {
                process.close();
            }
        } finally {
            processes.clear();
            stack.close();
        }
    }

    /** On a failure, shows what the layer processes printed: their output files vanish with the temp dir. */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        for (LayerProcess process : processes) {
            String tail = process.tail(LOG_TAIL_LINES);
            System.err.println(tail);
            failure.addSuppressed(new LayerOutput(tail));
        }
        throw failure;
    }

    /** The shared broker. */
    public KafkaFixture kafka() {
        return kafka;
    }

    public String registryUrl() {
        return stack.registryUrl();
    }

    public ClaudeSimulator simulator() {
        return stack.simulator();
    }

    /** The layer's topics and serdes. */
    public Topics topics() {
        return topics;
    }

    /** Settings of the layer under test that name its topics and consumer group. */
    public Map<String, String> layerSettings() {
        return Collections.unmodifiableMap(layerSettings);
    }

    /** {@code hal9 run --layer L2 ...} against the test's broker, registry and simulator. */
    public List<String> runArguments(Path stateDir) {
        return runArguments(stateDir, 0);
    }

    /**
     * {@code hal9 run --layer L2 ...} against the test's broker, registry and simulator, its admin
     * server on {@code adminPort} (0: any free port).
     */
    public List<String> runArguments(Path stateDir, int adminPort) {
        List<String> args = new ArrayList<>(List.of("run", "--layer", LAYER,
                "--bootstrap-servers", kafka.bootstrapServers(),
                "--registry-url", stack.registryUrl(),
                "--claude-base-url", stack.simulatorUrl(),
                "--admin-port", String.valueOf(adminPort),
                "--state-dir", stateDir.toString()));
        layerSettings.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
        return args;
    }

    /**
     * Starts {@code hal9} in its own JVM, its output files in {@code dir}. The short session timeout
     * (3 s, heartbeats every second) lets the group drop a killed member, or one that failed to
     * leave, within seconds rather than the default 45 s, so that a successor gets its partitions
     * soon after it starts; a graceful stop leaves the group at once.
     */
    public LayerProcess startProcess(Path dir, String name, List<String> args) {
        return startProcess(dir, name, args, Map.of());
    }

    /**
     * {@link #startProcess(Path, String, List)} with more environment variables, e.g. {@code KAFKA_*}
     * settings passed through to the layer's Kafka clients; they win over the session timeout set here.
     */
    public LayerProcess startProcess(Path dir, String name, List<String> args, Map<String, String> environment) {
        Map<String, String> env = new LinkedHashMap<>(Map.of(
                "KAFKA_SESSION_TIMEOUT_MS", "3000",
                "KAFKA_HEARTBEAT_INTERVAL_MS", "1000"));
        env.putAll(environment);
        LayerProcess process = LayerProcess.start(dir, name, args, env);
        processes.add(process);
        return process;
    }

    /**
     * Publishes {@code count} signals with unique ids, keys and contents to the layer's input;
     * returns their ids.
     *
     * @param task ends each signal's content, {@code "task <i>: <task>"}
     */
    public List<String> publishSignals(int count, String task) {
        return publishSignals(0, count, task);
    }

    /**
     * {@link #publishSignals(int, String)} numbered from {@code first}: a later batch whose ids, keys
     * and contents differ from an earlier one's.
     */
    public List<String> publishSignals(int first, int count, String task) {
        return publishSignals(Lane.NORMAL, first, count, task);
    }

    /** {@link #publishSignals(int, int, String)} to the layer's input in {@code lane}. */
    public List<String> publishSignals(Lane lane, int first, int count, String task) {
        List<String> ids = new ArrayList<>();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.signalSerde().serializer())) {
            for (int i = first; i < first + count; i++) {
                String id = "signal-" + i;
                producer.send(new ProducerRecord<>(topics.inputName(LAYER, lane), key("key-" + i),
                        signal(id, "task " + i + ": " + task)));
                ids.add(id);
            }
        }
        return ids;
    }

    /** The lanes of signal records ({@code priority}), by root id. */
    public Map<String, Priority> lanes(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Priority> lanes = new HashMap<>();
        records.forEach(r -> {
            Signal signal = topics.signalSerde().deserializer().deserialize(r.topic(), r.value());
            lanes.put(signal.getRootId(), signal.getPriority());
        });
        return lanes;
    }

    /** The root ids of signal records, in their order. */
    public List<String> rootIds(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .map(r -> topics.signalSerde().deserializer().deserialize(r.topic(), r.value()).getRootId())
                .toList();
    }

    /** The running test as {@link KafkaFixture#topicName} reads it. */
    private static TestInfo testInfo(ExtensionContext context) {
        return new TestInfo() {
            @Override
            public String getDisplayName() {
                return context.getDisplayName();
            }

            @Override
            public Set<String> getTags() {
                return context.getTags();
            }

            @Override
            public Optional<Class<?>> getTestClass() {
                return context.getTestClass();
            }

            @Override
            public Optional<Method> getTestMethod() {
                return context.getTestMethod();
            }
        };
    }

    /** The output of a layer process, attached to a test failure; its stack trace would say nothing. */
    private static final class LayerOutput extends Exception {
        LayerOutput(String output) {
            super(output, null, false, false);
        }
    }
}
