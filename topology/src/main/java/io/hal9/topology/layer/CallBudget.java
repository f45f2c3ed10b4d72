package io.hal9.topology.layer;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.topology.config.Lane;
import io.hal9.topology.config.StageSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

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
 * <p><b>Shutdown.</b> {@link #beginClosing()} (SIGTERM) stops it from giving out call slots: no
 * call starts after it returns, and the calls that took a slot before are the ones the drain waits
 * for ({@link #awaitDrained}). From then on it counts what became of them ({@link #drain()}): answers
 * forwarded, dead letters, failures left to retry, calls still in flight when the drain ended, and
 * the signals the instance's tasks still held in their stores when they closed.
 *
 * <p>Thread safety: every method may be called from any thread (stream threads, HTTP client
 * threads, the shutdown thread).
 */
public final class CallBudget {

    public static final String IN_FLIGHT_GAUGE = "hal9.neuron.in.flight";
    public static final String WAITING_GAUGE = "hal9.neuron.waiting";

    private final ClaudeCapacity capacity;
    private final String lane;
    private final int maxPending;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger undrained = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition callFinished = lock.newCondition();
    private volatile boolean closing;
    private volatile boolean drainOver;
    private volatile int inFlightAtClosing;
    private final AtomicLong forwardedWhileClosing = new AtomicLong();
    private final AtomicLong deadLetteredWhileClosing = new AtomicLong();
    private final AtomicLong retriesWhileClosing = new AtomicLong();
    private final AtomicLong handedOver = new AtomicLong();
    private final AtomicLong droppedWhileClosing = new AtomicLong();

    /**
     * The budget of one lane of a layer instance: its own pending count and back-pressure, its calls
     * started in the lane's partition of {@code capacity}, which the layer's lanes share.
     *
     * @param capacity how much of Claude the instance may use now: its live limit (at most
     *                 {@code max.in.flight}), pauses and pacing; its meters are registered here too
     */
    public CallBudget(String layer, Lane lane, StageSettings settings, ClaudeCapacity capacity,
                      MeterRegistry registry) {
        this.maxPending = settings.maxPending();
        this.capacity = capacity;
        this.lane = lane.label();
        capacity.bindMetrics(registry, layer);
        Tags tags = Tags.of("layer", layer, "lane", this.lane);
        Gauge.builder(IN_FLIGHT_GAUGE, inFlight, AtomicInteger::get)
                .description("Claude calls in flight").tags(tags).register(registry);
        Gauge.builder(WAITING_GAUGE, this, CallBudget::waiting)
                .description("Signals stored and waiting for a call (retry backoff, ordering, in-flight cap)")
                .tags(tags).register(registry);
    }

    /**
     * Takes a call slot unless the instance is closing, at its live limit, paused by a
     * {@code retry-after} or pacing. Finish the permit when the call's future completes, then
     * {@link #callFinished()}.
     */
    Optional<ClaudeCapacity.Permit> tryStartCall() {
        // under the lock, so that no call takes a slot once beginClosing() has returned
        lock.lock();
        try {
            if (closing) {
                return Optional.empty();
            }
            Optional<ClaudeCapacity.Permit> permit = capacity.tryAcquire(lane);
            if (permit.isPresent()) {
                inFlight.incrementAndGet();
            }
            return permit;
        } finally {
            lock.unlock();
        }
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

    /**
     * Stops starting calls (calling it again changes nothing); calls in flight still complete and
     * are forwarded. Once it returns no call takes a slot, and the calls in flight are those
     * {@link Drain#inFlightAtStart()} counts.
     */
    public void beginClosing() {
        lock.lock();
        try {
            if (!closing) {
                inFlightAtClosing = inFlight.get();
                closing = true;
            }
        } finally {
            lock.unlock();
        }
    }

    public boolean closing() {
        return closing;
    }

    /**
     * The drain is over (every call finished and was forwarded, or the drain's time ran out) and
     * Kafka Streams closes next: no task waits for room any more, which would only hold its stream
     * thread back from closing.
     */
    public void endDrain() {
        drainOver = true;
    }

    /**
     * Whether a task at {@code max.pending} should wait for a call to free room: always while the
     * instance runs; while it drains only as long as calls are in flight (their answers free room),
     * so a stopping instance takes in no more signals than its bound; never once the drain is over.
     */
    boolean mayWaitForRoom() {
        return !closing || (!drainOver && inFlight.get() > 0);
    }

    /** A stream thread forwarded an answer (counted from {@link #beginClosing()} on). */
    void answerForwarded() {
        if (closing) {
            forwardedWhileClosing.incrementAndGet();
        }
    }

    /** A stream thread dead-lettered a signal whose call finished (counted from {@link #beginClosing()} on). */
    void callDeadLettered() {
        if (closing) {
            deadLetteredWhileClosing.incrementAndGet();
        }
    }

    /** A call failed and its signal waits in the store to be retried (counted from {@link #beginClosing()} on). */
    void callLeftToRetry() {
        if (closing) {
            retriesWhileClosing.incrementAndGet();
        }
    }

    /**
     * Answers to {@code count} calls were dropped, not forwarded, because their task had closed
     * (counted from {@link #beginClosing()} on): the next owner calls their signals again.
     */
    void answersDropped(int count) {
        if (closing) {
            droppedWhileClosing.addAndGet(count);
        }
    }

    /** A task closed while the instance was closing, its store holding {@code signals} for the next owner. */
    void handedOver(int signals) {
        if (closing) {
            handedOver.addAndGet(signals);
        }
    }

    /** What the drain has done so far: meaningful after {@link #beginClosing()}. */
    public Drain drain() {
        // dropped answers first: a call's answer is counted dropped before its slot is freed, so a call
        // that ends between the two reads is counted twice rather than not at all
        long dropped = droppedWhileClosing.get();
        return new Drain(inFlightAtClosing, forwardedWhileClosing.get(), deadLetteredWhileClosing.get(),
                retriesWhileClosing.get(), inFlight.get() + dropped, handedOver.get());
    }

    /**
     * What became of an instance's work after {@link #beginClosing()}. Of the calls in flight at
     * that moment, each ends as one answer forwarded, one dead letter, one failure left to retry, or
     * one call abandoned: {@code inFlightAtStart = forwarded + deadLettered + leftToRetry + abandoned}.
     *
     * @param inFlightAtStart calls in flight when closing began
     * @param forwarded       answers forwarded since
     * @param deadLettered    signals dead-lettered since, after their call
     * @param leftToRetry     calls that failed since and whose signals wait in the store to be retried
     * @param abandoned       calls whose answer was not forwarded: still in flight, or answered after
     *                        their task closed; once Kafka Streams has closed, the next owner calls
     *                        their signals again
     * @param handedOver      signals the tasks still held in their stores when they closed: the next
     *                        owner calls them (signals never read stay in the input topic, not counted)
     */
    public record Drain(int inFlightAtStart, long forwarded, long deadLettered, long leftToRetry, long abandoned,
                        long handedOver) {
    }

    /** Whether no call is in flight and every answer has been forwarded, without waiting. */
    boolean drained() {
        return inFlight.get() == 0 && undrained.get() == 0;
    }

    /**
     * After {@link #beginClosing()}: waits until no call is in flight and every answer has been
     * forwarded, or {@code grace} has passed.
     *
     * @return true when every call finished and was forwarded in time
     */
    public boolean awaitDrained(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        while (!drained()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            awaitCallFinished(Duration.ofNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50))));
        }
        return true;
    }
}
