package io.hal9.topology.cli;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.topology.cli.common.ClusterOptions;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.cli.common.InternalTopics;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;
import io.hal9.topology.kafka.Contracts;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerSpec;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hal9 topics}: creates every topic of the configured hierarchy (each layer's input, the
 * results, the dead-letter topic and the game's topics) and registers their contracts in the schema
 * registry ({@link Contracts}: each topic's {@code <topic>-value} subject), idempotently: a topic
 * that already exists is left as it is and reported with its partition count, a subject that
 * already holds the schema is reported as existing. One line per topic, then one per subject. A
 * registry that refuses a contract (an incompatible version is registered) ends it with exit status
 * 2 and one line naming the subject and the registry's reason. The Kubernetes Job
 * {@code hal9-topics} runs it with {@code --partitions 50}, the layers' max replicas.
 */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Create every topic of the configured hierarchy and register its contracts in the schema "
                + "registry (idempotent).")
public final class TopicsCommand implements Callable<Integer> {

    static final long TIMEOUT_MS = 60_000;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--partitions", description = "Partitions of each topic (hal9.topic.partitions).")
    Integer partitions;

    @Option(names = "--replication-factor", description = "Replication factor (default: the broker's).")
    Short replicationFactor;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> explicit = cluster.explicit();
        ClusterOptions.putIfSet(explicit, Hal9Config.TOPIC_PARTITIONS_CONFIG, partitions);
        Hal9Config config = Hal9Config.load(explicit, System.getenv());
        int count = Hal9Settings.topics(config).partitions();
        if (count < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1, got " + count);
        }
        if (replicationFactor != null && replicationFactor < 1) {
            throw new IllegalArgumentException("--replication-factor must be at least 1, got " + replicationFactor);
        }
        HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(config.schemaRegistryUrl());
        Topics topics = new Topics(config, registry);
        List<String> names = topics.allNames();
        java.util.Properties adminProps = new java.util.Properties();
        adminProps.putAll(config.kafkaProperties());
        adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, "hal9-topics");
        var out = spec.commandLine().getOut();
        try (Admin admin = Admin.create(adminProps)) {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            for (String name : names) {
                Map<String, String> configs = topics.compactedNames().contains(name)
                        ? Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT) : Map.of();
                out.println(create(admin, existing, name, count, configs, ""));
            }
            for (String layer : config.layersChain()) {
                for (Lane lane : config.lanes()) {
                    String input = topics.inputName(layer, lane);
                    // created a moment ago: its partitions are known, and a describe may not find it yet
                    int inputPartitions = existing.contains(input) ? partitionsOf(admin, input) : count;
                    for (Map.Entry<String, Map<String, String>> internal
                            : InternalTopics.of(config, LayerSpec.of(layer, lane, config)).entrySet()) {
                        out.println(create(admin, existing, internal.getKey(), inputPartitions, internal.getValue(),
                                ", as " + input));
                    }
                }
            }
        }
        out.flush();
        for (Contracts.Registration registration : Contracts.register(topics, registry)) {
            out.println(registration.line());
            out.flush();
        }
        return ExitCodes.OK;
    }

    /** Creates a topic unless it exists; the line saying which, and its partitions. */
    private String create(Admin admin, Set<String> existing, String name, int partitions, Map<String, String> configs,
                          String note) throws Exception {
        if (existing.contains(name)) {
            return name + " exists (" + partitionsOf(admin, name) + " partitions)";
        }
        NewTopic topic = new NewTopic(name, Optional.of(partitions), Optional.ofNullable(replicationFactor))
                .configs(configs);
        try {
            admin.createTopics(List.of(topic)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return name + " created (" + partitions + " partitions" + note + ")";
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            return name + " exists (" + partitionsOf(admin, name) + " partitions)";
        }
    }

    /**
     * The partitions of a topic that exists. A topic created a moment ago is listed before every
     * broker serves it, and describing it then fails with {@code UnknownTopicOrPartitionException}:
     * that answer is asked again, 100 ms apart, until {@code TIMEOUT_MS} has passed. (A loop of a
     * few lines: the process has no retry library, and the admin client retries only its own
     * requests, not this answer.)
     */
    private static int partitionsOf(Admin admin, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(name)).allTopicNames()
                        .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(name);
                return description.partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
