package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.topology.testing.LayerProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The logging set-up of the {@code hal9} executable, as a process started with it sees it. */
class LoggingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldLogOneJsonObjectPerLineAndToTheLogDirectoryWhenAsked() throws Exception {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        try (LayerProcess sim = LayerProcess.start(dir, "sim", List.of("claude-sim", "--port", "0"),
                Map.of("HAL9_LOG_FORMAT", "json", "HAL9_LOG_DIR", logs.toString()))) {
            Path file = logs.resolve("hal9.log");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Files.exists(file) && Files.readString(file).contains("Claude simulator listening"));
            sim.stop(Duration.ofSeconds(30));

            List<String> stderr = Files.readAllLines(dir.resolve("sim.err")).stream().filter(l -> !l.isBlank()).toList();
            assertThat(stderr).isNotEmpty();
            for (String line : stderr) {
                JsonNode event = JSON.readTree(line);
                assertThat(event.path("level").asText()).isNotBlank();
                assertThat(event.path("formattedMessage").asText()).as(line).isNotBlank();
            }
            assertThat(stderr).anyMatch(l -> l.contains("Claude simulator listening on http://127.0.0.1:")
                    || l.contains("Claude simulator listening on http:\\/\\/127.0.0.1:"));
        }
    }

    @Test
    void shouldLogReadableLinesToTheConsoleByDefaultAndNoFile() throws Exception {
        try (LayerProcess sim = LayerProcess.start(dir, "sim", List.of("claude-sim", "--port", "0"), Map.of())) {
            Path stderr = dir.resolve("sim.err");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Files.readString(stderr).contains("Claude simulator listening"));
            sim.stop(Duration.ofSeconds(30));

            String line = Files.readAllLines(stderr).stream().filter(l -> l.contains("Claude simulator listening"))
                    .findFirst().orElseThrow();
            assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO .*ClaudeSimulator - .*");
            assertThat(dir.resolve("hal9.log")).doesNotExist();
        }
    }
}
