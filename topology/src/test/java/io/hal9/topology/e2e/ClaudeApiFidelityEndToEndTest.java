package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatedFault;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A layer against a simulator that answers as the real Messages API does, end to end: one layer (L2,
 * writing to the results topic) on the real broker, the real SDK over HTTP, the default price table.
 */
class ClaudeApiFidelityEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final String KEY = "sk-ant-fidelity-test-key";

    @TempDir
    Path stateDir;

    private LocalStack stack;
    private ClaudeSimulator simulator;
    private Hal9Node node;
    private Topics topics;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void shouldCountTheCostOfCallsAnsweredByADatedSnapshotOfTheAlias(TestInfo test) {
        // Given L2 asks for the alias claude-haiku-4-5, and the simulator answers as the API does: with a dated
        // snapshot of it (claude-haiku-4-5-<date>); the model catalog prices it at 1 $ per million input tokens
        // and 5 $ per million output tokens
        start(test, SimulatorOptions.defaults(), Map.of("hal9.l2.model", "claude-haiku-4-5"));

        // When three signals are answered
        List<String> ids = publish(3, "priced task");

        // Then each hop names the snapshot that answered and what its call cost, and the layer's cost counter is
        // their sum
        List<Signal> results = decode(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY));
        assertThat(results).extracting(Signal::getRootId).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(results).allSatisfy(result -> {
            Hop hop = result.getHops().get(0);
            assertThat(hop.getModel()).matches("claude-haiku-4-5-\\d{8}");
            assertThat(hop.getCostUsd()).isPositive()
                    .isCloseTo((hop.getInputTokens() * 1.0 + hop.getOutputTokens() * 5.0) / 1_000_000, within(1e-12));
        });
        assertThat(cost()).isCloseTo(results.stream().mapToDouble(r -> r.getHops().get(0).getCostUsd()).sum(),
                within(1e-12));
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldWriteALongSystemPromptToThePromptCacheOnceAndReadItAfterwardsAtTheReadPrice(TestInfo test)
            throws Exception {
        // Given L2's system prompt is long enough for claude-haiku-5-5's prompt cache (512 tokens at least)
        Path prompt = stateDir.resolve("L2.md");
        String text = "You are a HAL9 L2 Implementation neuron.\n"
                + "Follow the house rules: small changes, a test for each, no new dependencies. ".repeat(40);
        Files.writeString(prompt, "version: long-1\n" + text);
        start(test, SimulatorOptions.defaults(), Map.of("hal9.l2.prompt.file", prompt.toString()));
        CatalogEntry haiku = ModelCatalog.bundled().find("claude-haiku-5-5").orElseThrow();
        long prefix = haiku.estimateTokens(text.strip().length());
        assertThat(prefix).isGreaterThanOrEqualTo(haiku.minCacheableTokens());

        // When one signal is answered, then two more
        publish(1, "cached prompt, first call");
        assertThat(KAFKA.consume(topics.results().name(), 1, DELIVERY)).hasSize(1);
        publish(2, "cached prompt, later call");
        List<Hop> hops = decode(KAFKA.consume(topics.results().name(), 3, DELIVERY)).stream()
                .map(result -> result.getHops().get(0)).toList();

        // Then the first call wrote the prompt to the cache and the later ones read it; each hop records its cache
        // tokens and its cost at the catalog's prices (input 0.10 $, output 0.50 $, 5-minute write 0.125 $, read
        // 0.01 $ per million tokens), and the counters agree
        assertThat(hops).hasSize(3);
        Hop firstCall = hops.stream().filter(hop -> hop.getOutput().contains("first call")).findFirst().orElseThrow();
        assertThat(firstCall.getCacheWriteTokens()).isEqualTo(prefix);
        assertThat(firstCall.getCacheReadTokens()).isZero();
        assertThat(hops).filteredOn(hop -> hop.getOutput().contains("later call")).hasSize(2).allSatisfy(hop -> {
            assertThat(hop.getCacheWriteTokens()).isZero();
            assertThat(hop.getCacheReadTokens()).isEqualTo(prefix);
        });
        assertThat(hops).allSatisfy(hop -> assertThat(hop.getCostUsd()).isCloseTo((hop.getInputTokens()
                * 0.10 + hop.getOutputTokens() * 0.50 + hop.getCacheWriteTokens() * 0.125
                + hop.getCacheReadTokens() * 0.01) / 1_000_000, within(1e-12)));
        assertThat(tokens("cache_creation")).isEqualTo(prefix);
        assertThat(tokens("cache_read")).isEqualTo(2 * prefix);
        assertThat(cost()).isCloseTo(hops.stream().mapToDouble(Hop::getCostUsd).sum(), within(1e-12));
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldHoldSignalsWhileTheLayersModelIsGoneAndAnswerThemOnceItIsBack(TestInfo test) throws Exception {
        // Given the layer's model disappears while the layer runs: Claude answers 404 not_found_error for it,
        // and calls are tried again every 1.5 s
        AtomicBoolean gone = new AtomicBoolean(true);
        start(test, SimulatorOptions.defaults().withFaults(request -> gone.get()
                ? Optional.of(SimulatedFault.notFoundModel(request.model())) : Optional.empty()),
                Map.of(Hal9Config.NEURON_AUTH_RETRY_MS_CONFIG, 1_500, Hal9Config.NEURON_MAX_ATTEMPTS_CONFIG, 1));

        // When three signals arrive
        List<String> ids = publish(3, "task while the model is gone");

        // Then the layer says every call would fail: the process is down and not ready, naming the model, the
        // breaker stays closed, and the signals wait in the store: called again, never dead-lettered
        await().atMost(Duration.ofSeconds(30)).until(() -> neuron().equals("MODEL_NOT_FOUND"));
        assertThat(node.health().status()).isEqualTo("DOWN");
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + node.adminPort() + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(node.layers().get(0).breaker().state().name()).isEqualTo("CLOSED");
        await().atMost(Duration.ofSeconds(30)).until(() -> simulator.requestCount() >= 6);
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();

        // When the model answers again, every waiting signal is answered once, and the layer is up
        gone.set(false);
        List<Signal> results = decode(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY));
        assertThat(results).extracting(r -> r.getHops().get(0).getInputTokens()).allSatisfy(t -> assertThat(t)
                .isPositive());
        assertThat(results).hasSize(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> neuron().equals("OK"));
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spend limit", "billing"})
    void shouldHoldSignalsWithoutSpendingAttemptsWhileTheAccountMayNotSpend(String refusal, TestInfo test) {
        // Given Claude refuses the account's calls: a 429 with error code enforced_spend_limit_reached (no
        // retry-after), or a 402 billing_error; one attempt per signal, and calls tried again every 1.5 s
        AtomicBoolean refusing = new AtomicBoolean(true);
        SimulatedFault fault = refusal.equals("billing") ? SimulatedFault.billing() : SimulatedFault.spendLimit();
        Map<String, List<Instant>> calls = new ConcurrentHashMap<>();
        start(test, SimulatorOptions.defaults().withFaults(request -> {
            if (!refusing.get()) {
                return Optional.empty();
            }
            calls.computeIfAbsent(request.content(), c -> new CopyOnWriteArrayList<>()).add(Instant.now());
            return Optional.of(fault);
        }), Map.of(Hal9Config.NEURON_AUTH_RETRY_MS_CONFIG, 1_500, Hal9Config.NEURON_MAX_ATTEMPTS_CONFIG, 1));
        List<String> ids = publish(3, "task while the account may not spend");

        // Then the layer reports it and is down, and the signals wait: each called again, 1.5 s apart, without
        // spending its one attempt, never dead-lettered, and the layer is not paused as for a rate limit
        await().atMost(Duration.ofSeconds(30)).until(() -> neuron().equals("BILLING_BLOCKED"));
        assertThat(node.health().status()).isEqualTo("DOWN");
        await().atMost(Duration.ofSeconds(30)).until(() -> calls.size() == 3
                && calls.values().stream().allMatch(times -> times.size() >= 3));
        assertThat(calls.values()).allSatisfy(times -> {
            for (int i = 1; i < times.size(); i++) {
                assertThat(Duration.between(times.get(i - 1), times.get(i)))
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1_400));
            }
        });
        assertThat(node.layers().get(0).stage().budget().capacity().throttled(FailureCategory.RATE_LIMITED)).isZero();
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();

        // When the account may spend again, every signal gets its result and the layer is up
        refusing.set(false);
        assertThat(decode(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY)))
                .extracting(Signal::getRootId).containsExactlyInAnyOrderElementsOf(ids);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.health().status().equals("UP"));
    }

    private String neuron() {
        return node.health().layers().get(0).neuron();
    }

    private double tokens(String type) {
        return node.metrics().get(LayerMetrics.CLAUDE_TOKENS).tags("layer", "L2", "lane", "normal", "type", type).counter().count();
    }

    private List<DeadLetter> deadLetters(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .map(r -> topics.deadLetterSerde().deserializer().deserialize(r.topic(), r.value()))
                .toList();
    }

    private double cost() {
        return node.metrics().get(LayerMetrics.CLAUDE_COST).tags("layer", "L2", "lane", "normal").counter().count();
    }

    private void start(TestInfo test, SimulatorOptions options, Map<String, Object> extra) {
        stack = KAFKA.newStack().registry().simulator(options.withLatency(Duration.ofMillis(20))).start();
        simulator = stack.simulator();
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), stack.registryUrl());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, simulator.baseUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, "L2");
        // one lane, as hal9.lanes=normal runs a layer: these are about Claude; LanesEndToEndTest is about lanes
        settings.put(Hal9Config.LANES_CONFIG, "normal");
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 4);
        settings.put(Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, 100);
        settings.put(Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, 500);
        settings.putAll(extra);
        Hal9Config config = Hal9Config.of(settings);
        topics = new Topics(config, stack.registry());
        KAFKA.createTopics(2, topics.allNames().toArray(String[]::new));
        node = new Hal9Node(config, config.layersChain(), Hal9Node.claudeClient(config, KEY));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    private List<String> publish(int count, String content) {
        List<String> ids = new ArrayList<>();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.signalSerde().serializer())) {
            for (int i = 0; i < count; i++) {
                String id = "signal-" + i;
                producer.send(new ProducerRecord<>(topics.inputName("L2"), key(id), signal(id, content + " #" + i)));
                ids.add(id);
            }
        }
        return ids;
    }

    private List<Signal> decode(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream()
                .map(r -> topics.signalSerde().deserializer().deserialize(r.topic(), r.value()))
                .toList();
    }
}
