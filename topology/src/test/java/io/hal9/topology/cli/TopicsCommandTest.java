package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.devstack.EmbeddedKafkaBroker;

import org.apache.avro.Schema;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class TopicsCommandTest {

    /** The lanes of each layer, as their topics and application ids end: normal, high, bulk. */
    private static final List<String> LANES = List.of("", "high", "bulk");

    /** Every layer's input in every lane, then the results, dead letters and the game's topics. */
    private static final List<String> TOPICS = Stream.concat(Stream.of("l2", "l3", "l4")
                    .flatMap(l -> LANES.stream().map(lane -> "hal9.signals." + l + (lane.isEmpty() ? "" : "." + lane))),
            Stream.of("hal9.results", "hal9.dlq", "hal9.game.commands", "hal9.game.frames")).toList();

    /**
     * The internal topics of content routing, created after the others with each layer's input
     * partitions: in-flight store changelog, repartition topic and answer-store changelog per layer
     * and lane.
     */
    private static final List<String> INTERNAL = Stream.of("l2", "l3", "l4")
            .flatMap(l -> LANES.stream().map(lane -> "hal9-" + l + (lane.isEmpty() ? "" : "-" + lane) + "-" + l))
            .flatMap(prefix -> Stream.of(prefix + "-inflight-changelog", prefix + "-route-repartition",
                    prefix + "-neuron-cache-changelog"))
            .toList();

    /** The subjects of the default hierarchy, in the order hal9 topics registers them. */
    private static final List<String> SUBJECTS = TOPICS.stream().map(topic -> topic + "-value").toList();

    @Test
    void createsEveryTopicOfTheHierarchyIdempotently() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(0).build().start();
             SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0)) {
            String first = run("topics", "--bootstrap-servers", broker.bootstrapServers(), "--partitions", "6",
                    "--registry-url", registry.url());
            assertThat(topicLines(first)).hasSize(TOPICS.size())
                    .allSatisfy(line -> assertThat(line).endsWith("created (6 partitions)"));
            assertThat(internalLines(first)).extracting(line -> line.substring(0, line.indexOf(' ')))
                    .containsExactlyElementsOf(INTERNAL);
            assertThat(internalLines(first)).allSatisfy(line -> assertThat(line).contains("created (6 partitions, as "));
            String second = run("topics", "--bootstrap-servers", broker.bootstrapServers(), "--partitions", "9",
                    "--registry-url", registry.url());
            assertThat(topicLines(second)).hasSize(TOPICS.size())
                    .allSatisfy(line -> assertThat(line).endsWith("exists (6 partitions)"));
            assertThat(internalLines(second)).allSatisfy(line -> assertThat(line).endsWith("exists (6 partitions)"));
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
                // L4's answers live 2 minutes: so does their changelog
                ConfigResource answers = new ConfigResource(ConfigResource.Type.TOPIC,
                        "hal9-l4-l4-neuron-cache-changelog");
                Config answersConfig = admin.describeConfigs(List.of(answers)).all().get(30, TimeUnit.SECONDS)
                        .get(answers);
                assertThat(answersConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact,delete");
                assertThat(answersConfig.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("120000");
            }
        }
    }

    @Test
    void registersTheContractOfEveryTopicUnderItsValueSubject() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(0).build().start();
             SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0)) {
            String out = run("topics", "--bootstrap-servers", broker.bootstrapServers(), "--registry-url", registry.url());

            // one line per subject after the topics: the signals share one schema id, every subject is at version 1
            List<String> signalTopics = TOPICS.subList(0, TOPICS.indexOf("hal9.results") + 1);
            List<String> expectedLines = new ArrayList<>(signalTopics.stream()
                    .map(topic -> topic + "-value registered (Signal, id 1, version 1)").toList());
            expectedLines.addAll(List.of("hal9.dlq-value registered (DeadLetter, id 2, version 1)",
                    "hal9.game.commands-value registered (GameCommand, id 3, version 1)",
                    "hal9.game.frames-value registered (GameFrame, id 4, version 1)"));
            assertThat(contractLines(out)).containsExactlyElementsOf(expectedLines);
            SchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());
            List<Schema> expected = new ArrayList<>(signalTopics.stream().map(topic -> Signal.getClassSchema()).toList());
            expected.addAll(List.of(DeadLetter.getClassSchema(), GameCommand.getClassSchema(),
                    GameFrame.getClassSchema()));
            for (int i = 0; i < SUBJECTS.size(); i++) {
                assertThat(client.latest(SUBJECTS.get(i)).schema()).as(SUBJECTS.get(i)).isEqualTo(expected.get(i));
            }
        }
    }

    @Test
    void registersNothingNewOnASecondRun() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(0).build().start();
             SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0)) {
            run("topics", "--bootstrap-servers", broker.bootstrapServers(), "--registry-url", registry.url());

            String second = run("topics", "--bootstrap-servers", broker.bootstrapServers(), "--registry-url",
                    registry.url());

            assertThat(contractLines(second)).hasSize(SUBJECTS.size())
                    .allSatisfy(line -> assertThat(line).contains(" exists (").endsWith(", version 1)"));
            SchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());
            for (String subject : SUBJECTS) {
                assertThat(client.latest(subject).version()).as(subject).isEqualTo(1);
            }
        }
    }

    @Test
    void refusesAnIncompatibleRegisteredContractNamingTheSubjectAndTheRegistrysReason() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().port(0).build().start();
             SchemaRegistryServer registry = SchemaRegistryServer.start("127.0.0.1", 0)) {
            // Given a Signal under hal9.signals.l3-value whose activation is an int: ours cannot read it
            Schema other = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Signal\","
                    + "\"namespace\":\"io.hal9.schemas.v1\",\"fields\":[{\"name\":\"activation\",\"type\":\"int\"}]}");
            SchemaRegistryClient client = new HttpSchemaRegistryClient(registry.url());
            int otherId = client.register("hal9.signals.l3-value", other);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exit = execute(out, err, "topics", "--bootstrap-servers", broker.bootstrapServers(), "--registry-url",
                    registry.url());

            // Then exit 2 with one line naming the subject and what the registry said
            assertThat(exit).as("stdout: %s", out).isEqualTo(2);
            assertThat(err.toString().lines().toList()).singleElement().asString()
                    .startsWith("hal9: the schema registry refuses Signal for subject hal9.signals.l3-value (HTTP 409): ")
                    .contains("Schema being registered is incompatible with an earlier schema for subject "
                            + "\"hal9.signals.l3-value\"");
            // and the registered version is left as it was
            assertThat(client.latest("hal9.signals.l3-value").id()).isEqualTo(otherId);
            assertThat(client.latest("hal9.signals.l3-value").version()).isEqualTo(1);
        }
    }

    /** The lines about topics: one per topic, before the subjects. */
    private static List<String> topicLines(String out) {
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).hasSize(TOPICS.size() + INTERNAL.size() + SUBJECTS.size());
        return lines.subList(0, TOPICS.size());
    }

    /** The lines about the internal topics of content routing, after the hierarchy's topics. */
    private static List<String> internalLines(String out) {
        List<String> lines = out.lines().toList();
        return lines.subList(TOPICS.size(), TOPICS.size() + INTERNAL.size());
    }

    /** The lines about subjects: one per subject, after the topics. */
    private static List<String> contractLines(String out) {
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).hasSize(TOPICS.size() + INTERNAL.size() + SUBJECTS.size());
        return lines.subList(TOPICS.size() + INTERNAL.size(), lines.size());
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(execute(out, err, args)).as("stderr: %s", err).isZero();
        return out.toString();
    }

    private static int execute(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }
}
