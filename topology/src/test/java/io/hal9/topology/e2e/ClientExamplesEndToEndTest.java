package io.hal9.topology.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Contracts;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python and Node clients of docs/getting-started.md ({@code docs/examples/}) publish a signal
 * to a running hierarchy and print its three hops. Each test is skipped where its language's
 * packages are not installed (Python: confluent-kafka and avro; Node: {@code npm install} in
 * {@code docs/examples}).
 */
class ClientExamplesEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(5))));

    private static final Path EXAMPLES = Path.of("..", "docs", "examples").toAbsolutePath().normalize();

    @TempDir
    Path stateDir;

    private Topics topics;
    private Hal9Node node;

    @BeforeEach
    void startHierarchy(TestInfo test) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, KAFKA.stack().simulatorUrl());
        Hal9Config config = Hal9Config.of(settings);
        topics = new Topics(config, KAFKA.stack().registry());
        KAFKA.createTopics(4, topics.allNames().toArray(String[]::new));
        // as hal9 topics and the demo do: the clients read the contracts from the registry
        Contracts.register(topics, KAFKA.stack().registry());
        node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl())));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    @AfterEach
    void stopHierarchy() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void shouldPublishASignalFromPythonAndPrintItsThreeHops() throws Exception {
        Optional<String> python = List.of("python3", "/usr/bin/python3").stream()
                .filter(candidate -> exitsZero(List.of(candidate, "-c", "import confluent_kafka, avro"))).findFirst();
        requireOrSkip(python.isPresent(), "no python3 with confluent-kafka and avro");

        assertPrintsThreeHops(List.of(python.get(), "hal9_signal.py"));
    }

    @Test
    void shouldPublishASignalFromNodeAndPrintItsThreeHops() throws Exception {
        requireOrSkip(Files.isDirectory(EXAMPLES.resolve("node_modules/kafkajs"))
                && Files.isDirectory(EXAMPLES.resolve("node_modules/avsc"))
                && exitsZero(List.of("node", "--version")), "no node, or no npm install in docs/examples");

        assertPrintsThreeHops(List.of("node", "hal9-signal.mjs"));
    }

    /**
     * Skips where the example's packages are not installed, except in CI ({@code CI} set, as
     * {@code .ci/run} sets it after installing them), where a missing package is a failure.
     */
    private static void requireOrSkip(boolean installed, String missing) {
        if (System.getenv("CI") != null) {
            assertThat(installed).as(missing + " (CI installs them: .ci/run)").isTrue();
        }
        assumeTrue(installed, missing);
    }

    private void assertPrintsThreeHops(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(EXAMPLES.toFile()).redirectErrorStream(true);
        builder.environment().put("EXAMPLE_BOOTSTRAP", KAFKA.bootstrapServers());
        builder.environment().put("EXAMPLE_REGISTRY", KAFKA.stack().registryUrl());
        builder.environment().put("EXAMPLE_INPUT_TOPIC", topics.inputName("L2"));
        builder.environment().put("EXAMPLE_RESULTS_TOPIC", topics.results().name());
        Process process = builder.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("the example ends within 90 s").isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.exitValue()).as(output).isZero();
        // one line per hop: layer, model, latency, the first line of its answer
        assertThat(output.lines().filter(line -> line.matches("L[234] claude-\\S+ \\d+ ms: .*")).toList())
                .as(output).hasSize(3)
                .satisfiesExactly(
                        line -> assertThat(line).startsWith("L2 ").contains("Add a rate limiter to the API"),
                        line -> assertThat(line).startsWith("L3 "),
                        line -> assertThat(line).startsWith("L4 "));
    }

    private static boolean exitsZero(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return process.waitFor(20, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
