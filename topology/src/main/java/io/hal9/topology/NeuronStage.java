package io.hal9.topology;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.hal9.neurons.NeuronClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the tasks of one layer instance share: the neuron client, the in-flight cap and the
 * pending count that drives back-pressure. One per layer per process; the processors
 * ({@link AsyncNeuronProcessor}, one per task) hold a reference.
 *
 * <p>A call counts as finished when its future completes, on whatever thread that is, so a task
 * that waits for room never waits on another task's stream-thread work. Signals count as pending
 * from the moment they are stored until they are forwarded or dead-lettered; the store of an
 * instance holds at most {@code max.pending} signals plus the answers not yet forwarded (at most
 * {@code max.in.flight}).
 */
public final class NeuronStage {

    private static final Logger LOG = LoggerFactory.getLogger(NeuronStage.class);

    public static final String IN_FLIGHT_GAUGE = "hal9.neuron.in.flight";
    public static final String WAITING_GAUGE = "hal9.neuron.waiting";

    private final LayerSpec spec;
    private final StageSettings settings;
    private final NeuronClient neuron;
    private final LayerMetrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger undrained = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition callFinished = lock.newCondition();
    private volatile boolean closing;
    private final AtomicBoolean keyRejected = new AtomicBoolean();

    public NeuronStage(LayerSpec spec, StageSettings settings, NeuronClient neuron, LayerMetrics metrics,
                       MeterRegistry registry) {
        this.spec = spec;
        this.settings = settings;
        this.neuron = neuron;
        this.metrics = metrics;
        Gauge.builder(IN_FLIGHT_GAUGE, inFlight, AtomicInteger::get)
                .description("Claude calls in flight").tag("layer", spec.layer()).register(registry);
        Gauge.builder(WAITING_GAUGE, this, NeuronStage::waiting)
                .description("Signals stored and waiting for a call (retry backoff, ordering, in-flight cap)")
                .tag("layer", spec.layer()).register(registry);
    }

    public LayerSpec spec() {
        return spec;
    }

    public StageSettings settings() {
        return settings;
    }

    public NeuronClient neuron() {
        return neuron;
    }

    public LayerMetrics metrics() {
        return metrics;
    }

    /** Takes a call slot unless the instance is at {@code max.in.flight} or closing. */
    boolean tryStartCall() {
        if (closing) {
            return false;
        }
        while (true) {
            int current = inFlight.get();
            if (current >= settings.maxInFlight()) {
                return false;
            }
            if (inFlight.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** A call's future completed (any thread): frees its slot and wakes a task waiting for room. */
    void callFinished() {
        inFlight.decrementAndGet();
        lock.lock();
        try {
            callFinished.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for any call to finish. */
    void awaitCallFinished(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            callFinished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } finally {
            lock.unlock();
        }
    }

    /** An outcome was queued for a stream thread to forward. */
    void outcomeQueued() {
        undrained.incrementAndGet();
    }

    /** Queued outcomes were forwarded, or dropped with their closed task. */
    void outcomesDrained(int count) {
        undrained.addAndGet(-count);
    }

    void pendingAdded(int count) {
        pending.addAndGet(count);
    }

    /**
     * True when the instance holds {@code max.pending} signals that still wait for a call or an
     * answer. Answers already queued for a task's stream thread do not count: they leave at the
     * task's next drain, and a task waiting for room cannot drain another task's queue.
     */
    boolean atPendingLimit() {
        return pending.get() - undrained.get() >= settings.maxPending();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int pending() {
        return pending.get();
    }

    /** Stored signals that are not in a call right now. */
    public int waiting() {
        return Math.max(0, pending.get() - inFlight.get());
    }

    /**
     * Claude rejected the API key (401/403): every call would fail, so the instance reports
     * unready until a call succeeds. Logged once per rejection, without the key.
     */
    void keyRejected(String reason) {
        if (keyRejected.compareAndSet(false, true)) {
            LOG.error("layer {}: Claude rejected the API key ({}); signals wait in the store and are retried every "
                    + "{} ms; the instance reports unready until a call succeeds. Check ANTHROPIC_API_KEY.",
                    spec.layer(), reason, settings.authRetry().toMillis());
        }
    }

    /** A call succeeded: the key works. */
    void keyAccepted() {
        if (keyRejected.compareAndSet(true, false)) {
            LOG.info("layer {}: Claude accepts the API key again", spec.layer());
        }
    }

    /** True while the last call's answer was a rejected key. */
    public boolean keyRejected() {
        return keyRejected.get();
    }

    /** Stops starting calls; calls in flight still complete and are forwarded. */
    public void beginClosing() {
        closing = true;
    }

    public boolean closing() {
        return closing;
    }

    /**
     * After {@link #beginClosing()}: waits until no call is in flight and every answer has been
     * forwarded, or {@code grace} has passed.
     *
     * @return true when every call finished and was forwarded in time
     */
    public boolean awaitDrained(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 || undrained.get() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            awaitCallFinished(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50))));
        }
        return true;
    }
}
