package io.hal9.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TopicsCommandTest {

    private static final List<String> TOPICS = List.of("hal9.signals.l2", "hal9.signals.l3", "hal9.signals.l4",
            "hal9.results", "hal9.dlq");

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
