package io.hal9.topology.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.topology.net.PortInUseException;
import io.hal9.topology.net.Ports;

import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a demo, a benchmark or a test runs HAL9 Streams against, started in this JVM: a
 * single-node KRaft broker, the schema registry, the Claude simulator and, for a sink, PostgreSQL
 * with a Kafka Connect worker.
 *
 * <p>How to use:
 * <pre>{@code
 * try (LocalStack stack = LocalStack.builder()
 *         .kafkaPort(9092).registryPort(8081)                    // 0 picks a free port
 *         .simulator(8089, SimulatorOptions.defaults())          // optional
 *         .postgresSink(5432, 8083)                              // optional: PostgreSQL + Connect worker
 *         .start()) {
 *     stack.bootstrapServers(); stack.registryUrl(); stack.simulatorUrl(); stack.sink().psqlUrl();
 * }
 * }</pre>
 *
 * <p>Contract:
 * <ul>
 *   <li>Every listener is on {@value #HOST}. Only what the builder asked for runs: the broker
 *       always (unless {@link Builder#kafka(String)} names a running one, e.g. a test's shared
 *       broker), the registry, simulator, sink and state directory only when asked for.</li>
 *   <li>{@link Builder#start()} first checks every given port and fails with
 *       {@link PortInUseException} (naming the port and its holder) before anything starts.</li>
 *   <li>Start order: state directory, PostgreSQL (in the background, it needs nothing else),
 *       Kafka, registry, simulator, Connect worker (once PostgreSQL is up). {@link #close()} stops
 *       them in the reverse order, so the Connect worker stops before Kafka; a part that fails to
 *       close is reported and the rest still close. A failure while starting closes what already
 *       started, then throws.</li>
 * </ul>
 *
 * <p>Limitations: PLAINTEXT and HTTP only, no authentication; the sink runs no connector by itself.
 * PostgreSQL and Kafka Connect are reached only through {@link PostgresSink}, so a stack without a
 * sink loads none of their classes.
 */
public final class LocalStack implements AutoCloseable {

    /** The address every part of the stack listens on. */
    public static final String HOST = "127.0.0.1";

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final Deque<Part> started = new ArrayDeque<>();
    private final Consumer<String> progress;

    private Path stateDir;
    private EmbeddedKafkaBroker broker;
    private String bootstrapServers;
    private SchemaRegistryServer registryServer;
    private SchemaRegistryClient registry;
    private ClaudeSimulator simulator;
    private PostgresSink sink;

    private LocalStack(Consumer<String> progress) {
        this.progress = progress;
    }

    /** A builder for a stack of a broker on a free port and nothing else. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port} of the broker, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * The broker this stack started, to create topics on.
     *
     * @throws IllegalStateException when the stack uses a broker it did not start
     */
    public EmbeddedKafkaBroker broker() {
        return require(broker, "no embedded broker: it uses the running one on " + bootstrapServers);
    }

    /** The schema registry's base URL, e.g. {@code http://127.0.0.1:8081}. */
    public String registryUrl() {
        return registryServer().url();
    }

    /** A client of the stack's schema registry. */
    public SchemaRegistryClient registry() {
        return require(registry, "no schema registry: ask the builder for one");
    }

    /** The schema registry server (its request count, its port). */
    public SchemaRegistryServer registryServer() {
        return require(registryServer, "no schema registry: ask the builder for one");
    }

    /** The Claude simulator. */
    public ClaudeSimulator simulator() {
        return require(simulator, "no Claude simulator: ask the builder for one");
    }

    /** The Claude simulator's base URL, for {@code hal9.claude.base.url}. */
    public String simulatorUrl() {
        return simulator().baseUrl();
    }

    /** PostgreSQL and the Kafka Connect worker. */
    public PostgresSink sink() {
        return require(sink, "no PostgreSQL sink: ask the builder for one");
    }

    /** The temporary state directory, deleted with its content on close. */
    public Path stateDir() {
        return require(stateDir, "no state directory: ask the builder for one");
    }

    /** Stops every part in the reverse order of starting. Safe to call more than once. */
    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            Part part = started.pop();
            try {
                part.closer().close();
            } catch (Exception e) {
                progress.accept("closing the " + part.name() + " failed: " + e);
            }
        }
    }

    private <T> T require(T part, String missing) {
        if (part == null) {
            throw new IllegalStateException("This local stack has " + missing);
        }
        return part;
    }

    private void start(Builder builder) throws IOException {
        if (builder.stateDirPrefix != null) {
            Path dir = Files.createTempDirectory(builder.stateDirPrefix);
            started.push(new Part("state directory", () -> Utils.delete(dir.toFile())));
            stateDir = dir;
        }
        if (builder.postgresPort != null) {
            sink = PostgresSink.begin(builder.postgresPort);
            started.push(new Part("PostgreSQL server", sink));
        }
        if (builder.bootstrapServers != null) {
            bootstrapServers = builder.bootstrapServers;
        } else {
            broker = EmbeddedKafkaBroker.builder().host(HOST).port(builder.kafkaPort).build();
            started.push(new Part("Kafka broker", broker));
            broker.start();
            bootstrapServers = broker.bootstrapServers();
        }
        if (builder.registryPort != null) {
            registryServer = SchemaRegistryServer.start(HOST, builder.registryPort);
            started.push(new Part("schema registry", registryServer));
            registry = new HttpSchemaRegistryClient(registryServer.url());
        }
        if (builder.simulatorOptions != null) {
            simulator = ClaudeSimulator.start(HOST, builder.simulatorPort, builder.simulatorOptions.get());
            started.push(new Part("Claude simulator", simulator));
        }
        if (sink != null) {
            started.push(new Part("Kafka Connect worker", sink::closeWorker));
            sink.startWorker(bootstrapServers, builder.connectPort, builder.workerSettings, progress);
        }
    }

    /** A started part of the stack: what to call it in a message, and how to stop it. */
    private record Part(String name, AutoCloseable closer) {
    }


    /** What a {@link LocalStack} starts; every part but the broker is left out unless asked for. */
    public static final class Builder {

        private int kafkaPort;
        private String bootstrapServers;
        private Integer registryPort;
        private Supplier<SimulatorOptions> simulatorOptions;
        private int simulatorPort;
        private Integer postgresPort;
        private int connectPort;
        private final Map<String, String> workerSettings = new LinkedHashMap<>();
        private String stateDirPrefix;
        private Consumer<String> progress = message -> LOG.info("{}", message);

        private Builder() {
        }

        /** Starts the broker on {@code port}; 0 (the default) picks a free one. */
        public Builder kafkaPort(int port) {
            this.kafkaPort = port;
            this.bootstrapServers = null;
            return this;
        }

        /** Starts no broker: the stack uses the running one at {@code bootstrapServers}. */
        public Builder kafka(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /** Starts a schema registry on a free port. */
        public Builder registry() {
            return registryPort(0);
        }

        /** Starts a schema registry on {@code port}; 0 picks a free one. */
        public Builder registryPort(int port) {
            this.registryPort = port;
            return this;
        }

        /** Starts a Claude simulator on a free port. */
        public Builder simulator(SimulatorOptions options) {
            return simulator(0, options);
        }

        /** Starts a Claude simulator on {@code port} (0 picks a free one) answering as {@code options} say. */
        public Builder simulator(int port, SimulatorOptions options) {
            Objects.requireNonNull(options, "options");
            return simulator(port, () -> options);
        }

        /**
         * Starts a Claude simulator on {@code port} (0 picks a free one) with the options
         * {@code options} makes as the simulator starts, e.g. an outage counted from that moment.
         */
        public Builder simulator(int port, Supplier<SimulatorOptions> options) {
            this.simulatorOptions = Objects.requireNonNull(options, "options");
            this.simulatorPort = port;
            return this;
        }

        /**
         * Starts PostgreSQL on {@code postgresPort} and a Kafka Connect worker with its REST API on
         * {@code connectPort} (0 picks a free one for either). The worker runs no connector yet.
         */
        public Builder postgresSink(int postgresPort, int connectPort) {
            this.postgresPort = postgresPort;
            this.connectPort = connectPort;
            return this;
        }

        /** A Kafka Connect worker setting (e.g. {@code offset.flush.interval.ms}) with {@link #postgresSink}. */
        public Builder connectWorkerSetting(String key, String value) {
            workerSettings.put(key, value);
            return this;
        }

        /** Creates a temporary state directory named {@code prefix...}, deleted with its content on close. */
        public Builder stateDir(String prefix) {
            this.stateDirPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** Where the sink's start-up steps and failures to close are said (default: the log). */
        public Builder progress(Consumer<String> progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /**
         * Checks every given port, then starts the parts asked for; returns once each answers.
         *
         * @throws PortInUseException when a given port is taken (nothing was started)
         * @throws IllegalStateException or {@link UncheckedIOException} when a part does not start
         *     (what had started is closed)
         */
        public LocalStack start() {
            checkPorts();
            LocalStack stack = new LocalStack(progress);
            try {
                stack.start(this);
            } catch (IOException e) {
                stack.close();
                throw new UncheckedIOException("The local stack did not start: " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                stack.close();
                throw e;
            }
            return stack;
        }

        /**
         * Fails when a port given to this builder is taken; {@link #start()} checks them too. For
         * a caller that wants to say what it starts only once it knows the ports are free.
         *
         * @throws PortInUseException naming the first taken port and who holds it
         */
        public Builder checkPorts() {
            if (bootstrapServers == null) {
                Ports.requireFree("Kafka", HOST, kafkaPort);
            }
            if (registryPort != null) {
                Ports.requireFree("schema registry", HOST, registryPort);
            }
            if (simulatorOptions != null) {
                Ports.requireFree("Claude simulator", HOST, simulatorPort);
            }
            if (postgresPort != null) {
                Ports.requireFree("PostgreSQL", HOST, postgresPort);
                Ports.requireFree("Kafka Connect", HOST, connectPort);
            }
            return this;
        }
    }
}
