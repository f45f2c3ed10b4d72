package io.hal9.topology.layer;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.serde.AvroDeserializer;
import io.hal9.schemas.serde.AvroSerdes;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.PendingSignal;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.kafka.PendingSignalSerde;
import io.hal9.topology.testing.NewerSignals;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The non-blocking stage in isolation: {@link MockProcessorContext}, an in-memory store, and a
 * neuron whose answers the test releases, from other threads, when it chooses.
 */
class AsyncNeuronProcessorTest {

    private static final String TOPIC = "hal9.signals.l2";

    private static SchemaRegistryServer registry;
    private static Serializer<Signal> encoder;
    private static ScheduledExecutorService otherThread;

    private final HeldNeuron neuron = new HeldNeuron();
    private MockProcessorContext<byte[], NeuronOutcome> context;
    private KeyValueStore<Long, PendingSignal> store;
    private AsyncNeuronProcessor<byte[], byte[]> processor;
    private LayerStage stage;
    private SimpleMeterRegistry meters;
    private long offset;

    @BeforeAll
    static void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        encoder = AvroSerdes.signal(new HttpSchemaRegistryClient(registry.url())).serializer();
        otherThread = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stopRegistry() {
        otherThread.shutdownNow();
        registry.close();
    }

    @AfterEach
    void closeProcessor() {
        if (processor != null) {
            processor.close();
        }
    }

    @Test
    void shouldForwardAnswersOnlyOnTheStreamThread() throws Exception {
        start(Map.of());
        process("a", "s-1");
        // When the answer arrives on another thread
        otherThread.submit(() -> neuron.answer(0)).get();

        // Then the callback, which ran on that thread, forwarded nothing: the stream thread does, when it drains
        assertThat(context.forwarded()).isEmpty();
        punctuate();
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1");
        assertThat(store.approximateNumEntries()).isZero();
    }

    @Test
    void shouldStoreTheSignalBeforeStartingTheCallAndReturnAtOnce() {
        start(Map.of());
        process("a", "s-1");

        assertThat(neuron.calls()).hasSize(1);
        assertThat(store.get(0L).getSignal().getRootId()).isEqualTo("s-1");
        assertThat(stage.budget().inFlight()).isEqualTo(1);
        assertThat(context.forwarded()).isEmpty();
    }

    @Test
    void shouldHoldSignalsBeyondMaxInFlightUntilASlotFrees() {
        start(Map.of(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 2));
        process("a", "s-1");
        process("b", "s-2");
        process("c", "s-3");

        // Then only two calls run, the third waits in the store
        assertThat(neuron.calls()).hasSize(2);
        assertThat(stage.budget().waiting()).isEqualTo(1);
        neuron.answer(0);
        punctuate();
        assertThat(neuron.calls()).hasSize(3);
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1");
    }

    @Test
    void shouldApplyBackPressureAtMaxPendingWhileStillCompletingAnswers() {
        start(Map.of(Hal9Config.NEURON_MAX_PENDING_CONFIG, 2, Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 2));
        process("a", "s-1");
        process("b", "s-2");
        // Given the pending limit is reached, an answer that arrives later on another thread
        otherThread.schedule(() -> neuron.answer(0), 100, TimeUnit.MILLISECONDS);

        // When one more record comes, process() waits for room and forwards the answer meanwhile
        process("c", "s-3");

        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1");
        assertThat(stage.budget().pending()).isEqualTo(2);
    }

    @Test
    void shouldCallOnlyTheOldestWaitingSignalOfEachKey() {
        start(Map.of(Hal9Config.NEURON_ORDERING_CONFIG, "key", Hal9Config.CACHE_ROUTING_CONFIG, "key"));
        process("a", "a-1");
        process("a", "a-2");
        process("b", "b-1");

        // Then a-2 waits behind a-1, b-1 goes at once
        assertThat(neuron.contents()).containsExactly("task a-1", "task b-1");
        neuron.answer(1);
        punctuate();
        assertThat(neuron.contents()).containsExactly("task a-1", "task b-1");
        neuron.answer(0);
        punctuate();
        assertThat(neuron.contents()).containsExactly("task a-1", "task b-1", "task a-2");
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("b-1", "a-1");
    }

