package io.hal9.topology.devstack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.hal9.topology.net.PortInUseException;
import io.hal9.topology.net.Ports;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka cluster (KRaft broker and controller in one process) inside the JVM, for the
 * HAL9 Streams demo and end-to-end tests.
 *
 * <p>How to use: {@code EmbeddedKafkaBroker.builder().build().start()}, then hand
 * {@link #bootstrapServers()} to clients, create topics with {@link #createTopics}, and
 * {@link #close()} at the end (try-with-resources works).
 *
 * <p>Contract:
 * <ul>
 *   <li>Listeners: PLAINTEXT on {@code host:port} and CONTROLLER on {@code host:controllerPort}; port
 *       0 picks a free port when {@link Builder#build()} runs, so {@link #port()} is known before
 *       {@link #start()}.</li>
 *   <li>{@link #start()} fails with {@link PortInUseException} when a port is taken, before any
 *       broker code runs and before the log directory is formatted.</li>
 *   <li>The log directory is formatted only when it holds no {@code meta.properties}; a directory
 *       given with {@link Builder#logDir(Path)} is kept on close, so a broker started again on it
 *       sees the topics and records of the previous run. Without one, a temporary directory is used
 *       and deleted on close.</li>
 *   <li>Every replication factor and min ISR is 1, auto topic creation is off, consumer groups
 *       rebalance without initial delay, and transactions may stay open up to
 *       {@value #TRANSACTION_MAX_TIMEOUT_MS} ms (the neuron stage holds transactions open across
 *       slow calls under exactly-once).</li>
 *   <li>{@link #start()} returns once the broker answers {@code describeCluster}, or fails after
 *       {@link #STARTUP_TIMEOUT}.</li>
 * </ul>
 *
 * <p>Limitations: one node, PLAINTEXT only, no authentication. A fatal broker error calls Kafka's
 * {@code Exit.halt}, which stops the JVM; tests replace that procedure with one that throws.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** How long {@link #start()} waits for the broker to answer. */
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    /** Upper bound for producers' {@code transaction.timeout.ms}: 15 minutes. */
    public static final long TRANSACTION_MAX_TIMEOUT_MS = 15 * 60 * 1000L;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String META_PROPERTIES = "meta.properties";
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration METADATA_POLL = Duration.ofMillis(20);

    private final String host;
    private final int port;
    private final int controllerPort;
    private final Path givenLogDir;
    private final Map<String, String> overrides;

    private Path logDir;
    private KafkaRaftServer server;
    private Admin admin;
    private boolean started;
    private boolean closed;

    private EmbeddedKafkaBroker(Builder builder) {
        this.host = builder.host;
        this.port = builder.port == 0 ? Ports.freePort() : builder.port;
        this.controllerPort = builder.controllerPort == 0 ? Ports.freePort() : builder.controllerPort;
        this.givenLogDir = builder.logDir;
        this.overrides = Map.copyOf(builder.overrides);
    }

    /** A builder with the defaults: 127.0.0.1, free ports, a temporary log directory. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the ports, formats the log directory if needed, starts the broker and waits until it
     * answers.
     *
     * @return this broker
     * @throws PortInUseException when the Kafka or controller port is taken (nothing was started)
     * @throws IllegalStateException when started twice, after close, or when the broker does not
     *     come up within {@link #STARTUP_TIMEOUT}
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (closed) {
            throw new IllegalStateException("Embedded Kafka broker on " + bootstrapServers() + " is closed");
        }
        if (started) {
            throw new IllegalStateException("Embedded Kafka broker on " + bootstrapServers() + " is already started");
        }
        Ports.requireFree("Kafka", host, port);
        Ports.requireFree("Kafka controller", host, controllerPort);
        started = true;
        long begin = System.nanoTime();
        try {
            logDir = givenLogDir != null ? Files.createDirectories(givenLogDir) : Files.createTempDirectory("hal9-kafka-");
            KafkaConfig config = KafkaConfig.fromProps(brokerProperties(), false);
            formatIfNeeded();
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
            awaitReady();
        } catch (IOException | RuntimeException e) {
            close();
            throw new IllegalStateException("Embedded Kafka broker on " + bootstrapServers() + " did not start: " + e.getMessage(), e);
        }
        LOG.info("Embedded Kafka broker ready on {} in {} ms (log dir {})",
                bootstrapServers(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin), logDir);
        return this;
    }

    /** {@code host:port} of the PLAINTEXT listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return host + ":" + port;
    }

    /** The PLAINTEXT port; the picked one when the builder was given 0. */
    public int port() {
        return port;
    }

    /** The CONTROLLER port; the picked one when the builder was given 0. */
    public int controllerPort() {
        return controllerPort;
    }

    /** The directory holding the broker's data and metadata log, or null before {@link #start()}. */
    public synchronized Path logDir() {
        return logDir;
    }

    /**
     * Creates topics with {@code partitions} partitions each and the broker's default configs.
     * Topics that already exist are left as they are.
     */
    public void createTopics(int partitions, String... names) {
        Map<String, Map<String, String>> topics = new LinkedHashMap<>();
        for (String name : names) {
            topics.put(name, Map.of());
        }
        createTopics(partitions, topics);
    }

    /**
     * Creates one topic with {@code partitions} partitions and the given topic configs (such as
     * {@code cleanup.policy=compact}); returns once the broker describes it. A topic that already
     * exists is left as it is.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        createTopics(partitions, Map.of(name, configs));
    }

    /**
     * Creates topics, name → topic configs, with {@code partitions} partitions each, in one request;
     * returns once the broker describes every one (the controller commits a topic a moment before
     * the broker's metadata has it, and a client describing it in between would be told it does not
     * exist). Topics that already exist are left as they are.
     */
    public void createTopics(int partitions, Map<String, Map<String, String>> topics) {
        Admin client = requireAdmin();
        List<NewTopic> requests = topics.entrySet().stream()
                .map(topic -> new NewTopic(topic.getKey(), partitions, (short) 1).configs(topic.getValue())).toList();
        try {
            for (Map.Entry<String, KafkaFuture<Void>> created : client.createTopics(requests).values().entrySet()) {
                try {
                    created.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Could not create topic " + created.getKey() + " on "
                                + bootstrapServers(), e.getCause());
                    }
                }
            }
            awaitDescribed(client, List.copyOf(topics.keySet()));
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not describe the topics " + topics.keySet() + " on "
                    + bootstrapServers(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Creating topics " + topics.keySet() + " on " + bootstrapServers()
                    + " timed out after " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics " + topics.keySet(), e);
        }
    }

    /** Returns once the broker describes every one of {@code names}, asking for all of them at a time. */
    private void awaitDescribed(Admin client, List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                client.describeTopics(names).allTopicNames().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(METADATA_POLL.toMillis());
            }
        }
    }

    /**
     * Stops the broker and waits for it; deletes the log directory when it was a temporary one.
     * Safe to call more than once and on a broker that never started.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long begin = System.nanoTime();
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
            LOG.info("Embedded Kafka broker on {} stopped in {} ms",
                    bootstrapServers(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        }
        if (givenLogDir == null && logDir != null) {
            deleteRecursively(logDir);
        }
    }

    private Properties brokerProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        props.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + host + ":" + port + "," + CONTROLLER_LISTENER + "://" + host + ":" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir.toString());
        props.put("metadata.log.dir", logDir.toString());
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("transaction.max.timeout.ms", Long.toString(TRANSACTION_MAX_TIMEOUT_MS));
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        // The log cleaner compacts Streams changelogs; 2 MB of dedupe buffer instead of 128 MB.
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        props.putAll(overrides);
        Properties properties = new Properties();
        properties.putAll(props);
        return properties;
    }

    private void formatIfNeeded() throws IOException {
        if (Files.exists(logDir.resolve(META_PROPERTIES))) {
            return;
        }
        try (PrintStream discard = new PrintStream(OutputStream.nullOutputStream())) {
            new Formatter()
                    .setPrintStream(discard)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("Could not format Kafka log directory " + logDir + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady() {
        DescribeClusterOptions options = new DescribeClusterOptions().timeoutMs((int) STARTUP_TIMEOUT.toMillis());
        try {
            admin.describeCluster(options).nodes().get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka broker on " + bootstrapServers()
                    + " did not answer describeCluster within " + STARTUP_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the Kafka broker on " + bootstrapServers(), e);
        }
    }

    private synchronized Admin requireAdmin() {
        if (admin == null) {
            throw new IllegalStateException("Embedded Kafka broker on " + bootstrapServers() + " is not running");
        }
        return admin;
    }

    private static void deleteRecursively(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete Kafka log directory " + dir, e);
        }
    }

    /** Settings of an {@link EmbeddedKafkaBroker}; every one has a default. */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port;
        private int controllerPort;
        private Path logDir;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {
        }

        /** Address both listeners bind and the broker advertises; default {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** PLAINTEXT port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = requirePort("port", port);
            return this;
        }

        /** CONTROLLER (KRaft quorum) port; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = requirePort("controllerPort", controllerPort);
            return this;
        }

        /**
         * Directory for data and metadata; created when missing and kept on close, so a later
         * broker on the same directory keeps topics and records. Default: a temporary directory
         * deleted on close.
         */
        public Builder logDir(Path logDir) {
            this.logDir = Objects.requireNonNull(logDir, "logDir");
            return this;
        }

        /** Sets or overrides one broker property (e.g. {@code log.retention.ms}). */
        public Builder brokerProperty(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The broker, not yet started; ports given as 0 are picked here. */
        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }

        private static int requirePort(String name, int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(name + " " + port + " is outside 0..65535");
            }
            return port;
        }
    }
}
