package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.bytes;
import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.ClaudeOutcome;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole hierarchy (L2, L3, L4 as three Kafka Streams applications) on a real broker, with the
 * schema registry and the Claude SDK talking to the simulator over HTTP.
 */
class PipelineEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(5))));

    private static final Duration DELIVERY = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path METRICS_PAGE = Path.of("..", "docs", "reference", "metrics.md").toAbsolutePath().normalize();

    @TempDir
    Path stateDir;

    private Topics topics;
    private Hal9Config config;
    private Hal9Node node;

    @BeforeEach
    void startHierarchy(TestInfo test) {
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, KAFKA.stack().simulatorUrl());
        // the replica forecast samples often enough to have figures within the test
        settings.put(Hal9Config.AUTOSCALE_SAMPLE_MS_CONFIG, 500);
        config = Hal9Config.of(settings);
        topics = new Topics(config, KAFKA.stack().registry());
        KAFKA.createTopics(4, topics.allNames().toArray(String[]::new));
        node = new Hal9Node(config, config.layersChain(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("e2e-key", KAFKA.stack().simulatorUrl())));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    @AfterEach
    void stopHierarchy() {
        node.close();
    }

    @Test
    void shouldDeliverEverySignalThroughThreeLayersKeepingItsKey() {
        // Given 100 signals published to L2, each under its own key
        try (KafkaProducer<byte[], Signal> producer = signalProducer()) {
            for (int i = 0; i < 100; i++) {
                producer.send(new ProducerRecord<>(input(), key("key-" + i), signal("signal-" + i, "task " + i)));
            }
        }

        // Then 100 results arrive, one per signal, with the L2, L3, L4 hops in order and the key kept
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 100, DELIVERY);
        assertThat(results).hasSize(100);
        Map<String, String> rootByKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : results) {
            Signal result = decodeSignal(record);
            assertThat(result.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3", "L4");
            assertThat(result.getLayerFrom()).isEqualTo("L4");
            rootByKey.put(new String(record.key(), StandardCharsets.UTF_8), result.getRootId());
        }
        assertThat(rootByKey).hasSize(100);
        rootByKey.forEach((key, root) -> assertThat(root).isEqualTo(key.replace("key-", "signal-")));
        // and nothing went to the dead-letter topic
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, Duration.ofSeconds(2))).isEmpty();
    }

    @Test
    void shouldKeepBinaryAndNullKeysByteForByteThroughThreeLayers() throws Exception {
        Map<String, byte[]> keyByRoot = new LinkedHashMap<>();
        keyByRoot.put("zero", new byte[] {0});
        keyByRoot.put("ff", new byte[] {(byte) 0xFF});
        keyByRoot.put("mixed", new byte[] {0, (byte) 0xFF, 0, (byte) 0xFE, 0x7F, (byte) 0x80});
        keyByRoot.put("bad-utf8", new byte[] {(byte) 0xC3, 0x28, (byte) 0xE2, (byte) 0x82}); // invalid sequences
        keyByRoot.put("empty", new byte[0]);
        keyByRoot.put("null", null);
        byte[] nullValueKey = {(byte) 0xFF, 0, (byte) 0xFF};
        // Given signals under keys that are not UTF-8 text, an empty key and a null key
        try (KafkaProducer<byte[], byte[]> raw = rawProducer();
             KafkaProducer<byte[], Signal> producer = signalProducer()) {
            keyByRoot.forEach((root, key) ->
                    producer.send(new ProducerRecord<>(input(), key, signal(root, "keep the key of " + root))));
            // and a record with no value at all
            raw.send(new ProducerRecord<>(input(), nullValueKey, null)).get();
        }

        // Then every result arrives after L2, L3 and L4 under exactly the key its signal was published with
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), keyByRoot.size(), DELIVERY);
        assertThat(results).hasSize(keyByRoot.size());
        for (ConsumerRecord<byte[], byte[]> record : results) {
            Signal result = decodeSignal(record);
            assertThat(result.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3", "L4");
            assertThat(keyByRoot).containsKey(result.getRootId());
            byte[] published = keyByRoot.get(result.getRootId());
            assertThat(Arrays.equals(record.key(), published))
                    .as("key of %s: published %s, result %s", result.getRootId(), Arrays.toString(published),
                            Arrays.toString(record.key()))
                    .isTrue();
        }
        assertThat(results).extracting(r -> decodeSignal(r).getRootId())
                .containsExactlyInAnyOrderElementsOf(keyByRoot.keySet());
        // and the record without a value is one dead letter saying so, under its own key
        List<ConsumerRecord<byte[], byte[]>> letters = KAFKA.consume(topics.deadLetters().name(), 1, DELIVERY);
        assertThat(letters).hasSize(1);
        DeadLetter letter = topics.deadLetterSerde().deserializer().deserialize(letters.get(0).topic(),
                letters.get(0).value());
        assertThat(letters.get(0).key()).isEqualTo(nullValueKey);
        assertThat(bytes(letter.getOriginalKey())).isEqualTo(nullValueKey);
        assertThat(letter.getOriginalValue()).isNull();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.DESERIALIZATION);
        assertThat(letter.getReason()).isEqualTo("record has no value");
        assertThat(letter.getLayer()).isEqualTo("L2");
        // and nothing else was dead-lettered
        assertThat(KAFKA.consume(topics.deadLetters().name(), 2, Duration.ofSeconds(2))).hasSize(1);
    }

    @Test
    void shouldDeadLetterMalformedRecordsWithReasonAndStillDeliverGoodOnes() throws Exception {
        byte[] good = topics.signalSerde().serializer().serialize(input(), signal("probe", "x"));
        List<byte[]> malformed = List.of(
                "random bytes \u0001\u0002".getBytes(StandardCharsets.UTF_8),            // wrong magic byte
                new byte[] {0, 0, 0},                                                      // shorter than the header
                ByteBuffer.allocate(9).put((byte) 0).putInt(987_654).putInt(7).array(),  // unknown schema id
                Arrays.copyOf(good, good.length / 2));                                     // truncated Avro
        // Given good signals with malformed records and one invalid signal between them
        try (KafkaProducer<byte[], byte[]> raw = rawProducer();
             KafkaProducer<byte[], Signal> producer = signalProducer()) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(input(), key("good-" + i), signal("good-" + i, "task " + i)));
                if (i < malformed.size()) {
                    raw.send(new ProducerRecord<>(input(), key("bad-" + i), malformed.get(i))).get();
                }
            }
            producer.send(new ProducerRecord<>(input(), key("blank"), signal("blank", " "))).get();
        }

        // Then each malformed record is a dead letter saying why, where it came from, with its bytes
        List<ConsumerRecord<byte[], byte[]>> letters = KAFKA.consume(topics.deadLetters().name(), 5, DELIVERY);
        assertThat(letters).hasSize(5);
        Map<String, DeadLetter> byKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : letters) {
            byKey.put(new String(record.key(), StandardCharsets.UTF_8),
                    topics.deadLetterSerde().deserializer().deserialize(record.topic(), record.value()));
        }
        assertThat(byKey.get("bad-0").getReason()).contains("magic byte");
        assertThat(byKey.get("bad-1").getReason()).contains("too short");
        assertThat(byKey.get("bad-2").getReason()).contains("987654");
        assertThat(byKey.get("bad-3").getReason()).containsIgnoringCase("truncated");
        for (int i = 0; i < malformed.size(); i++) {
            DeadLetter letter = byKey.get("bad-" + i);
            assertThat(letter.getCategory()).isEqualTo(ErrorCategory.DESERIALIZATION);
            assertThat(letter.getSourceTopic()).isEqualTo(input());
            assertThat(letter.getSourceOffset()).isNotNegative();
            assertThat(letter.getLayer()).isEqualTo("L2");
            assertThat(bytes(letter.getOriginalValue())).isEqualTo(malformed.get(i));
        }
        assertThat(byKey.get("blank").getCategory()).isEqualTo(ErrorCategory.INVALID_INPUT);
        // and every good record still gets its result
        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 20, DELIVERY);
        assertThat(results).extracting(r -> decodeSignal(r).getRootId())
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 20)
                        .mapToObj(i -> "good-" + i).toList());
    }

    @Test
    void shouldAnswerHealthProbesAsHal9() throws Exception {
        try (KafkaProducer<byte[], Signal> producer = signalProducer()) {
            producer.send(new ProducerRecord<>(input(), key("k"), signal("health-1", "check the health"))).get();
        }
        assertThat(KAFKA.consume(topics.results().name(), 1, DELIVERY)).hasSize(1);

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(health.body());
        assertThat(body.path("service").asText()).isEqualTo("hal9-streams");
        assertThat(body.path("status").asText()).isEqualTo("UP");
        assertThat(body.path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(body.path("version").asText()).isNotBlank().isNotEqualTo("unknown");
        List<String> layers = new ArrayList<>();
        body.path("layers").forEach(l -> {
            layers.add(l.path("layer").asText() + "/" + l.path("lane").asText());
            assertThat(l.path("state").asText()).isEqualTo("RUNNING");
        });
        // every lane of every layer, each an application of its own
        assertThat(layers).containsExactly("L2/normal", "L2/high", "L2/bulk", "L3/normal", "L3/high", "L3/bulk",
                "L4/normal", "L4/high", "L4/bulk");

        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(get("/health/ready").body()).path("service").asText()).isEqualTo("hal9-streams");
    }

    @Test
    void shouldExposeEveryNamedSeriesWithAPlausibleValue() throws Exception {
        // Given two signals with the same content: the second is answered from the cache at every layer
        try (KafkaProducer<byte[], Signal> producer = signalProducer()) {
            producer.send(new ProducerRecord<>(input(), key("a"), signal("metrics-1", "measure me"))).get();
        }
        assertThat(KAFKA.consume(topics.results().name(), 1, DELIVERY)).hasSize(1);
        try (KafkaProducer<byte[], Signal> producer = signalProducer()) {
            producer.send(new ProducerRecord<>(input(), key("b"), signal("metrics-2", "measure me"))).get();
        }
        assertThat(KAFKA.consume(topics.results().name(), 2, DELIVERY)).hasSize(2);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = get("/metrics").body();
            for (String layer : List.of("L2", "L3", "L4")) {
                // the stage's series per lane, the breaker's per layer
                String l = "lane=\"normal\",layer=\"" + layer + "\"";
                String shared = "layer=\"" + layer + "\"";
                assertThat(value(metrics, "hal9_signals_processed_total{" + l + ",outcome=\"forwarded\"}")).isEqualTo(1);
                assertThat(value(metrics, "hal9_signals_processed_total{" + l + ",outcome=\"cached\"}")).isEqualTo(1);
                assertThat(value(metrics, "hal9_signals_processed_total{" + l + ",outcome=\"dead_lettered\"}")).isZero();
                assertThat(value(metrics, "hal9_signal_duration_seconds_count{" + l + "}")).isEqualTo(2);
                assertThat(value(metrics, "hal9_claude_request_duration_seconds_count{" + l + ",outcome=\"ok\"}"))
                        .isEqualTo(1);
                assertThat(value(metrics, "hal9_claude_tokens_total{" + l + ",type=\"input\"}")).isPositive();
                assertThat(value(metrics, "hal9_claude_tokens_total{" + l + ",type=\"output\"}")).isPositive();
                // one call of a few hundred tokens (thinking included) at the catalog's prices: well under 5 cents
                assertThat(value(metrics, "hal9_claude_cost_usd_total{" + l + "}")).isPositive().isLessThan(0.05);
                assertThat(value(metrics, "hal9_neuron_in_flight{" + l + "}")).isZero();
                assertThat(value(metrics, "hal9_neuron_waiting{" + l + "}")).isZero();
                assertThat(value(metrics, "hal9_circuit_breaker_open{" + shared + "}")).isZero();
                assertThat(value(metrics, "hal9_claude_timeouts_total{" + shared + "}")).isZero();
                // routed by content, the second signal's answer came from the layer's answer store
                assertThat(value(metrics, "hal9_cache_store_lookups_total{" + l + ",result=\"hit\"}")).isEqualTo(1);
                assertThat(value(metrics, "hal9_cache_store_bytes{" + l + "}")).isPositive();
                assertThat(metrics).containsPattern("resilience4j_circuitbreaker_state\\{.*name=\""
                        + layer.toLowerCase() + "-claude\".*state=\"closed\"} 1\\.0");
            }
            assertThat(metrics).contains("kafka_stream_").contains("jvm_memory_used_bytes");
            assertThat(metrics).containsPattern("kafka_consumer_fetch_manager_records_lag\\w*\\{");
            // the replica forecast: the process measured its start-up (the test JVM's start to this node's first
            // readiness), and the lead time is that plus the 45 s reaction
            double startup = value(metrics, "hal9_startup_seconds");
            assertThat(startup).isPositive();
            for (String layer : List.of("L2", "L3", "L4")) {
                String shared = "layer=\"" + layer + "\"";
                assertThat(value(metrics, "hal9_autoscale_lead_seconds{" + shared + "}"))
                        .isCloseTo(startup + 45, within(0.01));
                // the instance capacity is known from the answered call: the live limit (256) over its latency,
                // at least the simulator's 5 ms
                assertThat(value(metrics, "hal9_instance_capacity{" + shared + "}")).isPositive()
                        .isLessThanOrEqualTo(256 / 0.005);
                assertThat(value(metrics, "hal9_arrival_rate{" + shared + "}")).isNotNegative();
                assertThat(value(metrics, "hal9_arrival_rate_forecast{" + shared + "}")).isNotNegative();
                // two signals need no more than one instance
                assertThat(value(metrics, "hal9_desired_replicas{" + shared + "}")).isBetween(0.0, 1.0);
            }
            // from good samples of every layer's offsets, its replicas bound by the input's 4 partitions
            assertThat(node.forecasts()).allSatisfy(forecast -> {
                assertThat(forecast.figures().samples()).isPositive();
                assertThat(forecast.figures().maxReplicas()).isEqualTo(4);
            });
        });
    }

    @Test
    void shouldExposeEveryDocumentedSeriesForEveryLayerBeforeTheFirstSignal() throws Exception {
        // Given a hierarchy that has not seen a signal yet
        String metrics = get("/metrics").body();
        String page = Files.readString(METRICS_PAGE);

        // Then every hal9_ series the metrics page documents exists for every layer
        List<String> documented = documentedSeries(page);
        assertThat(documented).contains("hal9_signals_processed_total", "hal9_claude_request_duration_seconds",
                "hal9_claude_tokens_total", "hal9_claude_cost_usd_total", "hal9_claude_incomplete_total",
                "hal9_circuit_breaker_open");
        // and the page lists exactly the request outcomes the layers record
        assertThat(documentedRequestOutcomes(page))
                .containsExactly(Arrays.stream(ClaudeOutcome.values()).map(ClaudeOutcome::tag).toArray(String[]::new));
        for (String layer : List.of("L2", "L3", "L4")) {
            // the stage's series per lane (the normal lane here), the breaker's per layer
            String l = "lane=\"normal\",layer=\"" + layer + "\"";
            String shared = "layer=\"" + layer + "\"";
            for (String series : documented) {
                if (series.equals("hal9_model_retirement_timestamp_seconds")) {
                    continue; // only for a layer whose model has a retirement date: none of the defaults
                }
                assertThat(metrics).as(series + " for " + layer)
                        .containsPattern("(?m)^" + series + "(_count|_sum|_max|_bucket)?\\{([^}]*,)?" + shared);
            }
            // with every documented tag value, at zero
            for (ClaudeOutcome outcome : ClaudeOutcome.values()) {
                assertThat(value(metrics, "hal9_claude_request_duration_seconds_count{" + l + ",outcome=\""
                        + outcome.tag() + "\"}")).isZero();
            }
            for (String outcome : List.of("forwarded", "cached", "dead_lettered")) {
                assertThat(value(metrics, "hal9_signals_processed_total{" + l + ",outcome=\"" + outcome + "\"}")).isZero();
            }
            for (String type : List.of("input", "output")) {
                assertThat(value(metrics, "hal9_claude_tokens_total{" + l + ",type=\"" + type + "\"}")).isZero();
            }
            assertThat(value(metrics, "hal9_signal_duration_seconds_count{" + l + "}")).isZero();
            assertThat(value(metrics, "hal9_claude_cost_usd_total{" + l + "}")).isZero();
            for (String reason : List.of("max_tokens", "model_context_window_exceeded", "refusal")) {
                assertThat(value(metrics, "hal9_claude_incomplete_total{" + l + ",reason=\"" + reason + "\"}"))
                        .isZero();
            }
            assertThat(value(metrics, "hal9_claude_timeouts_total{" + shared + "}")).isZero();
            assertThat(value(metrics, "hal9_neuron_in_flight{" + l + "}")).isZero();
            assertThat(value(metrics, "hal9_neuron_waiting{" + l + "}")).isZero();
            assertThat(value(metrics, "hal9_circuit_breaker_open{" + shared + "}")).isZero();
            // and each of the other lanes has its own
            for (String lane : List.of("high", "bulk")) {
                assertThat(value(metrics, "hal9_signals_processed_total{lane=\"" + lane + "\"," + shared
                        + ",outcome=\"forwarded\"}")).isZero();
            }
        }
    }

    /** The {@code hal9_*} series docs/reference/metrics.md documents per layer: {@code `hal9_..._total{layer...}`}. */
    private static List<String> documentedSeries(String page) {
        Matcher series = Pattern.compile("`(hal9_[a-z0-9_]+)\\{layer[,}]").matcher(page);
        Set<String> names = new TreeSet<>();
        while (series.find()) {
            names.add(series.group(1));
        }
        return List.copyOf(names);
    }

    /** The outcomes in the metrics page's row of {@code hal9_claude_request_duration_seconds}, in order. */
    private static List<String> documentedRequestOutcomes(String page) {
        String row = page.lines().filter(line -> line.startsWith("| `hal9_claude_request_duration_seconds{"))
                .findFirst().orElseThrow(() -> new AssertionError("no row for hal9_claude_request_duration_seconds in docs/reference/metrics.md"));
        String description = row.substring(row.indexOf("|", 2) + 1);
        Matcher tag = Pattern.compile("`([a-z_]+)`").matcher(description);
        List<String> tags = new ArrayList<>();
        while (tag.find()) {
            tags.add(tag.group(1));
        }
        return tags;
    }

    /** The value of one series in Prometheus text; fails when the series is missing. */
    private static double value(String metrics, String series) {
        return metrics.lines().filter(line -> line.startsWith(series + " ")).findFirst()
                .map(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .orElseThrow(() -> new AssertionError("no series " + series));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String input() {
        return topics.inputName("L2");
    }

    private Signal decodeSignal(ConsumerRecord<byte[], byte[]> record) {
        return topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
    }

    private KafkaProducer<byte[], Signal> signalProducer() {
        return new KafkaProducer<>(producerProps(), new ByteArraySerializer(), topics.signalSerde().serializer());
    }

    private KafkaProducer<byte[], byte[]> rawProducer() {
        return new KafkaProducer<>(producerProps(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }
}
