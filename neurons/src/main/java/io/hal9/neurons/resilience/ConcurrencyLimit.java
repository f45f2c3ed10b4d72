package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import com.netflix.concurrency.limits.limit.AbstractLimit;

/**
 * The live limit of Claude calls in flight for one layer instance: it grows while calls succeed
 * and shrinks when Claude asks for fewer (429, 529, timeouts: the "drops"), between 1 and the
 * configured ceiling. A {@link com.netflix.concurrency.limits.Limit} of Netflix's
 * concurrency-limits library, used through its {@code SimpleLimiter} like the library's own laws.
 *
 * <h2>How it decides</h2>
 * Samples are gathered in windows of about one call latency (at least {@code minWindow}), only
 * from calls started since the limit last changed (older ones describe the old limit), and a
 * window closes early once it holds enough drops to judge (a quarter of the limit), so a burst of
 * fast rejections is acted on at once instead of being repeated for a whole window. At the end of
 * a window with drop share {@code s}:
 * <ul>
 *   <li><b>Healthy</b> ({@code s} at most {@code tolerance} above the share that comes whatever the
 *       concurrency, see below): grow, doubling per window up to the last limit that was healthy
 *       before a decrease (slow start, so the limit is back within a few windows after an
 *       outage), then by 5 % per window;</li>
 *   <li><b>Excess drops</b>: decrease by {@code backoffRatio} and remember that this is a probe.
 *       If the next window's share fell, the drops were ours (a provider capacity, an account
 *       limit): keep decreasing until the share is healthy. If it stayed the same (within the
 *       window's noise) two decreases in a row, the drops come whatever we do (Anthropic
 *       rejecting a share of every account's calls): restore the limit and tolerate that share
 *       from now on. (One decrease is not enough: a provider still full of the calls let in
 *       before refuses as many in the next window.) If it rose, keep decreasing. The tolerated share fades by 1 % per window, so
 *       a lasting change is probed again;</li>
 *   <li><b>Nearly everything fails</b> ({@code s} ≥ 0.95, or a quarter of the limit (16 at least) in drops and 95 % of the calls
 *       started since the window's first dropped call dropped: when an outage begins, the window
 *       also holds the answers of calls started before it): down to a quarter, never tolerated. An
 *       outage is the breaker's business; this only keeps the calls that meet it few.</li>
 * </ul>
 * When the breaker lets trial calls through, the limit is at least their number (they go
 * together, not one after another); when it closes after an outage, the limit goes straight back
 * to the level that was healthy before it (the trial calls' success says Claude answers again;
 * should it now take fewer calls, the windows above bring the limit down as they would anyway).
 *
 * <h2>Why not the library's own laws</h2>
 * The library's {@code AIMDLimit} multiplies the limit by its backoff ratio on every dropped
 * sample and adds one per successful sample: with 30 % of calls rejected at random (529s that come
 * whatever the concurrency) it settles where {@code L × (1 − 0.9³) ≈ 7} per ten calls, about 26
 * calls from a ceiling of 256 — a tenth of the throughput for nothing. Wrapped in its
 * {@code WindowedLimit}, every window holds a drop and the limit falls to its minimum. Its
 * {@code Gradient2Limit} and {@code VegasLimit} ignore drops or read them as latency. None can
 * tell drops that fewer calls would avoid from drops that come regardless, which is what the
 * probe above does; the windowing, the limiter and the in-flight accounting stay the library's.
 */
public final class ConcurrencyLimit extends AbstractLimit {

    /** A drop share at or above this is an outage-like window: always a decrease. */
    static final double NEARLY_ALL = 0.95;
    /** Growth above the slow-start threshold, per healthy window. */
    static final double GROWTH = 0.05;
    /** How much of the tolerated share is kept per window. */
    static final double TOLERANCE_FADE = 0.99;
    /** Decreases a probe takes, each with the same drop share, before that share is tolerated. */
    static final int PROBE_STEPS = 2;
    /** The live limit never goes below one call. */
    static final int MIN_LIMIT = 1;
    /** Fewest samples for a window to be judged (unless its longest time passed). */
    static final int MIN_SAMPLES = 5;
    /** Fewest drops (and at least a quarter of the limit) for the calls started since a window's first drop to say "outage". */
    static final int OUTAGE_DROPS = 16;

