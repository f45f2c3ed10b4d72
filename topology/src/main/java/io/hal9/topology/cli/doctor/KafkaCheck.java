package io.hal9.topology.cli.doctor;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.KafkaException;

/** {@code kafka}: the cluster answers {@code describeCluster} within the timeout (OK with its id and broker count), else FAIL. */
public final class KafkaCheck implements Check {

    static final String NAME = "kafka";

    private final String bootstrapServers;
    private final Duration timeout;

    public KafkaCheck(String bootstrapServers, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        this.timeout = timeout;
    }

    @Override
    public Result run() {
        Admin admin;
        try {
            admin = KafkaAdmins.create(bootstrapServers, timeout);
        } catch (KafkaException e) {
            return Result.fail(NAME, "cannot reach " + bootstrapServers + ": " + e.getMessage(),
                    "check --bootstrap-servers (hal9.bootstrap.servers)");
        }
        try {
            DescribeClusterResult cluster = admin.describeCluster();
            long millis = timeout.toMillis();
            String id = cluster.clusterId().get(millis, TimeUnit.MILLISECONDS);
            int brokers = cluster.nodes().get(millis, TimeUnit.MILLISECONDS).size();
            return Result.ok(NAME, "cluster " + id + ", " + brokers + (brokers == 1 ? " broker" : " brokers")
                    + " (" + bootstrapServers + ")");
        } catch (ExecutionException | TimeoutException e) {
            return Result.fail(NAME, bootstrapServers + ": " + KafkaAdmins.describe(e, timeout),
                    "is Kafka up? check --bootstrap-servers (hal9.bootstrap.servers) and the brokers' advertised listeners");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Result.fail(NAME, bootstrapServers + ": interrupted", null);
        } finally {
            admin.close(Duration.ZERO);
        }
    }
}
