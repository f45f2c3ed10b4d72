package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatedFault;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.net.Ports;
import io.hal9.topology.testing.KafkaFixture;
import io.hal9.topology.testing.LayerProcess;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Anthropic API key never leaves the Claude client: a layer runs in its own JVM with a known
 * fake key through a rejected key, a bad request and an overload, and neither its output, nor
 * {@code /health}, nor {@code /metrics}, nor any record it wrote holds the key.
 */
class ApiKeySecrecyTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final String API_KEY = "sk-ant-api03-CANARY-7f3c9d2e41b8a6f05c1d";
    private static final Duration DELIVERY = Duration.ofSeconds(120);

    @TempDir
    Path workDir;

    @Test
    void shouldNeverRevealTheApiKey(TestInfo test) throws Exception {
        // Given Claude rejects the first calls' key, refuses a bad request and is overloaded once
        AtomicLong calls = new AtomicLong();
        try (LocalStack stack = KAFKA.newStack().registry().simulator(SimulatorOptions.defaults()
                     .withLatency(Duration.ofMillis(20))
                     .withFaults(request -> {
                         long n = calls.incrementAndGet();
                         if (n <= 2) {
                             return Optional.of(SimulatedFault.of(401, "authentication_error", "invalid x-api-key"));
                         }
                         if (request.content().contains("[bad]")) {
                             return Optional.of(SimulatedFault.of(400, "invalid_request_error", "bad content"));
                         }
                         return n == 4 ? Optional.of(SimulatedFault.overloaded()) : Optional.empty();
                     })).start()) {
            ClaudeSimulator simulator = stack.simulator();
            String prefix = KafkaFixture.topicName(test, "hal9");
            Map<String, String> settings = Map.of(
                    Hal9Config.LAYERS_CHAIN_CONFIG, "L2",
                    Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG, prefix + ".signals.",
                    Hal9Config.TOPIC_RESULTS_CONFIG, prefix + ".results",
                    Hal9Config.TOPIC_DLQ_CONFIG, prefix + ".dlq",
                    Hal9Config.APPLICATION_ID_PREFIX_CONFIG, prefix + "-",
                    Hal9Config.NEURON_AUTH_RETRY_MS_CONFIG, "500",
                    Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, "100");
            Topics topics = new Topics(Hal9Config.of(settings), stack.registry());
            KAFKA.createTopics(2, topics.allNames().toArray(String[]::new));
            int adminPort = Ports.freePort();
            List<String> args = new ArrayList<>(List.of("run", "--layer", "L2",
                    "--bootstrap-servers", KAFKA.bootstrapServers(), "--registry-url", stack.registryUrl(),
                    "--claude-base-url", simulator.baseUrl(), "--admin-port", String.valueOf(adminPort),
                    "--state-dir", workDir.resolve("state").toString()));
            settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));

            try (LayerProcess layer = LayerProcess.start(workDir, "layer", args, Map.of("ANTHROPIC_API_KEY", API_KEY))) {
                // When signals flow through it
                publish(topics, "task one", "task two", "[bad] task three");
                List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 2, DELIVERY);
                List<ConsumerRecord<byte[], byte[]>> letters = KAFKA.consume(topics.deadLetters().name(), 1, DELIVERY);
                assertThat(results).hasSize(2);
                assertThat(letters).hasSize(1);
                String health = get(adminPort, "/health");
                String metrics = get(adminPort, "/metrics");
                String ready = get(adminPort, "/health/ready");
                assertThat(layer.stop(Duration.ofSeconds(60))).isPresent();

                // Then the key reached Claude, and nothing else
                var last = simulator.lastRequest().orElseThrow();
                assertThat(last.header("x-api-key").orElse("") + " " + last.header("authorization").orElse(""))
                        .contains(API_KEY);
                String output = Files.readString(workDir.resolve("layer.out")) + Files.readString(workDir.resolve("layer.err"));
                assertThat(output).as("the log says the key was rejected").contains("rejected the API key");
                assertThat(output).doesNotContain(API_KEY).doesNotContain(API_KEY.substring(10));
                assertThat(health).contains("hal9-streams").doesNotContain(API_KEY);
                assertThat(ready).doesNotContain(API_KEY);
                assertThat(metrics).contains("hal9_signals_processed_total").doesNotContain(API_KEY);
                for (ConsumerRecord<byte[], byte[]> record : concat(results, letters)) {
                    assertThat(new String(record.value(), StandardCharsets.ISO_8859_1)).doesNotContain(API_KEY);
                }
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> concat(List<ConsumerRecord<byte[], byte[]>> a,
                                                            List<ConsumerRecord<byte[], byte[]>> b) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void publish(Topics topics, String... contents) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.signalSerde().serializer())) {
            for (int i = 0; i < contents.length; i++) {
                producer.send(new ProducerRecord<>(topics.inputName("L2"), key("k" + i), signal("s" + i, contents[i])));
            }
        }
    }

    private static String get(int port, String path) {
        HttpClient http = HttpClient.newHttpClient();
        return await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body(), body -> !body.isEmpty());
    }
}
