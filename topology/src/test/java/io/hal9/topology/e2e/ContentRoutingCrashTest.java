package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.bench.Zipf;
import io.hal9.topology.net.Ports;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;
import io.hal9.topology.testing.OneLayerHarness;
import io.hal9.topology.testing.TopicReader;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Content routing ({@code hal9.cache.routing=content}, the default) when one of three layer
 * instances dies: killed (SIGKILL) mid-run, each instance a JVM of its own like a pod, and restarted
 * on its state directory. Identical work still meets on one task, so the Claude calls stay within
 * 10 % of what one instance makes for the same signals (one call per distinct content), and
 * exactly-once still delivers every signal once.
 *
 * <p>One layer (chain {@code L2}, writing straight to the results topic) on the shared broker, the
 * simulator at 50 ms per answer; 900 signals with unique ids and keys at 60 signals/s, their
 * contents either taken from 150 in turn (uniform repeats: every content is known before the kill,
 * so the restarted instance's tasks must answer from the answers they restore) or drawn from 150
 * with Zipf exponent 1.0 (new contents keep arriving through the run, some in flight at the kill).
 */
class ContentRoutingCrashTest {

    private static final Duration CLAUDE_LATENCY = Duration.ofMillis(50);

    @RegisterExtension
    static final OneLayerHarness HARNESS = new OneLayerHarness(CLAUDE_LATENCY);
    private static final KafkaFixture KAFKA = HARNESS.kafka();

    private static final int INSTANCES = 3;
    private static final int SIGNALS = 900;
    private static final int CONTENTS = 150;
    private static final int PER_SECOND = 60;
    /** Calls of three instances, one killed and restarted, ÷ calls of one instance (issue 14). */
    private static final double CALLS_BOUND = 1.10;
    /** From starting the layer processes until all of them are ready: JVMs, Streams start-up, rebalances. */
    private static final Duration START_UP = Duration.ofSeconds(120);
    private static final Duration DELIVERY = Duration.ofSeconds(180);
    /** How long to keep reading after the expected records, to see that nothing else comes out. */
    private static final Duration QUIET = Duration.ofSeconds(5);
    private static final Duration READ = Duration.ofSeconds(10);
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path workDir;

    /** The contents of the signals, by workload: uniform repeats, or Zipf 1.0. */
    enum Workload {
        UNIFORM(0.0) {
            @Override
            int[] contents() {
                return IntStream.range(0, SIGNALS).map(i -> i % CONTENTS).toArray();
            }
        },
        ZIPF(1.0) {
            @Override
            int[] contents() {
                return Zipf.draws(SIGNALS, CONTENTS, 1.0, 14);
            }
        };

        private final double zipf;

        Workload(double zipf) {
            this.zipf = zipf;
        }

        abstract int[] contents();
    }

    @ParameterizedTest
    @EnumSource(Workload.class)
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldKeepTheClaudeCallsOfOneInstanceAndDeliverEverySignalOnceWhenAnInstanceIsKilledMidRun(
            Workload workload) throws Exception {
        // Given three instances of layer L2, each in a JVM of its own with its state directory on a volume
        List<List<String>> runArguments = new ArrayList<>();
        List<Integer> adminPorts = new ArrayList<>();
        List<LayerProcess> instances = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            int adminPort = Ports.freePort();
            adminPorts.add(adminPort);
            runArguments.add(HARNESS.runArguments(Files.createDirectory(workDir.resolve("state-" + i)), adminPort));
            instances.add(HARNESS.startProcess(workDir, "instance-" + i, runArguments.get(i)));
        }
        await("all " + INSTANCES + " instances ready").atMost(START_UP).pollInterval(Duration.ofMillis(500))
                .failFast("a layer process exited", () -> !instances.stream().allMatch(LayerProcess::alive))
                .until(() -> adminPorts.stream().allMatch(this::ready));
        // and 900 signals at 60 per second, each with its own id and key, over 150 contents
        int[] contents = workload.contents();
        long distinct = Arrays.stream(contents).distinct().count();
        long callsBefore = HARNESS.simulator().requestCount();
        AtomicInteger published = new AtomicInteger();
        int resultsAtKill;
        String results = HARNESS.topics().results().name();
        try (KafkaProducer<byte[], Signal> producer = producer();
             TopicReader committed = TopicReader.open(KAFKA.bootstrapServers(), results, IsolationLevel.READ_COMMITTED)) {
            ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
            try {
                int perTick = PER_SECOND / 10;
                pace.scheduleAtFixedRate(() -> {
                    for (int n = 0; n < perTick && published.get() < SIGNALS; n++) {
                        int i = published.getAndIncrement();
                        producer.send(new ProducerRecord<>(HARNESS.topics().inputName(OneLayerHarness.LAYER),
                                key("key-" + i), signal("signal-" + i, "content " + contents[i] + ": shard the ledger")));
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);

                // When a third of the signals have their results, one instance is killed (SIGKILL)
                await("a third of the results").atMost(DELIVERY).pollInterval(Duration.ofMillis(200))
                        .until(() -> committed.readToEnd(READ) >= SIGNALS / 3);
                LayerProcess killed = instances.get(1);
                assertThat(killed.kill()).as("exit status of the killed instance").isNotZero();
                resultsAtKill = committed.size();
                // and restarted with the same arguments on its state directory, as a pod keeps its volume
                LayerProcess restarted = HARNESS.startProcess(workDir, "instance-1-restarted", runArguments.get(1));
                instances.set(1, restarted);

                // Then every signal has exactly one result: none lost, none twice
                await("all published").atMost(DELIVERY).until(() -> published.get() >= SIGNALS);
            } finally {
                pace.shutdownNow();
            }
            producer.flush();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < SIGNALS; i++) {
                ids.add("signal-" + i);
            }
            await("every signal's result").atMost(DELIVERY).pollInterval(Duration.ofMillis(500))
                    .until(() -> committed.readToEnd(READ) >= SIGNALS);
            assertThat(HARNESS.rootIds(committed.records())).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids);
            // and Claude was called at most 10 % more often than one instance calls it: once per content
            long calls = HARNESS.simulator().requestCount() - callsBefore;
            System.out.printf("{\"test\":\"ContentRoutingCrashTest\",\"instances\":%d,\"killed\":1,\"signals\":%d,"
                    + "\"results_at_kill\":%d,\"distinct\":%d,\"zipf\":%.1f,\"claude_calls\":%d,"
                    + "\"calls_per_one_instance\":%.3f}%n",
                    INSTANCES, SIGNALS, resultsAtKill, distinct, workload.zipf, calls, (double) calls / distinct);
            assertThat(calls).as("Claude calls for %d distinct contents", distinct)
                    .isBetween(distinct, (long) Math.floor(distinct * CALLS_BOUND));
            // and nothing else comes out (both topics watched together)
            String deadLetters = HARNESS.topics().deadLetters().name();
            Map<String, List<ConsumerRecord<byte[], byte[]>>> after = KAFKA.consumeDuring(QUIET, results, deadLetters);
            assertThat(after.get(results)).as("results after another %s", QUIET).hasSize(SIGNALS);
            assertThat(after.get(deadLetters)).as("dead letters after another %s", QUIET).isEmpty();
        }
        // and every instance stops when asked to (SIGTERM)
        for (LayerProcess instance : instances) {
            assertThat(instance.stop(GRACEFUL_STOP)).as("exit status of %s within %s of SIGTERM", instance,
                    GRACEFUL_STOP).isPresent();
        }
    }

    /** True when the instance's {@code /health/ready} answers 200. */
    private boolean ready(int adminPort) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static KafkaProducer<byte[], Signal> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), HARNESS.topics().signalSerde().serializer());
    }
}