    private final int maxLimit;
    private final double backoffRatio;
    private final double tolerance;
    private final long minWindowNanos;
    private final long maxWindowNanos;

    // guarded by AbstractLimit's lock (onSample is synchronized)
    private long windowStart = -1;
    private long changedAt;
    private int samples;
    private int drops;
    private long successRttSum;
    private int successes;
    /** Start times of the window's successes, and the earliest start of its drops. */
    private long[] successStarts = new long[64];
    private long firstDropStart;
    private long smoothedRtt;
    private boolean probing;
    private boolean failing;
    private int probeFrom;
    private double probeShare;
    private int probeSteps;
    private double toleratedShare;
    private int slowStartThreshold;

    /**
     * @param initial      the limit to start with (at most the ceiling)
     * @param ceiling      the most calls in flight ({@code hal9.neuron.max.in.flight})
     * @param backoffRatio factor of a decrease, e.g. 0.75
     * @param tolerance    drop share above the tolerated one that counts as excess, e.g. 0.05
     * @param minWindow    shortest window, e.g. 250 ms
     * @param maxWindow    longest window, e.g. 5 s
     */
    public ConcurrencyLimit(int initial, int ceiling, double backoffRatio, double tolerance, Duration minWindow,
                            Duration maxWindow) {
        super(Math.max(1, Math.min(initial, ceiling)));
        if (ceiling < 1 || backoffRatio <= 0 || backoffRatio >= 1 || tolerance < 0 || tolerance >= 1) {
            throw new IllegalArgumentException("invalid concurrency limit settings: ceiling " + ceiling
                    + ", backoff ratio " + backoffRatio + ", tolerance " + tolerance);
        }
        this.maxLimit = ceiling;
        this.backoffRatio = backoffRatio;
        this.tolerance = tolerance;
        this.minWindowNanos = minWindow.toNanos();
        this.maxWindowNanos = Math.max(minWindow.toNanos(), maxWindow.toNanos());
        this.slowStartThreshold = ceiling;
    }

    @Override
    protected int _update(long startTime, long rtt, int inflight, boolean didDrop) {
        long now = startTime + rtt;
        if (changedAt != 0 && startTime - changedAt < 0) {
            // a call started before the last change says how the old limit fared, not the new one
            return getLimit();
        }
        if (windowStart < 0) {
            windowStart = now;
        }
        samples++;
        if (didDrop) {
            if (drops == 0 || startTime - firstDropStart < 0) {
                firstDropStart = startTime;
            }
            drops++;
        } else {
            if (successes == successStarts.length) {
                successStarts = Arrays.copyOf(successStarts, successes * 2);
            }
            successStarts[successes] = startTime;
            successes++;
            successRttSum += rtt;
        }
        int limit = getLimit();
        long elapsed = now - windowStart;
        long window = Math.min(maxWindowNanos, Math.max(minWindowNanos, smoothedRtt));
        // enough calls for a share to mean something: half the limit (a handful at least, one when the limit is 1)
        int enoughSamples = Math.max(Math.min(MIN_SAMPLES, limit), limit / 2);
        boolean enoughDrops = drops >= Math.max(Math.min(MIN_SAMPLES, limit), limit / 4);
        boolean due = (elapsed >= window && samples >= enoughSamples) || elapsed >= maxWindowNanos || enoughDrops;
        if (!due) {
            return limit;
        }
        double share = (double) drops / samples;
        if (successes > 0) {
            long rttNow = successRttSum / successes;
            smoothedRtt = smoothedRtt == 0 ? rttNow : (smoothedRtt * 3 + rttNow) / 4;
        }
        // two standard errors of the share: a window's share differs from another only beyond its noise
        double noise = 2 * Math.sqrt(share * (1 - share) / samples);
        int next = judge(limit, outage(limit) ? 1.0 : share, noise);
        windowStart = now;
        samples = 0;
        drops = 0;
        successes = 0;
        successRttSum = 0;
        toleratedShare *= TOLERANCE_FADE;
        if (next != limit) {
            changedAt = now;
        }
        return next;
    }

