package io.hal9.topology.devstack;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import io.hal9.connectors.embedded.EmbeddedConnectWorker;
import io.hal9.connectors.embedded.EmbeddedPostgresServer;

/**
 * The servers a sink to PostgreSQL needs, inside the JVM: a real PostgreSQL and a Kafka Connect
 * worker. Which connectors run on the worker is the caller's business (e.g. {@code hal9 demo
 * --sink postgres} registers HAL9's bundled ones).
 *
 * <p>Only this class of the {@code devstack} package touches PostgreSQL and Kafka Connect, and
 * {@link LocalStack} refers to it only when a sink was asked for, so a stack without one never
 * loads Connect, Debezium or Hibernate classes.
 */
public final class PostgresSink implements AutoCloseable {

    private final CompletableFuture<EmbeddedPostgresServer> postgres;
    private EmbeddedConnectWorker worker;

    private PostgresSink(CompletableFuture<EmbeddedPostgresServer> postgres) {
        this.postgres = postgres;
    }

    /** Starts PostgreSQL on {@code pgPort} in the background (it needs nothing else), so it comes up while Kafka does. */
    static PostgresSink begin(int pgPort) {
        return new PostgresSink(CompletableFuture.supplyAsync(() -> EmbeddedPostgresServer.start(pgPort)));
    }

    /**
     * Waits for PostgreSQL, then starts the Connect worker on {@code connectPort} against
     * {@code bootstrapServers}; returns once its REST API answers.
     *
     * @throws IllegalStateException when PostgreSQL or the worker does not start
     */
    PostgresSink startWorker(String bootstrapServers, int connectPort, Map<String, String> workerSettings,
                             Consumer<String> progress) {
        EmbeddedPostgresServer db = postgres();
        progress.accept("PostgreSQL on " + db.psqlUrl() + "; starting Kafka Connect...");
        EmbeddedConnectWorker.Builder builder = EmbeddedConnectWorker.builder()
                .bootstrapServers(bootstrapServers).restPort(connectPort);
        workerSettings.forEach(builder::workerSetting);
        worker = builder.build().start();
        return this;
    }

    /** The running PostgreSQL: JDBC URLs, databases, connections. */
    public EmbeddedPostgresServer postgres() {
        try {
            return postgres.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /** The running Connect worker. */
    public EmbeddedConnectWorker worker() {
        if (worker == null) {
            throw new IllegalStateException("the Kafka Connect worker is not started");
        }
        return worker;
    }

    /** How to open the default database with psql, e.g. {@code postgresql://hal9@127.0.0.1:5432/hal9}. */
    public String psqlUrl() {
        return postgres().psqlUrl();
    }

    /** JDBC URL of the default database. */
    public String jdbcUrl() {
        return postgres().jdbcUrl();
    }

    /** The role that owns the default database; local connections need no password. */
    public String user() {
        return EmbeddedPostgresServer.USER;
    }

    /** The Connect worker's REST URL. */
    public URI connectUrl() {
        return worker().restUrl();
    }

    /** Stops the worker and every connector on it, so that none outlives the broker. */
    void closeWorker() {
        if (worker != null) {
            worker.close();
        }
    }

    /** Stops the worker (and every connector on it), then PostgreSQL once it started. */
    @Override
    public void close() {
        try {
            closeWorker();
        } finally {
            try {
                postgres.join().close();
            } catch (CompletionException e) {
                // PostgreSQL never started: nothing to stop
            }
        }
    }
}
