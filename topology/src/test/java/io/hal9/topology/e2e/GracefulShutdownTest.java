package io.hal9.topology.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;
import io.hal9.topology.testing.OneLayerHarness;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer asked to stop (SIGTERM, as Kubernetes terminates a pod) under load exits within the
 * 60 s grace period, and a successor finishes every signal it left: none lost, none twice.
 *
 * <p>One layer (chain {@code L2}, writing straight to the results topic) in a JVM of its own, on the
 * shared broker, against a Claude simulator that takes 1 s per answer, so that many calls are in
 * flight at the moment the layer is told to stop.
 */
class GracefulShutdownTest {

    private static final Duration CLAUDE_LATENCY = Duration.ofSeconds(1);

    @RegisterExtension
    static final OneLayerHarness HARNESS = new OneLayerHarness(CLAUDE_LATENCY);
    private static final KafkaFixture KAFKA = HARNESS.kafka();

    private static final int SIGNALS = 300;
    private static final int IN_FLIGHT_AT_SIGTERM = 50;
    /** Kubernetes' termination grace period the process must stop within. */
    private static final Duration GRACE_PERIOD = Duration.ofSeconds(60);
    /**
     * What a JVM returns when SIGTERM started its shutdown: 128 + 15. {@code hal9 run} closes the
     * layer in a shutdown hook, and the JVM halts with the signal's status once the hooks are done
     * ({@code Hal9.main}'s own {@code System.exit(0)} blocks behind the running shutdown).
     */
    private static final int SIGTERM_EXIT_STATUS = 143;
    /** From starting a layer until its Claude calls are under way: JVM, Streams start-up, first rebalance. */
    private static final Duration START_UP = Duration.ofSeconds(90);
    private static final Duration DELIVERY = Duration.ofSeconds(180);
    /** How long to keep reading after the expected records, to see that nothing else comes out. */
    private static final Duration QUIET = Duration.ofSeconds(5);
    private static final String TASK = "survive a graceful stop of the layer";

    @TempDir
    Path workDir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldStopWithinTheGracePeriodOnSigtermAndLeaveNothingLostOrDuplicated() throws Exception {
        // Given layer L2 running in a JVM of its own, like a pod, with its state directory on a volume
        Path stateDir = Files.createDirectory(workDir.resolve("state"));
        List<String> runLayer = HARNESS.runArguments(stateDir);
        LayerProcess first = HARNESS.startProcess(workDir, "first", runLayer);
        // and 300 signals, each of whose Claude calls takes 1 s
        List<String> ids = HARNESS.publishSignals(SIGNALS, TASK);

        // When the process is told to stop (SIGTERM) while at least 50 signals wait on Claude
        await("at least " + IN_FLIGHT_AT_SIGTERM + " Claude calls in flight").atMost(START_UP)
                .failFast("the first layer process exited", () -> !first.alive())
                .until(() -> HARNESS.simulator().inFlight() >= IN_FLIGHT_AT_SIGTERM);
        int inFlightAtSigterm = HARNESS.simulator().inFlight();
        long sigtermAt = System.nanoTime();
        OptionalInt stoppedStatus = first.stop(GRACE_PERIOD);
        Duration shutdown = Duration.ofNanos(System.nanoTime() - sigtermAt);
        System.out.printf("GracefulShutdownTest: layer process stopped %d ms after SIGTERM with %d Claude calls "
                + "in flight, exit status %s%n", shutdown.toMillis(), inFlightAtSigterm, stoppedStatus);

        // Then it exits within the grace period, with the status of a JVM that shut down on SIGTERM
        assertThat(stoppedStatus).as("exit status within %s of SIGTERM", GRACE_PERIOD)
                .hasValue(SIGTERM_EXIT_STATUS);

        // When a successor starts with the same arguments and the same state directory
        LayerProcess second = HARNESS.startProcess(workDir, "second", runLayer);

        // Then every signal has exactly one result: none lost, none twice
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(HARNESS.topics().results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(HARNESS.rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // and nothing else comes out
        assertThat(KAFKA.consume(HARNESS.topics().results().name(), ids.size() + 1, QUIET).size())
                .as("results after another %s", QUIET).isEqualTo(ids.size());
        assertThat(KAFKA.consume(HARNESS.topics().deadLetters().name(), 1, QUIET)).as("dead letters").isEmpty();
        // and the successor stops on SIGTERM as well; @AfterEach kills it if it does not
        assertThat(second.stop(GRACE_PERIOD)).as("successor's exit status within %s of SIGTERM", GRACE_PERIOD)
                .hasValue(SIGTERM_EXIT_STATUS);
    }
}
