package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.hal9.topology.devstack.EmbeddedKafkaBroker;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TopicsCommandTest {

    private static final List<String> TOPICS = List.of("hal9.signals.l2", "hal9.signals.l3", "hal9.signals.l4",
            "hal9.results", "hal9.dlq", "hal9.game.commands", "hal9.game.frames");

    @Test
    void createsEveryTopicOfTheHierarchyIdempotently() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(0).build().start()) {
            String first = run("topics", "--bootstrap-servers", broker.bootstrapServers(), "--partitions", "6");
            assertThat(first.lines().toList()).hasSize(TOPICS.size())
                    .allSatisfy(line -> assertThat(line).endsWith("created (6 partitions)"));
            String second = run("topics", "--bootstrap-servers", broker.bootstrapServers(), "--partitions", "9");
            assertThat(second.lines().toList()).hasSize(TOPICS.size())
                    .allSatisfy(line -> assertThat(line).endsWith("exists (6 partitions)"));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()))) {
                Map<String, TopicDescription> described = admin.describeTopics(TOPICS).allTopicNames()
                        .get(30, TimeUnit.SECONDS);
                assertThat(described.values()).allSatisfy(d -> assertThat(d.partitions()).hasSize(6));
                // the game's frames keep the latest frame of every game
                ConfigResource frames = new ConfigResource(ConfigResource.Type.TOPIC, "hal9.game.frames");
                ConfigResource dlq = new ConfigResource(ConfigResource.Type.TOPIC, "hal9.dlq");
                Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(frames, dlq)).all()
                        .get(30, TimeUnit.SECONDS);
                assertThat(configs.get(frames).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                        .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
                assertThat(configs.get(dlq).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                        .isEqualTo(TopicConfig.CLEANUP_POLICY_DELETE);
            }
        }
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).as("stderr: %s", err).isZero();
        return out.toString();
    }
}