    /** Whether the calls started since the window's first drop nearly all dropped (enough of them to say so). */
    private boolean outage(int limit) {
        if (drops < Math.max(OUTAGE_DROPS, limit / 4)) {
            return false;
        }
        int fresh = 0;
        for (int i = 0; i < successes; i++) {
            fresh += successStarts[i] - firstDropStart >= 0 ? 1 : 0;
        }
        return (double) drops / (drops + fresh) >= NEARLY_ALL;
    }

    /**
     * The breaker lets {@code calls} trial calls through: let them go together.
     *
     * @param now the limiter's clock, in nanoseconds
     */
    public synchronized void trial(int calls, long now) {
        int next = Math.min(maxLimit, Math.max(getLimit(), calls));
        if (next != getLimit()) {
            changed(next, now);
        }
    }

    /**
     * The breaker closed: Claude answers again. After an outage the limit goes back to the level
     * that was healthy before it, instead of climbing from one call by slow start.
     *
     * @param now the limiter's clock, in nanoseconds
     */
    public synchronized void recovered(long now) {
        if (!failing) {
            return;
        }
        failing = false;
        int next = Math.min(maxLimit, Math.max(getLimit(), slowStartThreshold));
        if (next != getLimit()) {
            changed(next, now);
        }
    }

    private void changed(int next, long now) {
        setLimit(next);
        changedAt = now;
        windowStart = -1;
        samples = 0;
        drops = 0;
        successes = 0;
        successRttSum = 0;
    }

    private int judge(int limit, double share, double noise) {
        if (share >= NEARLY_ALL) {
            if (!failing) {
                // where to come back to once calls succeed again
                slowStartThreshold = probing ? probeFrom : limit;
                failing = true;
            }
            probing = false;
            // a quarter, not the gentle backoff: calls that meet an outage should be few
            return Math.max(MIN_LIMIT, limit / 4);
        }
        failing = false;
        boolean excess = share > toleratedShare + tolerance + noise;
        if (probing) {
            if (Math.abs(share - probeShare) <= noise) {
                if (probeSteps < PROBE_STEPS) {
                    // the same share one step down may be a full provider's transient: one more step
                    probeSteps++;
                    return decrease(limit);
                }
                // fewer calls did not mean fewer drops, twice: they come whatever we do
                probing = false;
                toleratedShare = Math.max(toleratedShare, share);
                return probeFrom;
            }
            if (share > probeShare) {
                // more drops with fewer calls: not a share that comes regardless (that one stays put)
                // but a provider still full of the calls let in before; keep going down
                probeShare = share;
                return decrease(limit);
            }
            if (!excess) {
                probing = false;
                return grow(limit);
            }
            probeShare = share;
            return decrease(limit);
        }
        if (!excess) {
            return grow(limit);
        }
        probing = true;
        probeFrom = limit;
        probeShare = share;
        probeSteps = 1;
        slowStartThreshold = decrease(limit);
        return decrease(limit);
    }

    private int decrease(int limit) {
        return Math.max(MIN_LIMIT, (int) Math.floor(limit * backoffRatio));
    }

    private int grow(int limit) {
        int next = limit < slowStartThreshold
                ? Math.min(slowStartThreshold, limit * 2)
                : limit + Math.max(1, (int) Math.ceil(limit * GROWTH));
        return Math.min(maxLimit, next);
    }

    /** The drop share tolerated now: the share that came whatever the concurrency, fading. */
    public synchronized double toleratedShare() {
        return toleratedShare;
    }

    @Override
    public String toString() {
        return "ConcurrencyLimit[limit=" + getLimit() + ", ceiling=" + maxLimit + ", window="
                + TimeUnit.NANOSECONDS.toMillis(Math.max(minWindowNanos, smoothedRtt)) + " ms]";
    }
}
