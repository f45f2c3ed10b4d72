package io.hal9.topology.testing;

import static org.awaitility.Awaitility.await;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

import io.hal9.topology.devstack.EmbeddedKafkaBroker;
import io.hal9.topology.devstack.LocalStack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.internals.Exit;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The one place HAL9 Streams end-to-end tests get a Kafka broker from, and the {@link LocalStack}
 * (schema registry, Claude simulator, PostgreSQL sink) around it.
 *
 * <p>How to use: {@code @RegisterExtension static final KafkaFixture KAFKA = new KafkaFixture();},
 * then {@link #bootstrapServers()}, {@link #createTopics}, {@link #topicName}, {@link #consume} and
 * {@link #consumeDuring} in the tests. A test class that needs more than the broker asks for it once:
 * {@code KafkaFixture.withStack(stack -> stack.registry().simulator(options))}, then
 * {@link #stack()}{@code .registryUrl()}, {@code .simulator()}, ...; a test that needs parts of its
 * own starts them with {@link #newStack()}.
 *
 * <p>Contract:
 * <ul>
 *   <li>One broker per test JVM, started lazily by the first test class that registers the
 *       fixture, shared by all later classes and closed when the test run ends (it lives in the
 *       root {@link ExtensionContext.Store}).</li>
 *   <li>Backend {@value #TESTCONTAINERS}: {@code apache/kafka:4.4.0} in Docker when a Docker
 *       engine answers; otherwise {@value #EMBEDDED}: an {@link EmbeddedKafkaBroker} in this JVM.
 *       The system property {@value #BACKEND_PROPERTY} forces one of them.</li>
 *   <li>Either way: auto topic creation off, replication factor 1, no initial rebalance delay,
 *       transactions up to 15 minutes, consumer group sessions from {@value #MIN_SESSION_TIMEOUT_MS} ms
 *       (Kafka's minimum is 6 s).</li>
 *   <li>Kafka's halt and exit procedures throw instead of ending the JVM (see {@link #trapExitAndHalt()}).</li>
 * </ul>
 *
 * <p>Tests share the broker, so each one must use its own topics: derive them with
 * {@link #topicName(TestInfo, String)}.
 */
public final class KafkaFixture implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {

    /** {@link #backend()} when the broker runs in Docker through Testcontainers. */
    public static final String TESTCONTAINERS = "testcontainers";
    /** {@link #backend()} when the broker runs inside this JVM. */
    public static final String EMBEDDED = "embedded";
    /** System property that forces a backend: {@code testcontainers} or {@code embedded}. */
    public static final String BACKEND_PROPERTY = "hal9.test.kafka.backend";
    /** The broker image used with Testcontainers; same Kafka version as the project. */
    public static final String KAFKA_IMAGE = "apache/kafka:4.4.0";
    /**
     * The shortest {@code session.timeout.ms} the broker accepts ({@code group.min.session.timeout.ms};
     * Kafka's default is 6 s): a test that kills a group member and starts its successor waits for
     * the dead member's session to end before the group hands its partitions on.
     */
    public static final int MIN_SESSION_TIMEOUT_MS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaFixture.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaFixture.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** How often {@link #createTopics} asks whether the broker describes the new topics yet. */
    private static final Duration METADATA_POLL = Duration.ofMillis(20);
    private static final int MAX_TOPIC_NAME_LENGTH = 249;

    private final UnaryOperator<LocalStack.Builder> stackParts;
    private volatile SharedBroker broker;
    private volatile LocalStack stack;

    /** The shared broker alone. */
    public KafkaFixture() {
        this(null);
    }

    private KafkaFixture(UnaryOperator<LocalStack.Builder> stackParts) {
        this.stackParts = stackParts;
    }

    /**
     * The shared broker and, for the test class, a {@link LocalStack} on it with the parts
     * {@code parts} asks for, e.g. {@code stack -> stack.registry().simulator(options)}.
     */
    public static KafkaFixture withStack(UnaryOperator<LocalStack.Builder> parts) {
        return new KafkaFixture(Objects.requireNonNull(parts, "parts"));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        attach(context);
        if (stackParts != null) {
            stack = stackParts.apply(newStack()).start();
            // a Kafka Connect worker restores Kafka's exit procedure after its start-up; tests keep theirs
            trapExitAndHalt();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LocalStack started = stack;
        stack = null;
        if (started != null) {
            started.close();
        }
    }

    /** Covers a fixture registered on an instance field, which JUnit does not call before all. */
    @Override
    public void beforeEach(ExtensionContext context) {
        if (broker == null) {
            attach(context);
        }
        if (stackParts != null && stack == null) {
            throw new IllegalStateException("KafkaFixture.withStack needs a static field: JUnit starts it before all tests");
        }
    }

    private void attach(ExtensionContext context) {
        broker = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedBroker.class, key -> SharedBroker.start(), SharedBroker.class);
    }

    /** {@code bootstrap.servers} of the shared broker. */
    public String bootstrapServers() {
        return requireBroker().bootstrapServers;
    }

    /** The test class's stack on the shared broker, as {@link #withStack} asked for it. */
    public LocalStack stack() {
        if (stack == null) {
            throw new IllegalStateException("KafkaFixture has no stack: register KafkaFixture.withStack(...) on a static field");
        }
        return stack;
    }

    /** A builder of a {@link LocalStack} on the shared broker, for parts a test starts and closes itself. */
    public LocalStack.Builder newStack() {
        return LocalStack.builder().kafka(bootstrapServers());
    }

    /** {@value #TESTCONTAINERS} or {@value #EMBEDDED}. */
    public String backend() {
        return requireBroker().backend;
    }

    /**
     * Creates topics with {@code partitions} partitions each, in one request; existing topics are
     * left as they are. Returns once the broker describes every one of them (the controller commits a
     * topic a moment before the broker's metadata has it).
     */
    public void createTopics(int partitions, String... names) {
        SharedBroker shared = requireBroker();
        List<String> topics = List.copyOf(new LinkedHashSet<>(Arrays.asList(names)));
        create(shared, partitions, topics);
        await().atMost(ADMIN_TIMEOUT).pollDelay(Duration.ZERO).pollInterval(METADATA_POLL).ignoreExceptions()
                .until(() -> shared.admin.describeTopics(topics).allTopicNames()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size() == topics.size());
    }

    private static void create(SharedBroker shared, int partitions, List<String> names) {
        List<NewTopic> requests = names.stream().map(name -> new NewTopic(name, partitions, (short) 1)).toList();
        for (Map.Entry<String, KafkaFuture<Void>> created : shared.admin.createTopics(requests).values().entrySet()) {
            String name = created.getKey();
            try {
                created.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Could not create topic " + name, e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("Creating topic " + name + " timed out after " + ADMIN_TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating topic " + name, e);
            }
        }
    }

    /** {@link #consume(String, String, int, Duration)} on the shared broker. */
    public List<ConsumerRecord<byte[], byte[]>> consume(String topic, int expected, Duration timeout) {
        return consume(bootstrapServers(), topic, expected, timeout);
    }

    /**
     * Reads {@code topic} from the beginning of every partition with {@code read_committed}
     * isolation and no consumer group, until {@code expected} records have arrived or
     * {@code timeout} has passed, whichever comes first.
     *
     * @return the records read, in arrival order; fewer than {@code expected} when the timeout
     *     passed first, possibly more when the last poll brought extra ones
     */
    public static List<ConsumerRecord<byte[], byte[]>> consume(String bootstrapServers, String topic, int expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = fromTheBeginning(bootstrapServers, List.of(topic), timeout)) {
            long remaining;
            while (records.size() < expected && (remaining = deadline - System.nanoTime()) > 0) {
                consumer.poll(poll(remaining)).forEach(records::add);
            }
        }
        return records;
    }

    /**
     * Reads {@code topics} as {@link #consume(String, int, Duration)} reads one, all of them in one
     * consumer, for the whole of {@code window}: to see that nothing else comes out of any of them,
     * each watched for the full window, without waiting out one window after another.
     *
     * @return every record each topic held when the window closed, in arrival order, by topic (an
     *     empty list for a topic that held none)
     */
    public Map<String, List<ConsumerRecord<byte[], byte[]>>> consumeDuring(Duration window, String... topics) {
        long deadline = System.nanoTime() + window.toNanos();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> records = new LinkedHashMap<>();
        for (String topic : topics) {
            records.put(topic, new ArrayList<>());
        }
        try (KafkaConsumer<byte[], byte[]> consumer = fromTheBeginning(bootstrapServers(), List.of(topics), window)) {
            long remaining;
            while ((remaining = deadline - System.nanoTime()) > 0) {
                consumer.poll(poll(remaining)).forEach(record -> records.get(record.topic()).add(record));
            }
        }
        return records;
    }

    /** A {@code read_committed} consumer without a group, at the beginning of every partition of {@code topics}. */
    private static KafkaConsumer<byte[], byte[]> fromTheBeginning(String bootstrapServers, List<String> topics, Duration timeout) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo info : consumer.partitionsFor(topic, timeout)) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    private static Duration poll(long remainingNanos) {
        return Duration.ofNanos(Math.min(remainingNanos, TimeUnit.MILLISECONDS.toNanos(200)));
    }

    /**
     * A topic name unique to the running test: {@code <TestClass>.<testMethod>.<role>}, with a
     * short hash of the display name added for repeated and parameterized invocations. Characters
     * Kafka does not allow become {@code -}; over-long names are shortened and made unique with a
     * hash. The same test and role always give the same name.
     *
     * @param role what the topic is for in the test, e.g. {@code "input"} or {@code "dead-letters"}
     */
    public static String topicName(TestInfo info, String role) {
        String testClass = info.getTestClass().map(Class::getSimpleName).orElse("test");
        String method = info.getTestMethod().map(Method::getName).orElse("all");
        StringBuilder name = new StringBuilder()
                .append(sanitize(testClass)).append('.')
                .append(sanitize(method)).append('.');
        boolean defaultDisplayName = info.getTestMethod().map(KafkaFixture::defaultDisplayName)
                .map(info.getDisplayName()::equals).orElse(true);
        if (!defaultDisplayName) {
            name.append(hash(info.getDisplayName())).append('.');
        }
        name.append(sanitize(role));
        if (name.length() > MAX_TOPIC_NAME_LENGTH) {
            String full = name.toString();
            return full.substring(0, MAX_TOPIC_NAME_LENGTH - 9) + "." + hash(full);
        }
        return name.toString();
    }

    /**
     * Makes Kafka's {@code Exit.halt} and {@code Exit.exit} throw an {@link IllegalStateException}
     * instead of ending the JVM, so a fatal broker error fails the tests rather than killing the
     * test run. Affects this JVM only; main code keeps Kafka's procedures.
     */
    public static void trapExitAndHalt() {
        Exit.setHaltProcedure((status, message) -> {
            throw new IllegalStateException("Kafka asked to halt the JVM with status " + status + ": " + message);
        });
        Exit.setExitProcedure((status, message) -> {
            throw new IllegalStateException("Kafka asked to exit the JVM with status " + status + ": " + message);
        });
    }

    /**
     * Whether a Docker engine answers; false within a fraction of a second when there is only a
     * docker CLI. Testcontainers' ERROR report of the failed probe is switched off in
     * {@code logback-test.xml}: no Docker is the normal case here, and the fixture logs which
     * backend it chose.
     */
    public static boolean dockerAvailable() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    private SharedBroker requireBroker() {
        SharedBroker shared = broker;
        if (shared == null) {
            throw new IllegalStateException("KafkaFixture is not started: register it with @RegisterExtension on a static field");
        }
        return shared;
    }

    /** JUnit's display name for a plain test method: {@code name(ParamType, ...)}. */
    private static String defaultDisplayName(Method method) {
        return Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(", ", method.getName() + "(", ")"));
    }

    private static String sanitize(String part) {
        String cleaned = part.replaceAll("[^A-Za-z0-9-]+", "-");
        return cleaned.isEmpty() ? "x" : cleaned;
    }

    private static String hash(String text) {
        CRC32 crc = new CRC32();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }

    /** The broker shared by every test class in the JVM; closed by JUnit when the run ends. */
    private static final class SharedBroker implements AutoCloseable {

        private final String backend;
        private final String bootstrapServers;
        private final Runnable stop;
        private final Admin admin;

        private SharedBroker(String backend, String bootstrapServers, Runnable stop) {
            this.backend = backend;
            this.bootstrapServers = bootstrapServers;
            this.stop = stop;
            this.admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
        }

        static SharedBroker start() {
            trapExitAndHalt();
            long begin = System.nanoTime();
            String forced = System.getProperty(BACKEND_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
            boolean docker = switch (forced) {
                case TESTCONTAINERS -> true;
                case EMBEDDED -> false;
                case "" -> dockerAvailable();
                default -> throw new IllegalArgumentException(BACKEND_PROPERTY + " must be "
                        + TESTCONTAINERS + " or " + EMBEDDED + ", not '" + forced + "'");
            };
            long decided = System.nanoTime();
            SharedBroker shared = docker ? startContainer() : startEmbedded();
            LOG.info("Kafka for tests: {} on {} (backend chosen in {} ms, started in {} ms)", shared.backend, shared.bootstrapServers,
                    TimeUnit.NANOSECONDS.toMillis(decided - begin), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - decided));
            return shared;
        }

        private static SharedBroker startContainer() {
            KafkaContainer container = new KafkaContainer(KAFKA_IMAGE)
                    .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                    .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                    .withEnv("KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS", Integer.toString(MIN_SESSION_TIMEOUT_MS))
                    .withEnv("KAFKA_TRANSACTION_MAX_TIMEOUT_MS", Long.toString(EmbeddedKafkaBroker.TRANSACTION_MAX_TIMEOUT_MS));
            container.start();
            return new SharedBroker(TESTCONTAINERS, container.getBootstrapServers(), container::stop);
        }

        private static SharedBroker startEmbedded() {
            EmbeddedKafkaBroker embedded = EmbeddedKafkaBroker.builder()
                    .brokerProperty("group.min.session.timeout.ms", Integer.toString(MIN_SESSION_TIMEOUT_MS))
                    .build()
                    .start();
            return new SharedBroker(EMBEDDED, embedded.bootstrapServers(), embedded::close);
        }

        @Override
        public void close() {
            try {
                admin.close(Duration.ofSeconds(5));
            } finally {
                stop.run();
            }
        }
    }
}
