package io.hal9.connectors.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connector configuration files: bundled as they are in config/, parsed, and overridden per environment. */
class ConnectorConfigsTest {

    /** The module's config/ directory: the tests run in the module's base directory. */
    private static final Path CONFIG_DIR = Path.of("config");

    @Test
    void shouldBundleExactlyTheFilesOfTheConfigDirectoryByteForByte() throws Exception {
        List<String> files;
        try (Stream<Path> list = Files.list(CONFIG_DIR)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
        assertThat(files).containsExactlyInAnyOrderElementsOf(ConnectorConfigs.BUNDLED_FILES);
        for (String file : files) {
            assertThat(ConnectorConfigs.bundledText(file)).as(file).isEqualTo(Files.readString(CONFIG_DIR.resolve(file)));
        }
        assertThat(ConnectorConfigs.bundled()).containsExactlyInAnyOrderElementsOf(ConnectorConfigs.fromDirectory(CONFIG_DIR));
    }

    @Test
    void shouldSinkResultsAndDeadLettersIntoTheirTables() {
        ConnectorConfig results = ConnectorConfigs.named(ConnectorConfigs.bundled(), ConnectorConfigs.RESULTS_SINK);
        ConnectorConfig letters = ConnectorConfigs.named(ConnectorConfigs.bundled(), ConnectorConfigs.DEAD_LETTERS_SINK);

        assertThat(results.get(ConnectorConfigs.TOPICS)).isEqualTo("hal9.results");
        assertThat(results.get(ConnectorConfigs.TABLE)).isEqualTo("hal9_results");
        assertThat(results.get("insert.mode")).isEqualTo("upsert");
        assertThat(results.get("primary.key.mode")).isEqualTo("record_key");
        assertThat(letters.get(ConnectorConfigs.TOPICS)).isEqualTo("hal9.dlq");
        assertThat(letters.get(ConnectorConfigs.TABLE)).isEqualTo("hal9_dead_letters");
        assertThat(letters.get("primary.key.fields")).isEqualTo("source_topic,source_partition,source_offset");
        for (ConnectorConfig c : List.of(results, letters)) {
            // Connect's own error handling: unreadable records go to its dead letter queue, the task goes on
            assertThat(c.get("errors.tolerance")).as(c.name()).isEqualTo("all");
            assertThat(c.get(ConnectorConfigs.DLQ_TOPIC)).as(c.name()).isNotBlank();
            assertThat(c.get("errors.deadletterqueue.context.headers.enable")).as(c.name()).isEqualTo("true");
            // the layers write transactionally: aborted results never become rows
            assertThat(c.get("consumer.override.isolation.level")).as(c.name()).isEqualTo("read_committed");
            // no password in the file: the worker resolves it from its environment
            assertThat(c.get(ConnectorConfigs.CONNECTION_PASSWORD)).as(c.name()).isEqualTo("${env:HAL9_SINK_DB_PASSWORD}");
        }
    }

    @Test
    void shouldNameOnlyPluginClassesThatExist() throws Exception {
        for (ConnectorConfig c : ConnectorConfigs.bundled()) {
            for (Map.Entry<String, String> e : c.config().entrySet()) {
                if (e.getKey().equals("connector.class") || e.getKey().endsWith(".converter")
                        || e.getKey().matches("transforms\\.[^.]+\\.type")) {
                    assertThat(Class.forName(e.getValue())).as("%s %s", c.name(), e.getKey()).isNotNull();
                }
            }
        }
    }

    @Test
    void shouldOverrideASettingForEveryConnectorOrForOneByName() {
        List<ConnectorConfig> configs = ConnectorConfigs.override(ConnectorConfigs.bundled(), List.of(
                "connection.url=jdbc:postgresql://db.internal:5432/hal9",
                ConnectorConfigs.RESULTS_SINK + ":topics=team-a.results",
                "transforms.rows.original.bytes=false=really"));

        assertThat(configs).allSatisfy(c -> assertThat(c.get(ConnectorConfigs.CONNECTION_URL))
                .isEqualTo("jdbc:postgresql://db.internal:5432/hal9"));
        assertThat(ConnectorConfigs.named(configs, ConnectorConfigs.RESULTS_SINK).get("topics")).isEqualTo("team-a.results");
        assertThat(ConnectorConfigs.named(configs, ConnectorConfigs.DEAD_LETTERS_SINK).get("topics")).isEqualTo("hal9.dlq");
        // only the first = separates the key
        assertThat(configs.get(0).get("transforms.rows.original.bytes")).isEqualTo("false=really");
    }

    @Test
    void shouldRefuseAnOverrideThatIsNotKeyEqualsValueOrNamesAnUnknownConnector() {
        assertThatThrownBy(() -> ConnectorConfigs.override(ConnectorConfigs.bundled(), List.of("topics")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key=value");
        assertThatThrownBy(() -> ConnectorConfigs.override(ConnectorConfigs.bundled(), List.of("nope:topics=x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope")
                .hasMessageContaining(ConnectorConfigs.RESULTS_SINK);
    }

    @Test
    void shouldNameTheFileAndTheProblemOfAnInvalidConfiguration(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConnectorConfigs.parse("{\"config\": {}}", "a.json"))
                .hasMessageContaining("a.json").hasMessageContaining("name");
        assertThatThrownBy(() -> ConnectorConfigs.parse("{\"name\": \"x\", \"config\": {\"k\": {}}}", "b.json"))
                .hasMessageContaining("b.json").hasMessageContaining("setting k");
        assertThatThrownBy(() -> ConnectorConfigs.parse("{\"name\": \"x\", \"config\": {\"name\": \"y\"}}", "c.json"))
                .hasMessageContaining("differs");
        assertThatThrownBy(() -> ConnectorConfigs.parse("{nope", "d.json")).hasMessageContaining("d.json: not JSON");
        assertThatThrownBy(() -> ConnectorConfigs.fromDirectory(dir)).hasMessageContaining("no *.json");
    }

    @Test
    void shouldReadEveryJsonFileOfADirectoryAndKeepNumbersAsText(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.json"), "{\"name\": \"b\", \"config\": {\"tasks.max\": 2, \"name\": \"b\"}}");
        Files.writeString(dir.resolve("a.json"), "{\"name\": \"a\", \"config\": {\"flag\": true}}");
        Files.writeString(dir.resolve("notes.txt"), "not a configuration");

        List<ConnectorConfig> configs = ConnectorConfigs.fromDirectory(dir);

        assertThat(configs).extracting(ConnectorConfig::name).containsExactly("a", "b");
        assertThat(configs.get(0).config()).containsExactly(Map.entry("flag", "true"));
        assertThat(configs.get(1).config()).containsExactly(Map.entry("tasks.max", "2"));
        assertThat(configs.get(1).withName()).containsEntry("name", "b");
        assertThat(configs.get(1).toString()).doesNotContain("tasks.max");
    }
}
