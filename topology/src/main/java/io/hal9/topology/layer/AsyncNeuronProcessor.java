package io.hal9.topology.layer;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.hal9.neurons.Futures;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.resilience.CachedNeuronClient;
import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.PendingSignal;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.kafka.Origin;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking neuron stage of one task ({@code hal9.neuron.mode=async}): the stream thread
 * starts Claude calls and never waits for them.
 *
 * <p><b>How it works.</b> {@code process()} decodes the record (bad input is dead-lettered at
 * once), writes the signal into the task's changelogged store {@code <layer>-inflight} under a
 * per-task sequence number, and starts the call if the instance has a free slot. A call's
 * callback, on an HTTP client thread, only puts the outcome on this task's completion queue. The
 * stream thread drains that queue at the start of every {@code process()} and in a wall-clock
 * punctuator every {@value #PUNCTUATE_INTERVAL_MS} ms: it forwards the derived signal (or the dead
 * letter) and deletes the store entry, in the same transaction under exactly-once. A retryable
 * failure stays in the store with its attempt count and a not-before time. An answer that stopped
 * early is still an answer: one cut at max tokens is forwarded with {@code max_tokens} in its hop; a
 * refusal is dead-lettered ({@code REFUSED}) at once: asked again, Claude would most likely refuse
 * again.
 *
 * <p><b>Guarantees.</b> A signal read from the input is either still unread or in the store
 * (they commit together), so a crash or a rebalance loses nothing: {@code init()} re-issues every
 * entry it finds. Forwarding happens only on the stream thread.
 *
 * <p><b>Back-pressure.</b> When the instance holds {@code max.pending} signals, {@code process()}
 * keeps completing answers and waits for calls to finish, for at most
 * {@value #BACK_PRESSURE_BUDGET_MS} ms per record, far inside {@code max.poll.interval.ms}.
 *
 * <p><b>Shutdown.</b> Once the instance is closing ({@link CallBudget#beginClosing()}, on SIGTERM)
 * no call starts: a signal read now is stored and waits for the next owner. The punctuator keeps
 * forwarding the answers of the calls in flight, and back-pressure holds while any of them runs,
 * so the stopping instance takes in no more than its bound. A task closed then leaves its stored
 * signals to the next owner ({@link CallBudget#handedOver}).
 *
 * <p><b>Ordering.</b> With {@code hal9.neuron.ordering=key} only the oldest waiting signal of each
 * record key is called; the next one starts when it has been forwarded or dead-lettered.
 *
 * <p><b>Content routing</b> ({@link #routed}): the stage reads the layer's repartition topic, keyed
 * by cache key, where the route stage put each signal with its producer's key and origin; every
 * signal with the same work comes to this task, unless the route stage answered it already from the
 * answers the instance holds in memory ({@link LocalAnswers}). Before holding a signal it looks the
 * key up in the task's answer store ({@link NeuronAnswers}): an unexpired answer is forwarded at
 * once, as a cache hit, without a call or a store entry. Otherwise the signal waits as above; identical requests
 * waiting at the same moment make one call (the neuron client joins them). Every whole answer that
 * comes back is kept in the answer store for the layer's TTL. Outputs and dead letters go out under
 * the producer's key, restored byte for byte.
 */
public final class AsyncNeuronProcessor<K, V> implements Processor<K, V, byte[], NeuronOutcome> {

    /** How the stage takes in a record of its input. */
    @FunctionalInterface
    interface Intake<K, V> {
        Admission admit(Record<K, V> record, ProcessorContext<byte[], NeuronOutcome> context);
    }

    static final long PUNCTUATE_INTERVAL_MS = 5;
    static final long BACK_PRESSURE_BUDGET_MS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(AsyncNeuronProcessor.class);

    private final LayerStage stage;
    private final NeuronRecords records;
    private final RetryPolicy retryPolicy;
    private final String storeName;
    private final Intake<K, V> intake;
    /** The answer store's name under content routing, else {@code null}. */
    private final String answersStoreName;
    /** The cache key a record was routed by, under content routing, else {@code null}. */
    private final Function<Record<K, V>, String> routedKey;
    private NeuronAnswers answers;

    /** Written by HTTP client threads (call callbacks), drained by the stream thread: the only shared queue. */
    private final Queue<Completion> completions = new ConcurrentLinkedQueue<>();

    // Owned and solely accessed by the task's stream thread, from here to owned:
    private final Set<Long> calling = new HashSet<>();
    /** Signals waiting for their not-before time (a retry's backoff, a pause), earliest first. */
    private final PriorityQueue<Ready> ready = new PriorityQueue<>();
    /** Sequences of signals whose not-before time has come, oldest signal first. */
    private final PriorityQueue<Long> due = new PriorityQueue<>();
    private final Map<ByteBuffer, ArrayDeque<Long>> keyQueues = new HashMap<>();
    private ProcessorContext<byte[], NeuronOutcome> context;
    private KeyValueStore<Long, PendingSignal> store;
    private long nextSequence;
    private int owned;
    /**
     * Bumped at every init and close, so answers to calls of an earlier life of this task are dropped;
     * written by the stream thread, read by callbacks.
     */
    private volatile int generation;
    private volatile boolean closed;

    private AsyncNeuronProcessor(LayerStage stage, NeuronRecords records, RetryPolicy retryPolicy, String storeName,
                                 Intake<K, V> intake, String answersStoreName, Function<Record<K, V>, String> routedKey) {
        this.stage = stage;
        this.records = records;
        this.retryPolicy = retryPolicy;
        this.storeName = storeName;
        this.intake = intake;
        this.answersStoreName = answersStoreName;
        this.routedKey = routedKey;
    }

    /**
     * The stage reading the layer's input topic itself ({@code hal9.cache.routing=key}): it decodes
     * each record; bad input is dead-lettered at once.
     */
    public static AsyncNeuronProcessor<byte[], byte[]> reading(LayerStage stage, NeuronRecords records,
                                                             RetryPolicy retryPolicy, String storeName) {
        return new AsyncNeuronProcessor<>(stage, records, retryPolicy, storeName, (record, context) -> {
            RecordMetadata meta = context.recordMetadata()
                    .orElseThrow(() -> new IllegalStateException("the neuron stage reads only from source topics"));
            return records.admit(record.key(), record.headers(), record.value(),
                    new Origin(meta.topic(), meta.partition(), meta.offset()), record.timestamp(),
                    context.currentSystemTimeMs());
        }, null, null);
    }

    /**
     * The stage behind the route stage ({@code hal9.cache.routing=content}): records keyed by cache
     * key, each an admitted signal, answered from the store {@code answersStoreName} when it can. The
     * record's key is the cache key the route stage computed: the store is looked up by it as it is.
     */
    public static AsyncNeuronProcessor<String, PendingSignal> routed(LayerStage stage, NeuronRecords records,
                                                                    RetryPolicy retryPolicy, String storeName,
                                                                    String answersStoreName) {
        return new AsyncNeuronProcessor<>(stage, records, retryPolicy, storeName,
                (record, context) -> new Admission.Admitted(record.value()),
                answersStoreName, Record::key);
    }

    /** The store name of a layer's waiting signals, e.g. {@code l3-inflight}. */
    public static String storeName(LayerSpec spec) {
        return spec.prefix() + "-inflight";
    }

    @Override
    public void init(ProcessorContext<byte[], NeuronOutcome> context) {
        // Kafka Streams may close and init the same processor again (a suspended task resumes):
        // start from the store, which is the truth, every time
        this.context = context;
        this.store = context.getStateStore(storeName);
        generation++;
        closed = false;
        dropQueuedAnswers();
        ready.clear();
        due.clear();
        keyQueues.clear();
        calling.clear();
        nextSequence = 0;
        owned = 0;
        try (KeyValueIterator<Long, PendingSignal> entries = store.all()) {
            while (entries.hasNext()) {
                var entry = entries.next();
                owned++;
                nextSequence = Math.max(nextSequence, entry.key + 1);
                admit(entry.key, entry.value);
            }
        }
        stage.budget().pendingAdded(owned);
        if (answersStoreName != null) {
            answers = new NeuronAnswers(context.getStateStore(answersStoreName), stage.spec().cacheTtl(),
                    stage.settings().cacheMaxBytes(), stage.metrics(), stage.answers());
            long kept = answers.open(stage.clock().millis());
            if (kept > 0) {
                LOG.info("{} task {}: {} answers in {}", stage.spec().layer(), context.taskId(), kept,
                        answersStoreName);
            }
            context.schedule(NeuronAnswers.purgeInterval(stage.spec().cacheTtl()), PunctuationType.WALL_CLOCK_TIME,
                    now -> answers.purgeExpired(stage.clock().millis()));
        }
        if (owned > 0) {
            LOG.info("{} task {}: re-issuing {} waiting signals from {}", stage.spec().layer(), context.taskId(),
                    owned, storeName);
        }
        context.schedule(Duration.ofMillis(PUNCTUATE_INTERVAL_MS), PunctuationType.WALL_CLOCK_TIME, now -> {
            drain();
            dispatch();
        });
        dispatch();
    }

    @Override
    public void process(Record<K, V> record) {
        drain();
        Admission admission = intake.admit(record, context);
        if (admission instanceof Admission.Refused refused) {
            stage.metrics().deadLettered();
            context.forward(new Record<>(refused.key(), new NeuronOutcome.DeadLettered(refused.deadLetter()),
                    record.timestamp(), record.headers()));
            return;
        }
        PendingSignal entry = ((Admission.Admitted) admission).entry();
        if (answers != null) {
            Optional<NeuronReply> stored = answers.find(routedKey.apply(record), stage.clock().millis());
            if (stored.isPresent()) {
                // answered before: no call, nothing to hold
                answered(entry, stored.get(), context.currentSystemTimeMs());
                return;
            }
        }
        long sequence = nextSequence++;
        entry.setSequence(sequence);
        store.put(sequence, entry);
        owned++;
        stage.budget().pendingAdded(1);
        admit(sequence, entry);
        dispatch();
        applyBackPressure();
    }

    /** Forwards every outcome that arrived since the last drain. Stream thread only. */
    void drain() {
        Completion completion;
        while ((completion = completions.poll()) != null) {
            stage.budget().outcomesDrained(1);
            if (completion.generation() != generation) {
                stage.budget().answersDropped(1);
                continue;
            }
            calling.remove(completion.sequence());
            PendingSignal entry = store.get(completion.sequence());
            if (entry == null) {
                continue;
            }
            long now = context.currentSystemTimeMs();
            if (completion.failure() == null) {
                NeuronReply reply = completion.reply();
                if (!reply.cached()) {
                    // only a call of its own says Claude serves the layer now: a cached answer is older
                    stage.access().accepted();
                    stage.metrics().claudeRequest(ClaudeOutcome.OK, reply);
                    stage.metrics().cost(reply);
                }
                if (!reply.complete()) {
                    stage.metrics().incomplete(reply);
                }
                if (answered(entry, reply, now)) {
                    stage.budget().answerForwarded();
                }
                if (answers != null && reply.complete()) {
                    // asks that joined a call share its answer: it is stored once
                    String key = cacheKey(entry);
                    long at = stage.clock().millis();
                    if (!reply.cached() || !answers.holds(key, at)) {
                        answers.keep(key, reply, at);
                    }
                }
                finish(completion.sequence(), entry);
            } else {
                handleFailure(completion, entry, now);
            }
        }
    }

    /**
     * Sends on a signal's answer: the derived signal, carrying the fields a newer producer added to
     * the input, or, for a refusal or an answer cut before any text, its dead letter. Whether the
     * answer was forwarded.
     */
    private boolean answered(PendingSignal entry, NeuronReply reply, long now) {
        if (reply.refused()) {
            // Claude declined: nothing to send on, and asked again it would most likely refuse again;
            // the signal goes to the dead-letter topic, which keeps it
            deadLetter(entry, ErrorCategory.REFUSED, NeuronRecords.refusalReason(reply), entry.getAttempts() + 1, now);
            return false;
        }
        if (NeuronRecords.cutBeforeAnyText(reply)) {
            // the layer's limit is too small for the model's thinking: asked again, the same would happen
            deadLetter(entry, ErrorCategory.CLIENT_ERROR, records.cutBeforeAnyTextReason(reply),
                    entry.getAttempts() + 1, now);
            return false;
        }
        // a whole answer, or one cut at max tokens: its hop says which
        Signal input = entry.getSignal();
        stage.metrics().forwarded(NeuronRecords.sinceCreation(input, entry.getTimestamp(), now), reply.cached());
        context.forward(new Record<>(bytes(entry.getKey()),
                records.forward(input, bytes(entry.getOriginalValue()), reply, now), entry.getTimestamp()));
        return true;
    }

    private String cacheKey(PendingSignal entry) {
        return CachedNeuronClient.keyOf(Admission.request(stage.spec(), entry));
    }

    /**
     * Starts calls for due signals while the instance has free slots, the oldest signal first: a
     * signal whose retry is due keeps its place ahead of signals read after it, instead of queueing
     * behind the whole backlog (which would stretch its latency, and the tail of a run, by one
     * backlog per failed attempt). Stream thread only.
     */
    void dispatch() {
        long now = context.currentSystemTimeMs();
        while (!ready.isEmpty() && ready.peek().notBefore() <= now) {
            due.add(ready.poll().sequence());
        }
        while (!due.isEmpty()) {
            Optional<ClaudeCapacity.Permit> permit = stage.budget().tryStartCall();
            if (permit.isEmpty()) {
                return;
            }
            long sequence = due.poll();
            PendingSignal entry = store.get(sequence);
            if (entry == null || calling.contains(sequence)) {
                permit.get().cancelled();
                stage.budget().callFinished();
                continue;
            }
            start(sequence, entry, permit.get());
        }
    }

    private void start(long sequence, PendingSignal entry, ClaudeCapacity.Permit permit) {
        calling.add(sequence);
        int life = generation;
        long started = System.nanoTime();
        CompletableFuture<NeuronReply> call;
        try {
            call = stage.neuron().ask(Admission.request(stage.spec(), entry));
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((reply, failure) -> {
            permit.finished(reply, failure);
            if (!closed && life == generation) {
                stage.budget().outcomeQueued();
                completions.add(new Completion(life, sequence, reply, failure,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
            } else {
                stage.budget().answersDropped(1);
            }
            stage.budget().callFinished();
        });
    }

    private void handleFailure(Completion completion, PendingSignal entry, long now) {
        int attemptsMade = entry.getAttempts() + 1;
        RetryPolicy.Decision decision = retryPolicy.decide(completion.failure(), attemptsMade);
        long sequence = completion.sequence();
        if (decision instanceof RetryPolicy.Retry retry) {
            stage.metrics().claudeRequest(ClaudeOutcome.of(retry.category()), completion.latencyMs(), 0, 0);
            reschedule(sequence, entry, attemptsMade, now + retry.delay().toMillis(), retry.reason(), now);
        } else if (decision instanceof RetryPolicy.Wait wait) {
            stage.metrics().claudeRequest(ClaudeOutcome.of(wait.category()), completion.latencyMs(), 0, 0);
            stage.access().failed(wait.category(), wait.reason());
            reschedule(sequence, entry, entry.getAttempts(), now + wait.delay().toMillis(), wait.reason(), now);
        } else {
            RetryPolicy.GiveUp giveUp = (RetryPolicy.GiveUp) decision;
            stage.metrics().claudeRequest(ClaudeOutcome.of(giveUp.category()), completion.latencyMs(), 0, 0);
            if (Futures.unwrap(completion.failure()) instanceof NeuronException failure) {
                stage.access().failed(failure.category(), giveUp.reason());
            }
            deadLetter(entry, giveUp.category(), giveUp.reason(), attemptsMade, now);
            finish(sequence, entry);
        }
    }

    /** Forwards the dead letter of a stored signal whose call finished; the caller finishes the entry. */
    private void deadLetter(PendingSignal entry, ErrorCategory category, String reason, int attempts, long now) {
        long first = entry.getFirstFailureAt() == null ? now : entry.getFirstFailureAt();
        Origin source = new Origin(entry.getSourceTopic(), entry.getSourcePartition(), entry.getSourceOffset());
        stage.metrics().deadLettered();
        stage.budget().callDeadLettered();
        context.forward(new Record<>(bytes(entry.getKey()), new NeuronOutcome.DeadLettered(
                records.deadLetter(bytes(entry.getKey()), bytes(entry.getOriginalValue()), source,
                        entry.getSignal(), category, reason, attempts, first, now)),
                entry.getTimestamp()));
    }

    private void reschedule(long sequence, PendingSignal entry, int attempts, long notBefore, String reason,
                            long now) {
        entry.setAttempts(attempts);
        entry.setNotBefore(notBefore);
        entry.setLastError(reason);
        entry.setLastFailureAt(now);
        if (entry.getFirstFailureAt() == null) {
            entry.setFirstFailureAt(now);
        }
        store.put(sequence, entry);
        ready.add(new Ready(notBefore, sequence));
        stage.budget().callLeftToRetry();
    }

    /** The signal left the stage: delete it and let the next signal of its key go. */
    private void finish(long sequence, PendingSignal entry) {
        store.delete(sequence);
        owned--;
        stage.budget().pendingAdded(-1);
        if (!stage.settings().orderByKey() || entry.getKey() == null) {
            return;
        }
        ByteBuffer key = entry.getKey().duplicate();
        ArrayDeque<Long> queue = keyQueues.get(key);
        if (queue == null) {
            return;
        }
        queue.remove(sequence);
        if (queue.isEmpty()) {
            keyQueues.remove(key);
            return;
        }
        long head = queue.peekFirst();
        PendingSignal next = store.get(head);
        if (next != null) {
            ready.add(new Ready(next.getNotBefore(), head));
        }
    }

    /** Makes a stored signal eligible for a call, or queues it behind its key's older signals. */
    private void admit(long sequence, PendingSignal entry) {
        if (stage.settings().orderByKey() && entry.getKey() != null) {
            ArrayDeque<Long> queue = keyQueues.computeIfAbsent(entry.getKey().duplicate(), k -> new ArrayDeque<>());
            queue.addLast(sequence);
            if (queue.size() > 1) {
                return;
            }
        }
        ready.add(new Ready(entry.getNotBefore(), sequence));
    }

    private void applyBackPressure() {
        if (!stage.budget().atPendingLimit()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BACK_PRESSURE_BUDGET_MS);
        while (stage.budget().atPendingLimit() && stage.budget().mayWaitForRoom()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                stage.budget().awaitCallFinished(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(PUNCTUATE_INTERVAL_MS))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            drain();
            dispatch();
        }
    }

    @Override
    public void close() {
        if (answers != null) {
            answers.close();
            answers = null;
        }
        closed = true;
        generation++;
        stage.budget().handedOver(owned);
        stage.budget().pendingAdded(-owned);
        owned = 0;
        dropQueuedAnswers();
    }

    /** Answers of calls whose task closed: their signals stay in the store for the next owner. */
    private void dropQueuedAnswers() {
        int dropped = 0;
        while (completions.poll() != null) {
            dropped++;
        }
        stage.budget().outcomesDrained(dropped);
        stage.budget().answersDropped(dropped);
    }

    /** Signals this task holds in its store. */
    int owned() {
        return owned;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        return Admission.bytes(buffer);
    }

    /** A finished call, as the HTTP thread hands it to the stream thread. */
    private record Completion(int generation, long sequence, NeuronReply reply, Throwable failure, long latencyMs) {
    }

    /** A stored signal that may be called from {@code notBefore} on. */
    private record Ready(long notBefore, long sequence) implements Comparable<Ready> {
        @Override
        public int compareTo(Ready other) {
            int byTime = Long.compare(notBefore, other.notBefore);
            return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
        }
    }
}
