package io.hal9.topology.layer;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.topology.config.StageSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The Claude call budget of one layer instance, shared by all its tasks: the calls it may start
 * now ({@link ClaudeCapacity}: a live limit under {@code hal9.neuron.max.in.flight}, pauses,
 * pacing) and the pending count that drives back-pressure ({@code hal9.neuron.max.pending}).
 *
 * <p>A call counts as finished when its future completes, on whatever thread that is, so a task
 * that waits for room never waits on another task's stream-thread work. Signals count as pending
 * from the moment they are stored until they are forwarded or dead-lettered; the store of an
 * instance holds at most {@code max.pending} signals plus the answers not yet forwarded (at most
 * {@code max.in.flight}).
 *
 * <p>Thread safety: every method may be called from any thread (stream threads, HTTP client
 * threads, the shutdown thread).
 */
public final class CallBudget {

    public static final String IN_FLIGHT_GAUGE = "hal9.neuron.in.flight";
    public static final String WAITING_GAUGE = "hal9.neuron.waiting";

    private final ClaudeCapacity capacity;
    private final int maxPending;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger undrained = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition callFinished = lock.newCondition();
    private volatile boolean closing;

    /**
     * @param capacity how much of Claude the instance may use now: its live limit (at most
     *                 {@code max.in.flight}), pauses and pacing; its meters are registered here too
     */
    public CallBudget(String layer, StageSettings settings, ClaudeCapacity capacity, MeterRegistry registry) {
        this.maxPending = settings.maxPending();
        this.capacity = capacity;
        capacity.bindMetrics(registry, layer);
        Gauge.builder(IN_FLIGHT_GAUGE, inFlight, AtomicInteger::get)
                .description("Claude calls in flight").tag("layer", layer).register(registry);
        Gauge.builder(WAITING_GAUGE, this, CallBudget::waiting)
                .description("Signals stored and waiting for a call (retry backoff, ordering, in-flight cap)")
                .tag("layer", layer).register(registry);
    }

    /**
     * Takes a call slot unless the instance is closing, at its live limit, paused by a
     * {@code retry-after} or pacing. Finish the permit when the call's future completes, then
     * {@link #callFinished()}.
     */
    Optional<ClaudeCapacity.Permit> tryStartCall() {
        if (closing) {
            return Optional.empty();
        }
        Optional<ClaudeCapacity.Permit> permit = capacity.tryAcquire();
        if (permit.isPresent()) {
            inFlight.incrementAndGet();
        }
        return permit;
    }

    /** How much of Claude the instance may use now. */
    public ClaudeCapacity capacity() {
        return capacity;
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
        return pending.get() - undrained.get() >= maxPending;
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
