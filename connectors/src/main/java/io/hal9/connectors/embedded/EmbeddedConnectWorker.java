package io.hal9.connectors.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.common.utils.internals.Exit;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka Connect worker (standalone mode) inside the JVM, with its REST API, for the demo and the
 * end-to-end tests. Connectors, converters and transformations are found on the application's
 * classpath (the Debezium JDBC sink and HAL9's converter and transformations are dependencies), so
 * no {@code plugin.path} is needed.
 *
 * <p>How to use: {@code EmbeddedConnectWorker.builder().bootstrapServers(b).restPort(8083).build().start()},
 * register connectors over {@link #restUrl()} (e.g. with
 * {@link io.hal9.connectors.rest.ConnectRestClient}), {@link #close()} at the end.
 *
 * <p>Contract:
 * <ul>
 *   <li>The REST API listens on {@code host:restPort} (0 picks a free port before start).</li>
 *   <li>Standalone: connector configurations live in memory and are gone after {@link #close()};
 *       register them again at every start. Source offsets go to a file in a temporary directory,
 *       deleted on close; sink offsets are committed to Kafka as consumer group
 *       {@code connect-<connector>} every {@code offset.flush.interval.ms}
 *       ({@value #OFFSET_FLUSH_INTERVAL_MS} ms unless overridden).</li>
 *   <li>Plugins are discovered through their {@code ServiceLoader} manifests
 *       ({@code plugin.discovery=service_load}: 1.5 s instead of a classpath scan of 7 to 9 s).</li>
 *   <li>Connector configurations may use {@code ${env:NAME}} (the environment of this process).</li>
 *   <li>{@link #start()} throws instead of ending the JVM when the worker cannot start (Connect's
 *       command-line start-up would call {@code Exit.exit}).</li>
 * </ul>
 */
public final class EmbeddedConnectWorker implements AutoCloseable {

    /** How often sink tasks commit their offsets, unless overridden. */
    public static final long OFFSET_FLUSH_INTERVAL_MS = 5_000;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedConnectWorker.class);

    private final String bootstrapServers;
    private final String host;
    private final int restPort;
    private final Map<String, String> overrides;

    private Path workDir;
    private Connect<StandaloneHerder> connect;
    private boolean closed;

    private EmbeddedConnectWorker(Builder builder) {
        this.bootstrapServers = Objects.requireNonNull(builder.bootstrapServers, "bootstrapServers");
        this.host = builder.host;
        this.restPort = builder.restPort == 0 ? freePort() : builder.restPort;
        this.overrides = Map.copyOf(builder.overrides);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the worker and its REST API; returns once the REST API answers.
     *
     * @throws IllegalStateException when the worker does not start (e.g. the REST port is taken)
     */
    public synchronized EmbeddedConnectWorker start() {
        if (closed || connect != null) {
            throw new IllegalStateException("Connect worker on " + restUrl() + " was already started");
        }
        long begin = System.nanoTime();
        try {
            workDir = Files.createTempDirectory("hal9-connect-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Connect worker's directory", e);
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put("bootstrap.servers", bootstrapServers);
        props.put("listeners", "http://" + host + ":" + restPort);
        props.put("rest.advertised.host.name", host);
        props.put("rest.advertised.port", Integer.toString(restPort));
        props.put("offset.storage.file.filename", workDir.resolve("connect.offsets").toString());
        props.put("offset.flush.interval.ms", Long.toString(OFFSET_FLUSH_INTERVAL_MS));
        props.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        props.put("plugin.discovery", "service_load");
        props.put("config.providers", "env");
        props.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        props.putAll(overrides);

        // Connect's start-up ends the JVM when the worker cannot start; here that is an exception.
        Exit.setExitProcedure((status, message) -> {
            throw new IllegalStateException("Kafka Connect worker did not start (status " + status + ")"
                    + (message == null ? "" : ": " + message));
        });
        try {
            connect = new ConnectStandalone().startConnect(props);
        } catch (RuntimeException e) {
            deleteWorkDir();
            throw new IllegalStateException("Kafka Connect worker on " + restUrl() + " did not start: " + e.getMessage(), e);
        } finally {
            Exit.resetExitProcedure();
        }
        LOG.info("Kafka Connect worker ready on {} in {} ms", restUrl(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return this;
    }

    /** The REST API's URL, e.g. {@code http://127.0.0.1:8083}. */
    public URI restUrl() {
        return URI.create("http://" + host + ":" + restPort);
    }

    /** The REST port; the picked one when the builder was given 0. */
    public int restPort() {
        return restPort;
    }

    /** Stops every connector and the worker, and deletes its directory. Safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long begin = System.nanoTime();
        if (connect != null) {
            connect.stop();
            connect.awaitStop();
            connect = null;
            LOG.info("Kafka Connect worker on {} stopped in {} ms", restUrl(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        }
        deleteWorkDir();
    }

    private void deleteWorkDir() {
        if (workDir == null) {
            return;
        }
        try {
            Utils.delete(workDir.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the Connect worker's directory " + workDir, e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on the loopback interface", e);
        }
    }

    /** Settings of an {@link EmbeddedConnectWorker}; only the bootstrap servers are required. */
    public static final class Builder {

        private String bootstrapServers;
        private String host = "127.0.0.1";
        private int restPort;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {
        }

        /** The Kafka cluster the worker and its connectors use. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            return this;
        }

        /** The address the REST API binds and advertises; default {@code 127.0.0.1}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The REST API's port; 0 (the default) picks a free one. */
        public Builder restPort(int restPort) {
            if (restPort < 0 || restPort > 65_535) {
                throw new IllegalArgumentException("REST port " + restPort + " is outside 0..65535");
            }
            this.restPort = restPort;
            return this;
        }

        /** A worker setting (e.g. {@code offset.flush.interval.ms}), overriding the defaults above. */
        public Builder workerSetting(String key, String value) {
            overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public EmbeddedConnectWorker build() {
            return new EmbeddedConnectWorker(this);
        }
    }
}