    @Test
    void shouldForwardAnswersAsTheyArriveWithoutKeyOrdering() {
        start(Map.of());
        process("a", "a-1");
        process("a", "a-2");

        neuron.answer(1);
        punctuate();
        neuron.answer(0);
        punctuate();
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("a-2", "a-1");
    }

    @Test
    void shouldRetryARetryableFailureNotBeforeItsBackoff() {
        start(Map.of(Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, 1_000, Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, 1_000));
        process("a", "s-1");
        neuron.fail(0, new NeuronException(FailureCategory.TRANSIENT, 503, "service unavailable", Duration.ofSeconds(30),
                null));
        punctuate();

        // Then the signal stays with one attempt and a not-before honouring retry-after (on a 503 too)
        PendingSignal entry = store.get(0L);
        assertThat(entry.getAttempts()).isEqualTo(1);
        assertThat(entry.getNotBefore()).isEqualTo(context.currentSystemTimeMs() + 30_000);
        assertThat(entry.getLastError()).contains("service unavailable");
        assertThat(context.forwarded()).isEmpty();
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 29_999);
        punctuate();
        assertThat(neuron.calls()).hasSize(1);
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 1);
        punctuate();
        assertThat(neuron.calls()).hasSize(2);
    }

    @Test
    void shouldRetryAFailedSignalAheadOfSignalsReadAfterIt() {
        start(Map.of(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 1, Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, 100,
                Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, 100));
        // Given one call at a time, s-1 in flight and s-2, s-3 read after it, waiting
        process("a", "s-1");
        process("b", "s-2");
        process("c", "s-3");
        // When s-1's call fails, s-2 takes the free slot while s-1's backoff runs
        neuron.fail(0, new NeuronException(FailureCategory.OVERLOADED, 529, "overloaded_error", null, null));
        // (a refused call keeps its slot for about one call latency, released on the capacity's own thread)
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            punctuate();
            return neuron.contents().size() >= 2;
        });
        assertThat(neuron.contents()).containsExactly("task s-1", "task s-2");
        // and once the backoff has passed and the slot frees again
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 100);
        neuron.answer(1);
        punctuate();

        // Then s-1 is called again before s-3: a retry keeps the signal's place, it does not queue behind the backlog
        assertThat(neuron.contents()).containsExactly("task s-1", "task s-2", "task s-1");
        neuron.answer(2);
        punctuate();
        assertThat(neuron.contents()).containsExactly("task s-1", "task s-2", "task s-1", "task s-3");
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-2", "s-1");
    }

    @Test
    void shouldPauseEveryNewCallOfTheInstanceWhileARateLimitsRetryAfterRunsWithoutSpendingAttempts() {
        start(Map.of(Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, 100, Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, 100));
        process("a", "s-1");
        // Given the account's limit answers the first call with 429 and retry-after 2 s
        neuron.fail(0, new NeuronException(FailureCategory.RATE_LIMITED, 429, "rate_limit_error", Duration.ofSeconds(2),
                null));
        punctuate();

        // When another signal arrives during those 2 s, it is not called either: the whole instance waits
        process("b", "s-2");
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 1_999);
        punctuate();
        assertThat(neuron.calls()).hasSize(1);
        assertThat(stage.budget().capacity().paused()).isTrue();
        // and the rate-limited signal spent no attempt: the account was busy, not the signal at fault
        assertThat(store.get(0L).getAttempts()).isZero();

        // Then once the retry-after passed both are called
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 1);
        punctuate();
        assertThat(neuron.calls()).hasSize(3);
        assertThat(stage.budget().capacity().throttled(FailureCategory.RATE_LIMITED)).isEqualTo(1);
        assertThat(stage.budget().capacity().pausedTime()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldDeadLetterAfterMaxAttempts() {
        start(Map.of(Hal9Config.NEURON_MAX_ATTEMPTS_CONFIG, 2, Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG, 1,
                Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, 1));
        process("a", "s-1");
        neuron.fail(0, new NeuronException(FailureCategory.TRANSIENT, "overloaded"));
        punctuate();
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 10);
        punctuate();
        neuron.fail(1, new NeuronException(FailureCategory.TRANSIENT, "overloaded"));
        punctuate();

        DeadLetter letter = deadLetters().get(0);
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.TRANSIENT);
        assertThat(letter.getAttempts()).isEqualTo(2);
        assertThat(letter.getReason()).contains("overloaded").contains("2 attempts");
        assertThat(letter.getSourceTopic()).isEqualTo(TOPIC);
        assertThat(letter.getRootId()).isEqualTo("s-1");
        assertThat(forwardedSignals()).isEmpty();
        assertThat(store.approximateNumEntries()).isZero();
    }

    @Test
    void shouldDeadLetterAClientErrorAtOnce() {
        start(Map.of());
        process("a", "s-1");
        neuron.fail(0, new NeuronException(FailureCategory.CLIENT_ERROR, 400, "bad request", null, null));
        punctuate();

        assertThat(deadLetters()).extracting(DeadLetter::getCategory).containsExactly(ErrorCategory.CLIENT_ERROR);
        assertThat(neuron.calls()).hasSize(1);
    }

    @Test
    void shouldForwardAnAnswerCutAtMaxTokensMarkedInItsHopAndCountIt() {
        start(Map.of());
        process("a", "s-1");
        process("b", "s-2");

        neuron.reply(0, new NeuronReply("Step 1) write the", "model", 10, 4, NeuronReply.MAX_TOKENS, 5));
        neuron.answer(1);
        punctuate();

        // Then both go on; the cut one says so in its hop, for the next layer and the results
        List<Signal> forwarded = forwardedSignals();
        assertThat(forwarded).extracting(Signal::getRootId).containsExactly("s-1", "s-2");
        assertThat(forwarded.get(0).getHops().get(0).getStopReason()).isEqualTo("max_tokens");
        assertThat(forwarded.get(0).getActivation().getContent()).isEqualTo("Step 1) write the");
        assertThat(forwarded.get(1).getHops().get(0).getStopReason()).isEqualTo("end_turn");
        assertThat(incomplete("max_tokens")).isEqualTo(1.0);
        assertThat(incomplete("refusal")).isZero();
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void shouldDeadLetterARefusalAtOnceSayingWhyClaudeRefused() {
        start(Map.of());
        process("a", "s-1");

        neuron.reply(0, new NeuronReply("", "model", 10, 0, NeuronReply.REFUSAL, 5, false, null, 0, 0,
                "cyber: This request was declined because it could enable cyber harm."));
        punctuate();

        DeadLetter letter = deadLetters().get(0);
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.REFUSED);
        assertThat(letter.getReason())
                .isEqualTo("Claude refused: cyber: This request was declined because it could enable cyber harm.");
        assertThat(letter.getAttempts()).isEqualTo(1);
        assertThat(letter.getRootId()).isEqualTo("s-1");
        assertThat(letter.getSourceTopic()).isEqualTo(TOPIC);
        assertThat(forwardedSignals()).isEmpty();
        assertThat(neuron.calls()).hasSize(1);
        assertThat(store.approximateNumEntries()).isZero();
        assertThat(incomplete("refusal")).isEqualTo(1.0);
    }

    @Test
    void shouldSayARefusalWithoutDetailsGaveNoReasonAndKeepItsPartialText() {
        start(Map.of());
        process("a", "s-1");

        neuron.reply(0, new NeuronReply("Hello..", "model", 10, 2, NeuronReply.REFUSAL, 5));
        punctuate();

        assertThat(deadLetters()).extracting(DeadLetter::getReason)
                .containsExactly("Claude refused: no reason given (partial answer: \"Hello..\")");
    }

    @Test
    void shouldHoldASignalWhoseModelDisappearedWithoutSpendingAnAttemptThenServeItWhenClaudeAnswers() {
        start(Map.of(Hal9Config.NEURON_AUTH_RETRY_MS_CONFIG, 9_000, Hal9Config.NEURON_MAX_ATTEMPTS_CONFIG, 1));
        process("a", "s-1");
        // Given Claude answers 404 for the layer's model: it was retired while the layer runs
        neuron.fail(0, new NeuronException(FailureCategory.MODEL_NOT_FOUND, 404,
                "Claude answered HTTP 404: model: claude-x (unknown model claude-x; request_id req_1)", null, null));
        punctuate();

        // Then the signal waits in the store, its one attempt unspent, and the layer reports why
        PendingSignal entry = store.get(0L);
        assertThat(entry.getAttempts()).isZero();
        assertThat(entry.getNotBefore()).isEqualTo(context.currentSystemTimeMs() + 9_000);
        assertThat(entry.getLastError()).contains("unknown model claude-x");
        assertThat(stage.access().state()).isEqualTo(ClaudeAccess.State.MODEL_NOT_FOUND);
        assertThat(deadLetters()).isEmpty();
        assertThat(neuron.calls()).hasSize(1);

        // When it is called again after hal9.neuron.auth.retry.ms and Claude answers, it is forwarded
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 9_000);
        punctuate();
        neuron.answer(1);
        punctuate();
        assertThat(forwardedSignals()).hasSize(1);
        assertThat(deadLetters()).isEmpty();
        assertThat(stage.access().state()).isEqualTo(ClaudeAccess.State.OK);
        assertThat(store.approximateNumEntries()).isZero();
    }

    @Test
    void shouldWaitTheAuthRetryWithoutSpendingAnAttemptWhileTheAccountMayNotSpendThenServeAgain() {
        start(Map.of(Hal9Config.NEURON_AUTH_RETRY_MS_CONFIG, 7_000, Hal9Config.NEURON_MAX_ATTEMPTS_CONFIG, 1));
        process("a", "s-1");
        // Given the account's spend limit is reached: a 429 without retry-after that retrying does not clear
        neuron.fail(0, new NeuronException(FailureCategory.BILLING, 429, "spend limit reached", null, null));
        punctuate();

        // Then the signal waits hal9.neuron.auth.retry.ms, its one attempt unspent, and the layer says why
        PendingSignal entry = store.get(0L);
        assertThat(entry.getAttempts()).isZero();
        assertThat(entry.getNotBefore()).isEqualTo(context.currentSystemTimeMs() + 7_000);
        assertThat(stage.access().state()).isEqualTo(ClaudeAccess.State.BILLING_BLOCKED);
        assertThat(stage.budget().capacity().paused()).isFalse();
        assertThat(deadLetters()).isEmpty();

        // When it is called again and Claude answers, it is forwarded and the layer is served again
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 7_000);
        punctuate();
        neuron.answer(1);
        punctuate();
        assertThat(forwardedSignals()).hasSize(1);
        assertThat(stage.access().state()).isEqualTo(ClaudeAccess.State.OK);
    }

    @Test
    void shouldWaitWithoutSpendingAnAttemptWhenTheModelIsUnavailable() {
        RetryPolicy unavailable = (failure, attempts) -> new RetryPolicy.Wait(Duration.ofSeconds(5),
                FailureCategory.UNAVAILABLE, "model unavailable");
        start(Map.of(), unavailable);
        process("a", "s-1");
        neuron.fail(0, new NeuronException(FailureCategory.TRANSIENT, "down"));
        punctuate();

        PendingSignal entry = store.get(0L);
        assertThat(entry.getAttempts()).isZero();
        assertThat(entry.getNotBefore()).isEqualTo(context.currentSystemTimeMs() + 5_000);
        assertThat(context.forwarded()).isEmpty();
    }

    @Test
    void shouldStartNoCallOnceClosingBeganAndForwardTheAnswersOfTheCallsInFlight() {
        start(Map.of(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 2));
        process("a", "s-1");
        process("b", "s-2");
        process("c", "s-3");
        // Given two calls in flight and one signal waiting for a slot when the instance begins closing (SIGTERM)
        stage.budget().beginClosing();

        // When one call answers, freeing a slot, and another signal arrives
        neuron.answer(0);
        punctuate();
        process("d", "s-4");

        // Then its answer is forwarded, but neither the waiting signal nor the new one is called
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1");
        assertThat(neuron.calls()).hasSize(2);
        assertThat(stage.budget().drained()).as("drained while a call is in flight").isFalse();
        // and once the last call in flight answers, the drain is complete
        neuron.answer(1);
        punctuate();
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1", "s-2");
        assertThat(stage.budget().drained()).as("drained").isTrue();
        // and the two signals never called stay in the store for the next owner, which closing the task reports
        processor.close();
        processor = null;
        assertThat(store.approximateNumEntries()).isEqualTo(2);
        assertThat(stage.budget().drain()).isEqualTo(new CallBudget.Drain(2, 2, 0, 0, 0, 2));
        assertThat(neuron.calls()).as("calls in all").hasSize(2);
    }

    @Test
    void shouldAccountForEveryCallInFlightWhenClosingBeganHoweverItEnds() {
        start(Map.of(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 4));
        process("a", "s-1");
        process("b", "s-2");
        process("c", "s-3");
        process("d", "s-4");
        stage.budget().beginClosing();

        // When, of the four calls in flight, one answers, one fails for good, one fails for now and one hangs
        neuron.answer(0);
        neuron.fail(1, new NeuronException(FailureCategory.CLIENT_ERROR, 400, "bad request", null, null));
        neuron.fail(2, new NeuronException(FailureCategory.TRANSIENT, 503, "service unavailable", null, null));
        punctuate();

        // Then the drain counts each: forwarded, dead-lettered, left to retry (not retried now), still in flight
        assertThat(stage.budget().drain()).isEqualTo(new CallBudget.Drain(4, 1, 1, 1, 1, 0));
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1");
        assertThat(deadLetters()).extracting(DeadLetter::getRootId).containsExactly("s-2");
        context.setCurrentSystemTimeMs(context.currentSystemTimeMs() + 60_000);
        punctuate();
        assertThat(neuron.calls()).as("no retry while closing").hasSize(4);
        assertThat(stage.budget().drained()).isFalse();
    }

    @Test
    void shouldCountACallAbandonedOnceWhetherItStillRunsOrAnswersAfterItsTaskClosed() {
        start(Map.of());
        process("a", "s-1");
        process("b", "s-2");
        stage.budget().beginClosing();

        // When the drain's time runs out and the task closes with both calls in flight
        stage.budget().endDrain();
        processor.close();
        processor = null;
        assertThat(stage.budget().drain()).isEqualTo(new CallBudget.Drain(2, 0, 0, 0, 2, 2));

        // Then an answer that comes after the close is dropped, and its call still counts once
        neuron.answer(0);
        assertThat(stage.budget().drain()).isEqualTo(new CallBudget.Drain(2, 0, 0, 0, 2, 2));
        assertThat(context.forwarded()).isEmpty();
        assertThat(store.approximateNumEntries()).as("both signals stay for the next owner").isEqualTo(2);
    }

    @Test
    void shouldKeepBackPressureWhileClosingAsLongAsCallsAreInFlight() {
        start(Map.of(Hal9Config.NEURON_MAX_PENDING_CONFIG, 2, Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 2));
        process("a", "s-1");
        process("b", "s-2");
        // Given the pending limit is reached when closing begins, and an answer that arrives later on another thread
        stage.budget().beginClosing();
        otherThread.schedule(() -> neuron.answer(0), 100, TimeUnit.MILLISECONDS);

        // When one more record comes, process() still waits for room and forwards the answer meanwhile:
        // a stopping instance takes in no more than its bound while its calls finish
        process("c", "s-3");

        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1");
        assertThat(stage.budget().pending()).isEqualTo(2);
        assertThat(neuron.calls()).hasSize(2);
    }

    @Test
    void shouldNotWaitForRoomWhileClosingOnceNoCallIsInFlightOrTheDrainIsOver() {
        start(Map.of(Hal9Config.NEURON_MAX_PENDING_CONFIG, 2, Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 2));
        process("a", "s-1");
        assertThat(stage.budget().mayWaitForRoom()).as("running").isTrue();
        stage.budget().beginClosing();
        assertThat(stage.budget().mayWaitForRoom()).as("closing, a call in flight").isTrue();
        stage.budget().endDrain();
        assertThat(stage.budget().mayWaitForRoom()).as("the drain is over, a call still in flight").isFalse();

        // and with no call in flight, room would never come: a stopping instance does not wait for it
        processor.close();
        start(Map.of(Hal9Config.NEURON_MAX_PENDING_CONFIG, 2, Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 2));
        stage.budget().beginClosing();
        assertThat(stage.budget().mayWaitForRoom()).as("closing, no call in flight").isFalse();
    }

    @Test
    void shouldReissueEverySignalFoundInTheStoreOnInit() {
        // Given a store left by an earlier owner
        start(Map.of());
        process("a", "s-1");
        process("b", "s-2");
        processor.close();
        neuron.calls().clear();

        // When a new processor takes the task over
        processor = AsyncNeuronProcessor.reading(stage, records(), policy(Map.of()), "l2-inflight");
        processor.init(context);

        assertThat(neuron.contents()).containsExactly("task s-1", "task s-2");
        neuron.answer(0);
        neuron.answer(1);
        punctuate();
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactlyInAnyOrder("s-1", "s-2");
    }

    @Test
    void shouldCarryTheFieldsANewerProducerAddedWhenANewOwnerReissuesTheSignal() {
        // Given a newer producer's signal waiting in the store of an earlier owner
        start(Map.of());
        GenericRecord newer = NewerSignals.of(signal("s-new", "task s-new"), NewerSignals.SCHEMA);
        newer.put("ticket", "INC-4711");
        newer.put("urgency", 1);
        context.setRecordMetadata(TOPIC, 0, offset++);
        processor.process(new Record<>(key("a"),
                NewerSignals.serialize(new HttpSchemaRegistryClient(registry.url()), TOPIC, newer), 0L));
        processor.close();
        neuron.calls().clear();

        // When a new owner re-issues it and the answer arrives
        processor = AsyncNeuronProcessor.reading(stage, records(), policy(Map.of()), "l2-inflight");
        processor.init(context);
        neuron.answer(0);
        punctuate();

        // Then the derived signal goes on with the fields, read again from the stored input bytes
        assertThat(context.forwarded()).hasSize(1);
        NeuronOutcome.Forwarded forwarded = (NeuronOutcome.Forwarded) context.forwarded().get(0).record().value();
        assertThat(forwarded.signal().getRootId()).isEqualTo("s-new");
        assertThat(String.valueOf(forwarded.unknownFields().get("ticket"))).isEqualTo("INC-4711");
        assertThat(forwarded.unknownFields().get("urgency")).isEqualTo(1);
        assertThat(forwarded.value().getSchema().getField("ticket")).isNotNull();
    }

    @Test
    void shouldStartAfreshWhenKafkaStreamsInitsTheSameProcessorAgain() {
        // Given a task that is suspended (closed) and resumed (init again) on the same processor
        start(Map.of());
        process("a", "s-1");
        processor.close();
        processor.init(context);

        // Then the stored signal is called again, and the answer of the abandoned call is ignored
        assertThat(neuron.contents()).containsExactly("task s-1", "task s-1");
        neuron.answer(0);
        punctuate();
        assertThat(context.forwarded()).isEmpty();
        neuron.answer(1);
        punctuate();
        assertThat(forwardedSignals()).extracting(Signal::getRootId).containsExactly("s-1");
        assertThat(stage.budget().pending()).isZero();
    }

    @Test
    void shouldDropAnswersThatArriveAfterTheTaskClosed() {
        start(Map.of());
        process("a", "s-1");
        processor.close();
        neuron.answer(0);

        assertThat(stage.budget().inFlight()).isZero();
        assertThat(stage.budget().pending()).isZero();
        assertThat(store.get(0L)).as("the signal stays for the next owner").isNotNull();
        processor = null;
    }

    private void start(Map<String, Object> overrides) {
        start(overrides, policy(overrides));
    }

    private void start(Map<String, Object> overrides, RetryPolicy policy) {
        Hal9Config config = Hal9Config.of(overrides);
        LayerSpec spec = LayerSpec.of("L2", config);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        meters = registry;
        context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(1_000_000);
        // the capacity's pauses run on the same clock as the test's punctuations
        MockProcessorContext<byte[], NeuronOutcome> clock = context;
        ClaudeCapacity capacity = new ClaudeCapacity(Hal9Settings.capacity(config),
                () -> TimeUnit.MILLISECONDS.toNanos(clock.currentSystemTimeMs()));
        stage = LayerStage.create(spec, Hal9Settings.stage(config), capacity, neuron, new LayerMetrics(registry, "L2"),
                registry);
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("l2-inflight"), Serdes.Long(),
                new PendingSignalSerde()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        processor = AsyncNeuronProcessor.reading(stage, records(), policy, "l2-inflight");
        processor.init(context);
    }

    private NeuronRecords records() {
        return new NeuronRecords(stage.spec(),
                new AvroDeserializer<>(new HttpSchemaRegistryClient(registry.url()), Signal.class));
    }

    private static RetryPolicy policy(Map<String, Object> overrides) {
        return RetryPolicy.from(Hal9Settings.stage(Hal9Config.of(overrides)));
    }

    private void process(String key, String id) {
        context.setRecordMetadata(TOPIC, 0, offset++);
        processor.process(new Record<>(key(key), encoder.serialize(TOPIC, signal(id, "task " + id)), 0L));
    }

    /** Fires the punctuator of the current processor, as the stream thread does every few ms. */
    private void punctuate() {
        var punctuators = context.scheduledPunctuators();
        punctuators.get(punctuators.size() - 1).getPunctuator().punctuate(context.currentSystemTimeMs());
    }

    /** {@code hal9_claude_incomplete_total{layer="L2",reason}}; fails when the series does not exist. */
    private double incomplete(String reason) {
        return meters.get(LayerMetrics.CLAUDE_INCOMPLETE).tags("layer", "L2", "reason", reason).counter().count();
    }

    private List<Signal> forwardedSignals() {
        List<Signal> signals = new ArrayList<>();
        context.forwarded().forEach(f -> {
            if (f.record().value() instanceof NeuronOutcome.Forwarded forwarded) {
                signals.add(forwarded.signal());
            }
        });
        return signals;
    }

    private List<DeadLetter> deadLetters() {
        List<DeadLetter> letters = new ArrayList<>();
        context.forwarded().forEach(f -> {
            if (f.record().value() instanceof NeuronOutcome.DeadLettered dead) {
                letters.add(dead.deadLetter());
            }
        });
        return letters;
    }

    /** A neuron whose calls stay open until the test answers or fails them. */
    private static final class HeldNeuron implements NeuronClient {

        private final List<Call> calls = new CopyOnWriteArrayList<>();

        record Call(NeuronRequest request, CompletableFuture<NeuronReply> future) {
        }

        @Override
        public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
            CompletableFuture<NeuronReply> future = new CompletableFuture<>();
            calls.add(new Call(request, future));
            return future;
        }

        List<Call> calls() {
            return calls;
        }

        List<String> contents() {
            return calls.stream().map(c -> c.request().content()).toList();
        }

        void answer(int call) {
            Call c = calls.get(call);
            c.future().complete(new NeuronReply("answer to " + c.request().content(), "model", 10, 20, "end_turn", 5));
        }

        void reply(int call, NeuronReply reply) {
            calls.get(call).future().complete(reply);
        }

        void fail(int call, Throwable failure) {
            calls.get(call).future().completeExceptionally(failure);
        }

        @Override
        public long requestCount() {
            return calls.size();
        }

        @Override
        public void close() {
        }
    }
}
