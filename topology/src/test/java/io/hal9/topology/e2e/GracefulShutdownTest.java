package io.hal9.topology.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.net.Ports;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;
import io.hal9.topology.testing.OneLayerHarness;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer asked to stop (SIGTERM, as Kubernetes terminates a pod) drains: it reports not ready at
 * once, starts no Claude call, forwards and commits the answers of the calls already in flight, exits
 * within the 60 s grace period, and a successor finishes every signal it left: none lost, none twice.
 *
 * <p>One layer (chain {@code L2}, writing straight to the results topic) in a JVM of its own, on the
 * shared broker, against a Claude simulator that takes 1 s per answer and holds every answer until
 * the test releases it: at SIGTERM exactly {@value #MAX_IN_FLIGHT} calls (the layer's
 * {@code hal9.neuron.max.in.flight}) wait for their answers, and the drain lasts as long as the test
 * chooses, however slow the machine.
 */
class GracefulShutdownTest {

    private static final Duration CLAUDE_LATENCY = Duration.ofSeconds(1);

    @RegisterExtension
    static final OneLayerHarness HARNESS = new OneLayerHarness(CLAUDE_LATENCY);
    private static final KafkaFixture KAFKA = HARNESS.kafka();

    private static final int SIGNALS = 300;
    /** The layer's call cap: with every answer held, exactly this many calls are in flight at SIGTERM. */
    private static final int MAX_IN_FLIGHT = 64;
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
    /** How soon after SIGTERM {@code /health/ready} must say "shutting down": at once, give or take a slow JVM. */
    private static final Duration NOT_READY_WITHIN = Duration.ofSeconds(5);
    /** How long the test keeps the answers held after SIGTERM, watching readiness and the simulator. */
    private static final Duration HELD_DRAIN = Duration.ofSeconds(3);
    private static final Duration DELIVERY = Duration.ofSeconds(180);
    /** How long to keep reading after the expected records, to see that nothing else comes out. */
    private static final Duration QUIET = Duration.ofSeconds(5);
    private static final String TASK = "survive a graceful stop of the layer";
    /** The line the stopping process logs once its drain is over (LayerRuntime). */
    private static final Pattern DRAINED = Pattern.compile("layer L2 drained in (\\d+) ms: (\\d+) calls in flight "
            + "at SIGTERM, (\\d+) answers forwarded, (\\d+) dead-lettered, (\\d+) failed and left to retry, "
            + "(\\d+) calls abandoned; "
            + "(\\d+) signals left for the successor");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path workDir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldFinishTheCallsInFlightStartNoneAndLeaveTheRestToTheSuccessorOnSigterm() throws Exception {
        // Given layer L2 running in a JVM of its own, like a pod, with its state directory on a volume,
        // at most 64 Claude calls at once, against a Claude whose answers are held until the test releases them
        HARNESS.simulator().holdAnswers();
        Path stateDir = Files.createDirectory(workDir.resolve("state"));
        int adminPort = Ports.freePort();
        List<String> runLayer = new ArrayList<>(HARNESS.runArguments(stateDir, adminPort));
        runLayer.addAll(List.of("--set", Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG + "=" + MAX_IN_FLIGHT));
        LayerProcess first = HARNESS.startProcess(workDir, "first", runLayer);
        // and 300 signals, each of whose Claude calls takes 1 s once released
        List<String> ids = HARNESS.publishSignals(SIGNALS, TASK);
        await("the layer's " + MAX_IN_FLIGHT + " Claude calls in flight").atMost(START_UP)
                .failFast("the first layer process exited", () -> !first.alive())
                .until(() -> HARNESS.simulator().inFlight() == MAX_IN_FLIGHT);
        long callsAtSigterm = HARNESS.simulator().requestCount();
        assertThat(callsAtSigterm).as("calls received, all of them held").isEqualTo(MAX_IN_FLIGHT);

        // When the process is told to stop (SIGTERM) while 64 calls wait for their answers
        long sigtermAt = System.nanoTime();
        first.terminate();

        // Then /health/ready says 503 "shutting down" at once
        await("/health/ready 503 shutting down").atMost(NOT_READY_WITHIN).pollInterval(Duration.ofMillis(50))
                .until(() -> shuttingDown(adminPort));
        long notReadyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sigtermAt);
        // and keeps saying it while the drain waits for the held answers, the process alive and no new call started
        await("not ready, alive and no new Claude call for " + HELD_DRAIN + " of drain").during(HELD_DRAIN)
                .atMost(HELD_DRAIN.multipliedBy(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> shuttingDown(adminPort) && first.alive()
                        && HARNESS.simulator().requestCount() == callsAtSigterm);

        // When Claude answers the calls in flight
        HARNESS.simulator().releaseAnswers();
        OptionalInt stoppedStatus = first.awaitExit(GRACE_PERIOD);
        Duration shutdown = Duration.ofNanos(System.nanoTime() - sigtermAt);

        // Then the process exits within the grace period, with the status of a JVM that shut down on SIGTERM
        assertThat(stoppedStatus).as("exit status within %s of SIGTERM", GRACE_PERIOD).hasValue(SIGTERM_EXIT_STATUS);
        // and it started no Claude call after SIGTERM
        assertThat(HARNESS.simulator().requestCount()).as("Claude calls received when the stopping process has exited")
                .isEqualTo(callsAtSigterm);
        // and it forwarded and committed the answer of every call in flight: they are in the results already
        List<ConsumerRecord<byte[], byte[]>> committedByFirst =
                KAFKA.consume(HARNESS.topics().results().name(), MAX_IN_FLIGHT, QUIET);
        assertThat(committedByFirst).as("results committed by the stopping process").hasSize(MAX_IN_FLIGHT);
        // and it said so: as many answers forwarded as calls were in flight, the rest left for the successor
        Matcher drained = DRAINED.matcher(first.stderr());
        assertThat(drained.find()).as("the stopping process's drain line in its log").isTrue();
        int inFlightSaid = Integer.parseInt(drained.group(2));
        int forwarded = Integer.parseInt(drained.group(3));
        int deadLettered = Integer.parseInt(drained.group(4));
        int leftToRetry = Integer.parseInt(drained.group(5));
        int abandoned = Integer.parseInt(drained.group(6));
        int left = Integer.parseInt(drained.group(7));
        System.out.printf("GracefulShutdownTest: %d calls in flight at SIGTERM; /health/ready 503 after %d ms; "
                        + "answers released after %d ms of drain; exit %s after %d ms; the process logged: %s%n",
                callsAtSigterm, notReadyMs, HELD_DRAIN.toMillis(), stoppedStatus, shutdown.toMillis(),
                drained.group());
        assertThat(List.of(inFlightSaid, forwarded, deadLettered, leftToRetry, abandoned))
                .as("calls in flight at SIGTERM, answers forwarded, dead-lettered, failed and left to retry, abandoned")
                .containsExactly(MAX_IN_FLIGHT, MAX_IN_FLIGHT, 0, 0, 0);
        // every other signal it had read waits in its store for the successor (all 300 were published before SIGTERM)
        assertThat(left).as("signals left in the store for the successor").isEqualTo(SIGNALS - MAX_IN_FLIGHT);

        // When a successor starts with the same arguments and the same state directory
        LayerProcess second = HARNESS.startProcess(workDir, "second", runLayer);

        // Then every signal has exactly one result: none lost, none twice
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(HARNESS.topics().results().name(), ids.size(), DELIVERY);
        assertThat(results.size()).as("results after %s", DELIVERY).isEqualTo(ids.size());
        assertThat(HARNESS.rootIds(results)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids);
        // and the successor asked Claude only for the signals left to it: one call per signal in all
        assertThat(HARNESS.simulator().requestCount()).as("Claude calls of both processes").isEqualTo(SIGNALS);
        // and nothing else comes out (both topics watched together)
        String resultsTopic = HARNESS.topics().results().name();
        String deadLetters = HARNESS.topics().deadLetters().name();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> after = KAFKA.consumeDuring(QUIET, resultsTopic, deadLetters);
        assertThat(after.get(resultsTopic)).as("results after another %s", QUIET).hasSize(ids.size());
        assertThat(after.get(deadLetters)).as("dead letters after another %s", QUIET).isEmpty();
        // and the successor stops on SIGTERM as well; @AfterEach kills it if it does not
        assertThat(second.stop(GRACE_PERIOD)).as("successor's exit status within %s of SIGTERM", GRACE_PERIOD)
                .hasValue(SIGTERM_EXIT_STATUS);
    }

    /** True when {@code /health/ready} answers 503 saying the process is shutting down. */
    private boolean shuttingDown(int adminPort) throws IOException, InterruptedException {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + adminPort + "/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        return ready.statusCode() == 503 && ready.body().contains("\"reason\":\"shutting down\"");
    }
}
