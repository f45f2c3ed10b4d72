package io.hal9.topology.e2e;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.neurons.simulator.AccountLimits;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.FaultPlan;
import io.hal9.neurons.simulator.FaultPlans;
import io.hal9.neurons.simulator.SimulatedFault;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.neurons.simulator.SimulatorStats;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.doctor.BreakerCheck;
import io.hal9.topology.cli.doctor.HealthProbe;
import io.hal9.topology.cli.doctor.Result;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.devstack.LocalStack;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.node.LayerRuntime;
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
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * How a layer meets Claude's failures, end to end: one layer (L2, writing to the results topic) on
 * the real broker, the real SDK against the simulator over HTTP, with faults injected by the
 * simulator and the breaker set to short durations.
 *
 * <p>The tests run two at a time ({@code junit-platform.properties}): each starts its own simulator,
 * registry and layer on topics of its own, and spends most of its time waiting out what it
 * simulates (outages, retry-afters, an account's refill) and its quiet windows.
 */
@Execution(ExecutionMode.CONCURRENT)
class ClaudeFailuresEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    private static final Duration DELIVERY = Duration.ofSeconds(90);
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final int MAX_IN_FLIGHT = 4;
    private static final int MIN_CALLS = 5;
    private static final int HALF_OPEN_CALLS = 3;
    private static final Duration OPEN = Duration.ofSeconds(1);
    /** The breaker keys at their defaults, over the quick breaker the other tests use. */
    private static final Map<String, Object> DEFAULT_BREAKER = withDefaultBreaker(Map.of());

    private static Map<String, Object> withDefaultBreaker(Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(extra);
        settings.put(Hal9Config.BREAKER_WINDOW_MS_CONFIG, Hal9Config.BREAKER_WINDOW_MS_DEFAULT);
        settings.put(Hal9Config.BREAKER_MIN_CALLS_CONFIG, Hal9Config.BREAKER_MIN_CALLS_DEFAULT);
        settings.put(Hal9Config.BREAKER_OPEN_MS_CONFIG, Hal9Config.BREAKER_OPEN_MS_DEFAULT);
        settings.put(Hal9Config.BREAKER_HALF_OPEN_CALLS_CONFIG, Hal9Config.BREAKER_HALF_OPEN_CALLS_DEFAULT);
        return settings;
    }

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
    void shouldHoldSignalsThroughAnOutageAndDeliverEveryOneAfterIt(TestInfo test) {
        // Given Claude is down for 4 s from the moment the signals arrive
        AtomicBoolean down = new AtomicBoolean();
        AtomicLong callsWhileDown = new AtomicLong();
        start(test, request -> {
            if (!down.get()) {
                return Optional.empty();
            }
            callsWhileDown.incrementAndGet();
            return Optional.of(SimulatedFault.serverError());
        }, Map.of());
        down.set(true);
        List<String> ids = publish(30, "outage task");

        // Then the breaker opens, and the process says it is degraded (not down: more pods would not help)
        await().atMost(Duration.ofSeconds(30)).until(() -> layer().breaker().open());
        assertThat(node.health().status()).isEqualTo("DEGRADED");
        assertThat(node.health().up()).isTrue();
        // and during 4 s of outage only the calls before it opened and the half-open trials reach Claude
        Instant outageEnds = Instant.now().plusSeconds(4);
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(outageEnds));
        down.set(false);
        long trialRounds = 4 / OPEN.toSeconds() + 1;
        assertThat(callsWhileDown.get()).isLessThanOrEqualTo(MIN_CALLS + MAX_IN_FLIGHT + HALF_OPEN_CALLS * trialRounds);
        // and after the outage every signal has its result, none dead-lettered
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY)))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldOpenOnAShortOutageAndResumeWithinSecondsOfItsEndWithTheDefaultBreaker(TestInfo test) {
        // Given the breaker's defaults, and Claude down (500) from the moment the signals arrive
        AtomicBoolean down = new AtomicBoolean();
        start(test, request -> down.get() ? Optional.of(SimulatedFault.serverError()) : Optional.empty(),
                DEFAULT_BREAKER);
        List<String> transitions = new CopyOnWriteArrayList<>();
        layer().breaker().circuitBreaker().getEventPublisher()
                .onStateTransition(event -> transitions.add(event.getStateTransition().getToState().name()));
        down.set(true);
        List<String> ids = publish(20, "task during a short outage");

        // Then the breaker opens, and /health and the doctor say why
        await().atMost(Duration.ofSeconds(30)).until(() -> layer().breaker().open());
        assertThat(node.health().layers().get(0).lastFailure()).startsWith("TRANSIENT: Claude answered HTTP 500");
        Result doctor = new BreakerCheck(new HealthProbe("http://127.0.0.1:" + node.adminPort(),
                Duration.ofSeconds(5))).run();
        assertThat(doctor.detail()).startsWith("L2 OPEN (last failure TRANSIENT: Claude answered HTTP 500");
        assertThat(doctor.line()).doesNotContain("test-key");

        // When the outage ends 5 s after it began
        Instant outageEnds = Instant.now().plusSeconds(5);
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(outageEnds));
        down.set(false);

        // Then every signal has its result within seconds of the end (the open period no longer holds them a
        // minute), none dead-lettered, and the breaker closed again
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), Duration.ofSeconds(15))))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(Duration.between(outageEnds, Instant.now())).isLessThan(Duration.ofSeconds(15));
        assertThat(layer().breaker().state().name()).isEqualTo("CLOSED");
        assertThat(transitions).startsWith("OPEN").contains("HALF_OPEN").endsWith("CLOSED");
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldOpenWhenCallsHangPastTheTimeout(TestInfo test) {
        // Given calls time out after 500 ms and Claude never answers (attempts raised: this test is about the
        // breaker, not about how many timeouts a signal may spend before it opens)
        AtomicBoolean hanging = new AtomicBoolean(true);
        start(test, request -> hanging.get() ? Optional.of(SimulatedFault.hang(Duration.ofMinutes(10)))
                : Optional.empty(), withDefaultBreaker(Map.of(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG, 500,
                Hal9Config.NEURON_MAX_ATTEMPTS_CONFIG, 50)));
        List<String> ids = publish(4, "task while Claude hangs");

        // Then the breaker opens within seconds, and signals wait
        await().atMost(Duration.ofSeconds(30)).until(() -> layer().breaker().open());
        assertThat(node.health().layers().get(0).lastFailure()).startsWith("TIMEOUT: Claude did not answer in time");
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();

        // and once Claude answers again every signal gets its result
        hanging.set(false);
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY)))
                .containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void shouldNeverOpenOnRandomOverload(TestInfo test) {
        // Given 30 % of calls answered 529 at random, with the breaker's defaults
        start(test, FaultPlans.errors(0.3, 529, Optional.empty(), 7), DEFAULT_BREAKER);
        List<String> transitions = new CopyOnWriteArrayList<>();
        layer().breaker().circuitBreaker().getEventPublisher()
                .onStateTransition(event -> transitions.add(event.getStateTransition().getToState().name()));
        List<String> ids = publish(60, "task while Claude is overloaded");

        // Then every signal has its result and the breaker never left CLOSED
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY)))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(transitions).isEmpty();
        assertThat(layer().breaker().circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(node.health().layers().get(0).lastFailure()).startsWith("OVERLOADED: Claude answered HTTP 529");
        assertThat(node.health().status()).isEqualTo("UP");
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldDeadLetterABadRequestAfterOneCall(TestInfo test) {
        start(test, FaultPlans.when(r -> r.content().contains("[bad]"),
                SimulatedFault.of(400, "invalid_request_error", "messages: invalid content")), Map.of());
        publish(1, "[bad] task");

        List<ConsumerRecord<byte[], byte[]>> letters = KAFKA.consume(topics.deadLetters().name(), 1, DELIVERY);
        DeadLetter letter = topics.deadLetterSerde().deserializer().deserialize(letters.get(0).topic(),
                letters.get(0).value());
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.CLIENT_ERROR);
        assertThat(letter.getAttempts()).isEqualTo(1);
        assertThat(letter.getReason()).contains("invalid content");
        assertThat(simulator.requestCount()).isEqualTo(1);
        assertThat(layer().breaker().state().name()).isEqualTo("CLOSED");
        assertThat(KAFKA.consume(topics.results().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldRetryARateLimitedCallNoSoonerThanRetryAfter(TestInfo test) {
        // Given Claude answers the first call with 429 and retry-after: 2
        assertDeliveredByASecondCallNoSoonerThan2s(test, SimulatedFault.rateLimited(Duration.ofSeconds(2)),
                "rate limited task");
    }

    @Test
    void shouldRetryAnUnavailableCallNoSoonerThanItsRetryAfter(TestInfo test) {
        // Given Claude answers the first call with 503 and retry-after: 2 (a backoff alone would retry within
        // hal9.neuron.retry.backoff.ms, 100 ms here)
        assertDeliveredByASecondCallNoSoonerThan2s(test, new SimulatedFault(503, "api_error", "Service unavailable",
                Optional.of(Duration.ofSeconds(2)), Duration.ZERO), "task during a 503");
    }

    /**
     * The first call gets {@code first} (with retry-after: 2); the signal is delivered by a second
     * call, made 2 s after the first at the soonest, and nothing is dead-lettered.
     */
    private void assertDeliveredByASecondCallNoSoonerThan2s(TestInfo test, SimulatedFault first, String content) {
        List<Instant> calls = new CopyOnWriteArrayList<>();
        start(test, request -> {
            calls.add(Instant.now());
            return calls.size() == 1 ? Optional.of(first) : Optional.empty();
        }, Map.of());
        List<String> ids = publish(1, content);

        assertThat(rootIds(KAFKA.consume(topics.results().name(), 1, DELIVERY))).isEqualTo(ids);
        assertThat(calls).hasSize(2);
        assertThat(Duration.between(calls.get(0), calls.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldPauseEveryCallOfTheLayerWhileARateLimitsRetryAfterRuns(TestInfo test) {
        // Given the account answers the first call with 429 and retry-after: 2
        List<Instant> calls = new CopyOnWriteArrayList<>();
        start(test, request -> {
            calls.add(Instant.now());
            return calls.size() == 1 ? Optional.of(SimulatedFault.rateLimited(Duration.ofSeconds(2)))
                    : Optional.empty();
        }, Map.of());
        List<String> ids = new ArrayList<>(publish(1, "first task"));
        await().atMost(DELIVERY).until(() -> layer().stage().budget().capacity().paused());

        // When more signals arrive during those 2 s
        for (int i = 0; i < 5; i++) {
            ids.add(publishWithContent("later-" + i, "later task " + i));
        }

        // Then every signal is delivered, and no call at all reached Claude before the retry-after passed
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY)))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(calls).hasSize(ids.size() + 1);
        assertThat(calls.subList(1, calls.size()))
                .allMatch(call -> !call.isBefore(calls.get(0).plus(Duration.ofMillis(1_900))));
        ClaudeCapacity capacity = layer().stage().budget().capacity();
        assertThat(capacity.throttled(FailureCategory.RATE_LIMITED)).isEqualTo(1);
        assertThat(capacity.pausedTime()).isBetween(Duration.ofMillis(1_900), Duration.ofMillis(2_100));
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldPaceCallsToTheAccountsRefillInsteadOfRunningIntoItsLimit(TestInfo test) {
        // Given an account of 20 requests per minute (a burst of 20, then one every 3 s), 4 calls in flight
        start(test, SimulatorOptions.defaults().withLatency(Duration.ofMillis(20))
                .withLimits(new AccountLimits(20, 0, 0)), Map.of());

        // When 22 signals arrive at once
        List<String> ids = publish(22, "burst over the limit");

        // Then all are delivered with one call each: the layer counted its calls in flight against
        // what the headers said was left, and paced the last ones to the refill instead of earning 429s
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), Duration.ofSeconds(60))))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(simulator.stats()).extracting(SimulatorStats::calls, SimulatorStats::rateLimited,
                SimulatorStats::overloaded, SimulatorStats::insideRetryAfter).containsExactly(22L, 0L, 0L, 0L);
        assertThat(layer().stage().budget().capacity().paceInterval()).isPositive();
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldNeverCallInsideTheAccountsRetryAfterWhenAnotherClientEmptiedIt(TestInfo test) throws Exception {
        // Given an account of 20 requests per minute that another client of the same key has just emptied
        start(test, SimulatorOptions.defaults().withLatency(Duration.ofMillis(20))
                .withLimits(new AccountLimits(20, 0, 0)), Map.of());
        try (NeuronClient other = Hal9Node.claudeClient(Hal9Config.of(Map.of(
                Hal9Config.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                Hal9Config.CLAUDE_BASE_URL_CONFIG, simulator.baseUrl())), "test-key")) {
            for (int i = 0; i < 20; i++) {
                other.ask(new NeuronRequest(LayerProfile.defaults("L2"), "other client " + i)).get();
            }
        }

        // When a signal arrives (its call earns a 429 and a retry-after), then two more during the pause
        List<String> ids = new ArrayList<>(publish(1, "first after the other client"));
        ClaudeCapacity capacity = layer().stage().budget().capacity();
        await().atMost(DELIVERY).until(capacity::paused);
        ids.add(publishWithContent("later-0", "later task 0"));
        ids.add(publishWithContent("later-1", "later task 1"));

        // Then all are delivered, none dead-lettered, and not one call came while the retry-after ran:
        // the layer paused, then paced its calls to the refill the 429's own headers described
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), Duration.ofSeconds(60))))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(simulator.stats()).extracting(SimulatorStats::calls, SimulatorStats::rateLimited,
                SimulatorStats::overloaded, SimulatorStats::insideRetryAfter).containsExactly(20L + 1 + 3, 1L, 0L, 0L);
        assertThat(capacity.throttled(FailureCategory.RATE_LIMITED)).isEqualTo(1);
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldShrinkTheLiveLimitTowardsAProvidersCapacityAndDeliverEverySignal(TestInfo test) {
        // Given a provider that serves 8 calls at once (529 beyond) and a layer allowed 32
        start(test, SimulatorOptions.defaults().withLatency(Duration.ofMillis(300)).withCapacity(8),
                Map.of(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 32, Hal9Config.NEURON_MAX_PENDING_CONFIG, 256));
        ClaudeCapacity capacity = layer().stage().budget().capacity();
        assertThat(capacity.limit()).isEqualTo(32);

        // When 120 signals arrive at once
        List<String> ids = publish(120, "capacity task");

        // Then the live limit comes down towards 8, and every signal is delivered, none dead-lettered
        await().atMost(DELIVERY).until(() -> capacity.limit() <= 12);
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY)))
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(capacity.throttled(FailureCategory.OVERLOADED)).isEqualTo(simulator.stats().overloaded());
        assertThat(layer().breaker().state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldTimeOutAHangingCallAndCompleteTheSignalOnRetry(TestInfo test) {
        // Given the first call never answers and calls time out after 1 s
        AtomicLong calls = new AtomicLong();
        start(test, request -> calls.incrementAndGet() == 1
                ? Optional.of(SimulatedFault.hang(Duration.ofMinutes(10))) : Optional.empty(),
                Map.of(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG, 1_000));
        List<String> ids = publish(1, "hanging task");

        assertThat(rootIds(KAFKA.consume(topics.results().name(), 1, DELIVERY))).isEqualTo(ids);
        assertThat(layer().breaker().timeouts()).isEqualTo(1);
        assertThat(node.metrics().scrape()).containsPattern("hal9_claude_timeouts_total\\{layer=\"L2\"} 1\\.0");
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldHoldSignalsWhileTheKeyIsRejectedAndReportUnready(TestInfo test) {
        // Given Claude rejects the key
        AtomicBoolean rejected = new AtomicBoolean(true);
        start(test, request -> rejected.get()
                ? Optional.of(SimulatedFault.of(401, "authentication_error", "invalid x-api-key"))
                : Optional.empty(), Map.of(Hal9Config.NEURON_AUTH_RETRY_MS_CONFIG, 500));
        List<String> ids = publish(5, "task while the key is wrong");

        // Then the signals wait, the instance says it is down, and nothing is dead-lettered
        await().atMost(Duration.ofSeconds(30)).until(() -> node.health().layers().get(0).neuron().equals("KEY_REJECTED"));
        assertThat(node.health().status()).isEqualTo("DOWN");
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
        // When the key is accepted again, every signal gets its result
        rejected.set(false);
        assertThat(rootIds(KAFKA.consume(topics.results().name(), ids.size(), DELIVERY)))
                .containsExactlyInAnyOrderElementsOf(ids);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.health().status().equals("UP"));
    }

    @Test
    void shouldAnswerRepeatedContentFromTheCacheEvenWhileClaudeIsDown(TestInfo test) {
        AtomicBoolean down = new AtomicBoolean();
        start(test, request -> down.get() ? Optional.of(SimulatedFault.serverError()) : Optional.empty(), Map.of());
        publishWithContent("first", "the same task");
        assertThat(KAFKA.consume(topics.results().name(), 1, DELIVERY)).hasSize(1);

        // When Claude is down, the same content is still answered, from the cache
        down.set(true);
        publishWithContent("second", "the same   task ");

        List<ConsumerRecord<byte[], byte[]>> results = KAFKA.consume(topics.results().name(), 2, DELIVERY);
        Signal second = results.stream().map(this::decode).filter(s -> s.getRootId().equals("second")).findFirst()
                .orElseThrow();
        assertThat(second.getHops().get(0).getCacheHit()).isTrue();
        assertThat(simulator.requestCount()).isEqualTo(1);
    }

    @Test
    void shouldForwardAnAnswerCutAtMaxTokensMarkedToTheNextLayerAndAskAgainForTheSameWork(TestInfo test) {
        // Given L2 may answer with 72 tokens only (64 of them thinking at effort low: 24 characters of text), and
        // L3 after it
        start(test, FaultPlan.none(), Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L3",
                String.format(Hal9Config.LAYER_MAX_TOKENS_CONFIG_FORMAT, "l2"), 72));

        // When the same work arrives twice, the second after the first has its result
        publishWithContent("first", "the same task that needs a long answer");
        assertThat(KAFKA.consume(topics.results().name(), 1, DELIVERY)).hasSize(1);
        publishWithContent("second", "the same task that needs a long answer");

        // Then both go on to L3 with L2's cut answer, marked max_tokens in L2's hop, and L3's whole answer
        Map<String, Signal> results = new HashMap<>();
        KAFKA.consume(topics.results().name(), 2, DELIVERY).stream().map(this::decode)
                .forEach(result -> results.put(result.getRootId(), result));
        assertThat(results).containsOnlyKeys("first", "second");
        for (Signal result : results.values()) {
            assertThat(result.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3");
            Hop l2 = result.getHops().get(0);
            assertThat(l2.getStopReason()).isEqualTo("max_tokens");
            assertThat(l2.getOutputTokens()).isEqualTo(72);
            assertThat(l2.getOutput()).hasSize(24).startsWith("L2 Implementation:");
            assertThat(result.getHops().get(1).getStopReason()).isEqualTo("end_turn");
            assertThat(result.getHops().get(1).getOutput()).startsWith("L3 Operational:");
        }
        // and the cut answer was not cached: L2 asked Claude again; L3's whole answer was
        assertThat(results.get("second").getHops().get(0).getCacheHit()).isFalse();
        assertThat(results.get("second").getHops().get(1).getCacheHit()).isTrue();
        assertThat(simulator.stats().truncated()).isEqualTo(2);
        assertThat(simulator.requestCount()).isEqualTo(3);
        assertThat(node.metrics().scrape())
                .containsPattern("hal9_claude_incomplete_total\\{lane=\"normal\",layer=\"L2\",reason=\"max_tokens\"} 2\\.0")
                .containsPattern("hal9_claude_incomplete_total\\{lane=\"normal\",layer=\"L3\",reason=\"max_tokens\"} 0\\.0");
        assertThat(KAFKA.consume(topics.deadLetters().name(), 1, QUIET)).isEmpty();
    }

    @Test
    void shouldDeadLetterRefusalsWithClaudesReasonAndDeliverEveryOtherSignal(TestInfo test) {
        // Given Claude refuses about half of the calls (HTTP 200, stop_reason refusal)
        start(test, SimulatorOptions.defaults().withLatency(Duration.ofMillis(20)).withRefusals(0.5, 7), Map.of());

        // When 12 signals arrive
        List<String> ids = publish(12, "task Claude may refuse");

        // Then each makes one call: the refused ones are dead-lettered with Claude's reason, the others delivered
        await().atMost(DELIVERY).until(() -> simulator.requestCount() == ids.size());
        long refused = simulator.stats().refused();
        assertThat(refused).isBetween(1L, (long) ids.size() - 1);
        List<DeadLetter> letters = KAFKA.consume(topics.deadLetters().name(), (int) refused, DELIVERY).stream()
                .map(r -> topics.deadLetterSerde().deserializer().deserialize(r.topic(), r.value())).toList();
        List<String> delivered = rootIds(KAFKA.consume(topics.results().name(), ids.size() - (int) refused, DELIVERY));
        assertThat(letters).hasSize((int) refused).allSatisfy(letter -> {
            assertThat(letter.getCategory()).isEqualTo(ErrorCategory.REFUSED);
            assertThat(letter.getReason()).isEqualTo("Claude refused: " + ClaudeSimulator.REFUSAL_EXPLANATION);
            assertThat(letter.getAttempts()).isEqualTo(1);
            assertThat(letter.getOriginalValue()).isNotNull();
        });
        List<String> everyOne = new ArrayList<>(delivered);
        letters.forEach(letter -> everyOne.add(letter.getRootId()));
        assertThat(everyOne).containsExactlyInAnyOrderElementsOf(ids);
        // and a refusal is an answer: Claude is up, the breaker saw no failure, nothing was retried
        assertThat(simulator.requestCount()).isEqualTo(ids.size());
        assertThat(layer().breaker().circuitBreaker().getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(node.health().status()).isEqualTo("UP");
        assertThat(node.metrics().scrape()).containsPattern(
                "hal9_claude_incomplete_total\\{lane=\"normal\",layer=\"L2\",reason=\"refusal\"} " + refused + "\\.0");
    }

    private void start(TestInfo test, FaultPlan faults, Map<String, Object> extra) {
        start(test, SimulatorOptions.defaults().withLatency(Duration.ofMillis(20)).withFaults(faults), extra);
    }

    private void start(TestInfo test, SimulatorOptions options, Map<String, Object> extra) {
        stack = KAFKA.newStack().registry().simulator(options).start();
        simulator = stack.simulator();
        Map<String, Object> settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), stack.registryUrl());
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, simulator.baseUrl());
        settings.put(Hal9Config.LAYERS_CHAIN_CONFIG, "L2");
        // one lane, as hal9.lanes=normal runs a layer: these are about Claude; LanesEndToEndTest is about lanes
        settings.put(Hal9Config.LANES_CONFIG, "normal");
        settings.put(Hal9Config.STATE_DIR_CONFIG, stateDir.toString());
        settings.put(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, MAX_IN_FLIGHT);
        settings.put(Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, 100);
        settings.put(Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, 500);
        settings.put(Hal9Config.BREAKER_WINDOW_MS_CONFIG, 10_000);
        settings.put(Hal9Config.BREAKER_MIN_CALLS_CONFIG, MIN_CALLS);
        settings.put(Hal9Config.BREAKER_OPEN_MS_CONFIG, (int) OPEN.toMillis());
        settings.put(Hal9Config.BREAKER_HALF_OPEN_CALLS_CONFIG, HALF_OPEN_CALLS);
        settings.putAll(extra);
        Hal9Config config = Hal9Config.of(settings);
        topics = new Topics(config, stack.registry());
        KAFKA.createTopics(2, topics.allNames().toArray(String[]::new));
        node = new Hal9Node(config, config.layersChain(), Hal9Node.claudeClient(config, "test-key"));
        node.start();
        await().atMost(Duration.ofSeconds(60)).until(node::running);
    }

    private LayerRuntime layer() {
        return node.layers().get(0);
    }

    private List<String> publish(int count, String content) {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(publishWithContent("signal-" + i, content + " #" + i));
        }
        return ids;
    }

    private String publishWithContent(String id, String content) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.signalSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.inputName("L2"), key(id), signal(id, content)));
        }
        return id;
    }

    private Signal decode(ConsumerRecord<byte[], byte[]> record) {
        return topics.signalSerde().deserializer().deserialize(record.topic(), record.value());
    }

    private List<String> rootIds(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> decode(r).getRootId()).toList();
    }
}
