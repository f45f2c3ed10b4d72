package io.hal9.topology.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.testing.FakeModelsApi;
import io.hal9.topology.testing.LayerProcess;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hal9 run} in a JVM of its own refuses a layer whose model is retired or unknown: exit 2,
 * one line, before anything connects to Kafka (its bootstrap address is a socket that would see
 * any connection).
 */
class RunCommandModelCheckTest {

    /** A JVM start, the check and the exit; a process that reached Kafka would wait far longer. */
    private static final Duration FAST = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private ServerSocket kafka;
    private FakeModelsApi api;

    @BeforeEach
    void listen() throws IOException {
        kafka = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        api = FakeModelsApi.start();
    }

    @AfterEach
    void close() throws IOException {
        kafka.close();
        api.close();
    }

    @Test
    void shouldRefuseARetiredModelInOneLineBeforeConnectingToKafka() throws Exception {
        // Given L3 set to Sonnet 4.5, retired on 2026-11-30, with the simulator as Claude
        List<String> args = run("--set", "hal9.l3.model=claude-sonnet-4-5",
                "--set", "hal9.claude.simulator.url=" + api.baseUrl());

        // When hal9 run starts
        Exit exit = exit(args, Map.of());

        // Then it exits 2 at once with the one line, and Kafka saw nothing
        assertThat(exit.status()).as(exit.stderr()).hasValue(ExitCodes.USAGE);
        assertThat(exit.took()).isLessThan(FAST);
        assertThat(exit.stderr()).isEqualTo("hal9: hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 "
                + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5\n");
        assertNothingConnectedToKafka();
        assertThat(api.paths()).as("the simulator's check reads the catalog").isEmpty();
    }

    @Test
    void shouldRefuseAMisspeltModelSuggestingTheNameItProbablyMeant() throws Exception {
        List<String> args = run("--set", "hal9.l3.model=claude-sonet-5-5",
                "--set", "hal9.claude.simulator.url=" + api.baseUrl());

        Exit exit = exit(args, Map.of());

        assertThat(exit.status()).as(exit.stderr()).hasValue(ExitCodes.USAGE);
        assertThat(exit.stderr()).isEqualTo("hal9: hal9.l3.model=claude-sonet-5-5: unknown model (not in the model "
                + "catalog; did you mean claude-sonnet-5-5?)\n");
        assertNothingConnectedToKafka();
    }

    @Test
    void shouldRefuseAModelTheModelsApiDoesNotKnowWhenAKeyIsSet() throws Exception {
        // Given a key, and a Models API that answers 404 for the layer's model
        List<String> args = run("--claude-base-url", api.baseUrl(), "--set", "hal9.claude.model.check=api",
                "--set", "hal9.l3.model=claude-opus-5-5");

        Exit exit = exit(args, Map.of("ANTHROPIC_API_KEY", "sk-ant-run-test-key"));

        assertThat(exit.status()).as(exit.stderr()).hasValue(ExitCodes.USAGE);
        assertThat(exit.stderr()).isEqualTo("hal9: hal9.l3.model=claude-opus-5-5: unknown model to the Models API "
                + "(404), though the model catalog lists it (Claude Opus 5.5, active): check that the key's "
                + "organization may use it\n");
        assertThat(api.paths()).containsExactly("/v1/models/claude-opus-5-5");
        assertNothingConnectedToKafka();
    }

    private List<String> run(String... more) {
        List<String> args = new ArrayList<>(List.of("run", "--layer", "L3", "--today", "2026-12-07",
                "--bootstrap-servers", "127.0.0.1:" + kafka.getLocalPort(), "--admin-port", "0",
                "--state-dir", dir.resolve("state").toString()));
        args.addAll(List.of(more));
        return args;
    }

    private record Exit(OptionalInt status, String stderr, Duration took) {
    }

    private Exit exit(List<String> args, Map<String, String> environment) throws InterruptedException {
        long started = System.nanoTime();
        try (LayerProcess hal9 = LayerProcess.start(dir, "run", args, environment)) {
            OptionalInt status = hal9.awaitExit(Duration.ofSeconds(60));
            return new Exit(status, hal9.stderr(), Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private void assertNothingConnectedToKafka() throws IOException {
        kafka.setSoTimeout(200);
        try {
            kafka.accept().close();
            throw new AssertionError("something connected to the Kafka bootstrap address");
        } catch (SocketTimeoutException expected) {
            // nobody knocked
        }
    }
}
