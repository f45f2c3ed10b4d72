package io.hal9.topology.cli.demo;

import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import io.hal9.connectors.config.ConnectorConfig;
import io.hal9.connectors.config.ConnectorConfigs;
import io.hal9.connectors.embedded.EmbeddedConnectWorker;
import io.hal9.connectors.embedded.EmbeddedPostgresServer;
import io.hal9.connectors.rest.ConnectRestClient;
import io.hal9.connectors.rest.ConnectorStatus;

/**
 * {@code hal9 demo --sink postgres}: a real PostgreSQL and a Kafka Connect worker inside the demo's
 * JVM, running HAL9's two sink connectors from the same configuration files {@code hal9 connectors
 * apply} registers (the bundled {@code connectors/config/*.json}), with the demo's addresses put in.
 *
 * <p>Only this class touches PostgreSQL and Connect, so a demo without {@code --sink} never loads them.
 */
final class DemoSink implements AutoCloseable {

    /** The table the results connector writes. */
    static final String RESULTS_TABLE = "hal9_results";
    /** The table the dead-letter connector writes. */
    static final String DEAD_LETTERS_TABLE = "hal9_dead_letters";
    /** How long the connectors may take to run. */
    static final Duration CONNECTORS_TIMEOUT = Duration.ofSeconds(60);

    private static final String UNDEFINED_TABLE = "42P01";
    private static final Duration POLL = Duration.ofMillis(250);

    private final CompletableFuture<EmbeddedPostgresServer> postgres;
    private EmbeddedConnectWorker worker;

    private DemoSink(CompletableFuture<EmbeddedPostgresServer> postgres) {
        this.postgres = postgres;
    }

    /** Starts PostgreSQL in the background (it needs nothing else), so it comes up while Kafka does. */
    static DemoSink begin(int pgPort) {
        return new DemoSink(CompletableFuture.supplyAsync(() -> EmbeddedPostgresServer.start(pgPort)));
    }

    /**
     * Waits for PostgreSQL, starts the Connect worker on {@code connectPort} and registers both
     * connectors over its REST API; returns once both run.
     *
     * @param layers the layers that get result columns (the demo's chain)
     * @return what stops the worker: close it before Kafka, so that no connector outlives the broker
     * @throws IllegalStateException when PostgreSQL, the worker or a connector does not start
     */
    AutoCloseable connect(String bootstrapServers, String registryUrl, String resultsTopic, String deadLettersTopic,
                 List<String> layers, int connectPort, Consumer<String> progress) {
        EmbeddedPostgresServer db = postgres();
        progress.accept("PostgreSQL on " + db.psqlUrl() + "; starting Kafka Connect...");
        worker = EmbeddedConnectWorker.builder().bootstrapServers(bootstrapServers).restPort(connectPort).build().start();
        AutoCloseable stopWorker = worker::close;
        List<ConnectorConfig> configs = ConnectorConfigs.override(ConnectorConfigs.bundled(), List.of(
                ConnectorConfigs.CONNECTION_URL + "=" + db.jdbcUrl(),
                ConnectorConfigs.CONNECTION_USERNAME + "=" + EmbeddedPostgresServer.USER,
                // local connections are trusted: the file's ${env:...} password is not needed
                ConnectorConfigs.CONNECTION_PASSWORD + "=",
                ConnectorConfigs.REGISTRY_URL + "=" + registryUrl,
                ConnectorConfigs.RESULTS_SINK + ":" + ConnectorConfigs.TOPICS + "=" + resultsTopic,
                ConnectorConfigs.RESULTS_SINK + ":transforms.rows.layers=" + String.join(",", layers),
                ConnectorConfigs.DEAD_LETTERS_SINK + ":" + ConnectorConfigs.TOPICS + "=" + deadLettersTopic));
        try {
            ConnectRestClient client = new ConnectRestClient(worker.restUrl());
            for (ConnectorConfig config : configs) {
                client.apply(config);
            }
            for (ConnectorConfig config : configs) {
                ConnectorStatus status = client.awaitSettled(config.name(), CONNECTORS_TIMEOUT);
                if (status == null || !status.running()) {
                    throw new IllegalStateException("connector " + config.name() + " is not running after "
                            + CONNECTORS_TIMEOUT.toSeconds() + " s: " + (status == null ? "unknown" : status.describe()));
                }
            }
        } catch (RuntimeException e) {
            worker.close();
            throw e;
        }
        progress.accept("Kafka Connect on " + worker.restUrl() + " runs "
                + String.join(", ", configs.stream().map(ConnectorConfig::name).toList()));
        return stopWorker;
    }

    /** The topics the connectors send records to that they cannot convert (Connect's dead letter queue). */
    static List<String> connectDeadLetterTopics() {
        return ConnectorConfigs.bundled().stream().map(c -> c.get(ConnectorConfigs.DLQ_TOPIC))
                .filter(t -> t != null && !t.isBlank()).distinct().toList();
    }

    /** How to open the database with psql. */
    String psqlUrl() {
        return postgres().psqlUrl();
    }

    /** The Connect worker's REST URL. */
    URI connectUrl() {
        return worker.restUrl();
    }

    /**
     * Polls until {@code table} holds a row for each of {@code rootIds} or {@code timeout} passes;
     * returns the rows found, counted with SQL.
     */
    long awaitRows(String table, Collection<String> rootIds, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long rows = rows(table, rootIds);
        while (rows < rootIds.size() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            rows = rows(table, rootIds);
        }
        return rows;
    }

    /** Rows of {@code table} whose {@code root_id} is one of {@code rootIds}; 0 before the sink created it. */
    long rows(String table, Collection<String> rootIds) {
        if (rootIds.isEmpty()) {
            return 0;
        }
        try (Connection connection = postgres().connect(EmbeddedPostgresServer.DATABASE);
             PreparedStatement count = connection.prepareStatement(
                     "SELECT count(*) FROM " + table + " WHERE root_id = ANY (?)")) {
            Array ids = connection.createArrayOf("text", new ArrayList<>(rootIds).toArray());
            count.setArray(1, ids);
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            if (UNDEFINED_TABLE.equals(e.getSQLState())) {
                return 0;
            }
            throw new IllegalStateException("cannot count the rows of " + table + ": " + e.getMessage(), e);
        }
    }

    private EmbeddedPostgresServer postgres() {
        try {
            return postgres.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** Stops PostgreSQL (once it started) and the worker, if {@link #connect}'s closer was not used. */
    @Override
    public void close() {
        try {
            if (worker != null) {
                worker.close();
            }
        } finally {
            try {
                postgres.join().close();
            } catch (CompletionException e) {
                // PostgreSQL never started: nothing to stop
            }
        }
    }
}
