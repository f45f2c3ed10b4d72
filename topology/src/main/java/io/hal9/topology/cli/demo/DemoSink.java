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
import java.util.function.Consumer;

import io.hal9.connectors.config.ConnectorConfig;
import io.hal9.connectors.config.ConnectorConfigs;
import io.hal9.connectors.embedded.EmbeddedPostgresServer;
import io.hal9.connectors.rest.ConnectRestClient;
import io.hal9.connectors.rest.ConnectorStatus;
import io.hal9.topology.devstack.PostgresSink;

/**
 * {@code hal9 demo --sink postgres}: HAL9's two sink connectors on the Kafka Connect worker of the
 * demo's {@link PostgresSink}, from the same configuration files {@code hal9 connectors apply}
 * registers (the bundled {@code connectors/config/*.json}), with the demo's addresses put in; and
 * the rows they wrote, counted.
 *
 * <p>Only this class of the demo touches PostgreSQL and Connect, so a demo without {@code --sink}
 * never loads them.
 */
final class DemoSink {

    /** The table the results connector writes. */
    static final String RESULTS_TABLE = "hal9_results";
    /** The table the dead-letter connector writes. */
    static final String DEAD_LETTERS_TABLE = "hal9_dead_letters";
    /** How long the connectors may take to run. */
    static final Duration CONNECTORS_TIMEOUT = Duration.ofSeconds(60);

    private static final String UNDEFINED_TABLE = "42P01";
    private static final Duration POLL = Duration.ofMillis(250);

    private final PostgresSink servers;

    private DemoSink(PostgresSink servers) {
        this.servers = servers;
    }

    /**
     * Registers both connectors on the worker of {@code servers} over its REST API; returns once
     * both run. The worker stops them when the stack closes.
     *
     * @param layers the layers that get result columns (the demo's chain)
     * @throws IllegalStateException when a connector does not start
     */
    static DemoSink apply(PostgresSink servers, String registryUrl, String resultsTopic, String deadLettersTopic,
                          List<String> layers, Consumer<String> progress) {
        List<ConnectorConfig> configs = ConnectorConfigs.override(ConnectorConfigs.bundled(), List.of(
                ConnectorConfigs.CONNECTION_URL + "=" + servers.jdbcUrl(),
                ConnectorConfigs.CONNECTION_USERNAME + "=" + servers.user(),
                // local connections are trusted: the file's ${env:...} password is not needed
                ConnectorConfigs.CONNECTION_PASSWORD + "=",
                ConnectorConfigs.REGISTRY_URL + "=" + registryUrl,
                ConnectorConfigs.RESULTS_SINK + ":" + ConnectorConfigs.TOPICS + "=" + resultsTopic,
                ConnectorConfigs.RESULTS_SINK + ":transforms.rows.layers=" + String.join(",", layers),
                ConnectorConfigs.DEAD_LETTERS_SINK + ":" + ConnectorConfigs.TOPICS + "=" + deadLettersTopic));
        ConnectRestClient client = new ConnectRestClient(servers.connectUrl());
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
        progress.accept("Kafka Connect on " + servers.connectUrl() + " runs "
                + String.join(", ", configs.stream().map(ConnectorConfig::name).toList()));
        return new DemoSink(servers);
    }

    /** The topics the connectors send records to that they cannot convert (Connect's dead letter queue). */
    static List<String> connectDeadLetterTopics() {
        return ConnectorConfigs.bundled().stream().map(c -> c.get(ConnectorConfigs.DLQ_TOPIC))
                .filter(t -> t != null && !t.isBlank()).distinct().toList();
    }

    /** How to open the database with psql. */
    String psqlUrl() {
        return servers.psqlUrl();
    }

    /** The Connect worker's REST URL. */
    URI connectUrl() {
        return servers.connectUrl();
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
        try (Connection connection = servers.postgres().connect(EmbeddedPostgresServer.DATABASE);
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
}
