package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import com.netflix.concurrency.limits.limit.AbstractLimit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *       outage), then by 5 % per window — but by one call per window from 85 % of the level where
 *       a probe last found the drops were ours, since every window above that level has calls
 *       refused; once past it without drops, the provider takes more and 5 % growth resumes;</li>
 *   <li><b>Excess drops</b>: decrease by {@code backoffRatio} and remember that this is a probe.
 *       The probe is judged on a <em>settled</em> window, one whose calls all started at least a
 *       latency after the decrease: calls started sooner meet a provider still full of the larger
 *       limit's calls and are refused whatever the new limit. If the share fell to (nearly)
 *       nothing, the drops were ours (a provider capacity, an account limit): that level is
 *       remembered for the gentle growth above. If it stayed the same (within the window's
 *       noise) while the answers per second fell with the limit, the drops come whatever we do
 *       (Anthropic rejecting a share of every account's calls): restore the limit and tolerate
 *       that share from now on. If the share stayed but the answers per second did not fall
 *       (more than half the cut's worth), fewer calls cost nothing: the provider serves a fixed
 *       number and the drops were ours, keep decreasing. If the share rose, keep decreasing. The
 *       tolerated share fades by 1 % per window, so a lasting change is probed again;</li>
 *   <li><b>Nearly everything fails</b> ({@code s} ≥ 0.95, or a quarter of the limit (16 at least)
 *       in drops and 95 % of the calls started since the window's first dropped call dropped: when
 *       an outage begins, the window also holds the answers of calls started before it; not for
 *       drops of calls started within a latency after a decrease, see above): down to a quarter,
 *       never tolerated. An outage is the breaker's business; this only keeps the calls that meet
 *       it few.</li>
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

    private static final Logger LOG = LoggerFactory.getLogger(ConcurrencyLimit.class);

    /** A drop share at or above this is an outage-like window: always a decrease. */
    static final double NEARLY_ALL = 0.95;
    /** Growth above the slow-start threshold, per healthy window. */
    static final double GROWTH = 0.05;
    /** How much of the tolerated share is kept per window. */
    static final double TOLERANCE_FADE = 0.99;
    /** Near the limit where our own drops were last found, growth is one call per window. */
    static final double NEAR_DROP_LEVEL = 0.85;
    /**
     * A probe's smaller limit that keeps at least this share of the answers per second the larger
     * one had did not cost anything: the drops were ours (a provider serving a fixed number of
     * calls). Half-way between 1 and a 0.75 backoff, the answer rate a share of refusals that
     * comes regardless would keep.
     */
    static final double GOODPUT_KEPT = 0.875;
    /** Answer end times kept for the answer rate (a power of two). */
    static final int ANSWER_TIMES = 8192;
    /** Fewest answers in a latency for the answer rate to be compared. */
    static final int MIN_RATE_SAMPLES = 10;
    /** The live limit never goes below one call. */
    static final int MIN_LIMIT = 1;
    /** Fewest samples for a window to be judged (unless its longest time passed). */
    static final int MIN_SAMPLES = 5;
    /** Fewest drops (and at least a quarter of the limit) for the calls started since the drops began to say "outage". */
    static final int OUTAGE_DROPS = 16;
    /** Most calls of a run of dropping windows kept to judge an outage (the earliest say enough). */
    static final int MAX_RUN_CALLS = 8192;

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
    /** Start times of the window's successes and drops, and the earliest start of its drops. */
    private long[] successStarts = new long[64];
    private long[] dropStarts = new long[64];
    private long firstDropStart;
    /** Drops of the window that came back in less than half a call latency (refused at once), or before one was known. */
    private int fastDrops;
    /**
     * Since when windows keep dropping beyond the tolerated share (-1: they do not), and the start
     * times of the calls started since, as they end: whether those nearly all fail says "outage".
     */
    private long runStart = -1;
    private long[] runSuccessStarts = new long[64];
    private int runSuccesses;
    private long[] runDropStarts = new long[64];
    private int runDrops;
    private long earliestStart;
    /** Until when calls started may still meet the previous, larger limit's calls at the provider. */
    private long settleUntil;
    private long smoothedRtt;
    private boolean probing;
    private boolean failing;
    private int probeFrom;
    private double probeShare;
    private double probeRate;
    /** When the latest answers ended (a ring of the last {@link #ANSWER_TIMES}), for the answer rate. */
    private final long[] answerTimes = new long[ANSWER_TIMES];
    private long answerCount;
    /** The limit at which the last probe found the drops were ours (none known: the ceiling). */
    private int dropLevel = Integer.MAX_VALUE;
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
        if (!didDrop) {
            // the answers the provider gives now, whatever limit their calls started under
            answerTimes[(int) (answerCount++ & (ANSWER_TIMES - 1))] = now;
        }
        if (runStart >= 0 && startTime - runStart >= 0) {
            // every call started since the drops began counts, whatever limit it started under
            addToRun(startTime, didDrop);
        }
        if (changedAt != 0 && startTime - changedAt < 0) {
            // a call started before the last change says how the old limit fared, not the new one
            return getLimit();
        }
        if (windowStart < 0) {
            windowStart = now;
        }
        if (samples == 0 || startTime - earliestStart < 0) {
            earliestStart = startTime;
        }
        samples++;
        if (didDrop) {
            if (drops == 0 || startTime - firstDropStart < 0) {
                firstDropStart = startTime;
            }
            dropStarts = append(dropStarts, drops++, startTime);
            // with no latency known yet, a drop cannot be told slow
            fastDrops += smoothedRtt == 0 || rtt < smoothedRtt / 2 ? 1 : 0;
        } else {
            successStarts = append(successStarts, successes++, startTime);
            successRttSum += rtt;
        }
        int limit = getLimit();
        long elapsed = now - windowStart;
        long window = latency();
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
        double rate = answerRate(now);
        boolean settled = earliestStart - settleUntil >= 0;
        followRun(share);
        // Drops that take a call's latency say as much as the answers of calls started with them:
        // judge the window. Drops that come back at once do not (the calls started with them that
        // were served answer a latency later): judge the calls started since the drops began
        // that had that latency to answer.
        boolean outage = fastDrops == 0 ? share >= NEARLY_ALL || freshCallsDropped(limit) : outage(limit, now);
        int next = judge(limit, share, outage, noise, rate, now, settled);
        if (LOG.isDebugEnabled()) {
            LOG.debug("window of {} calls, {} dropped, {} at once (share {}, noise {}, tolerated {}), {} answers/s{}: limit {} -> {}",
                    samples, drops, fastDrops, String.format("%.3f", share), String.format("%.3f", noise),
                    String.format("%.3f", toleratedShare), Double.isNaN(rate) ? "?" : String.format("%.0f", rate),
                    settled ? "" : " (not settled)", limit, next);
        }
        windowStart = now;
        samples = 0;
        drops = 0;
        fastDrops = 0;
        successes = 0;
        successRttSum = 0;
        toleratedShare *= TOLERANCE_FADE;
        if (next != limit) {
            changedAt = now;
        }
        if (next < limit && !failing) {
            // the larger limit's calls may hold the provider for one more latency
            settleUntil = now + latency();
        }
        return next;
    }

    /**
     * Whether the calls started since the window's drops began nearly all dropped (enough of them
     * to say so). "Began" is the start of its drop at the tenth percentile, not of its first: around
     * the moment an outage begins, calls started a little earlier may reach the API a little later
     * and the other way round, so a few answers of calls started after the first refused one are
     * no sign that Claude still answers.
     */
    private boolean freshCallsDropped(int limit) {
        if (drops < Math.max(OUTAGE_DROPS, limit / 4)) {
            return false;
        }
        long[] starts = Arrays.copyOf(dropStarts, drops);
        Arrays.sort(starts);
        long began = starts[drops / 10];
        int dropped = drops - drops / 10;
        int fresh = 0;
        for (int i = 0; i < successes; i++) {
            fresh += successStarts[i] - began >= 0 ? 1 : 0;
        }
        return (double) dropped / (dropped + fresh) >= NEARLY_ALL;
    }

    /** Starts, goes on with or ends the run of windows whose drops exceed the tolerated share. */
    private void followRun(double share) {
        if (drops == 0 || share <= toleratedShare + tolerance) {
            runStart = -1;
            runDrops = 0;
            runSuccesses = 0;
            return;
        }
        if (runStart >= 0) {
            return;
        }
        runStart = firstDropStart;
        for (int i = 0; i < drops; i++) {
            addToRun(dropStarts[i], true);
        }
        for (int i = 0; i < successes; i++) {
            if (successStarts[i] - runStart >= 0) {
                addToRun(successStarts[i], false);
            }
        }
    }

    private void addToRun(long startTime, boolean dropped) {
        if (runDrops + runSuccesses >= MAX_RUN_CALLS) {
            return;
        }
        if (dropped) {
            runDropStarts = append(runDropStarts, runDrops++, startTime);
        } else {
            runSuccessStarts = append(runSuccessStarts, runSuccesses++, startTime);
        }
    }

    /** {@code array} with {@code value} at {@code size}, grown (doubled) when full. */
    private static long[] append(long[] array, int size, long value) {
        long[] into = size == array.length ? Arrays.copyOf(array, size * 2) : array;
        into[size] = value;
        return into;
    }

    /**
     * Whether the calls started since the drops began, early enough to have been answered by now
     * (a latency ago), nearly all dropped, and enough of them to say so. Calls started later are
     * left out: a provider that refuses the calls beyond its capacity refuses at once, while the
     * calls it serves answer a latency later, so the latest calls would all look refused.
     */
    private boolean outage(int limit, long now) {
        if (runStart < 0) {
            return false;
        }
        long answeredBy = now - latency();
        int dropped = 0;
        for (int i = 0; i < runDrops; i++) {
            dropped += runDropStarts[i] - answeredBy <= 0 ? 1 : 0;
        }
        if (dropped < Math.max(OUTAGE_DROPS, limit / 4)) {
            return false;
        }
        int answered = 0;
        for (int i = 0; i < runSuccesses; i++) {
            answered += runSuccessStarts[i] - answeredBy <= 0 ? 1 : 0;
        }
        return (double) dropped / (dropped + answered) >= NEARLY_ALL;
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
        if (!failing && runStart < 0) {
            return;
        }
        // an outage, or a run of refusals not yet judged one (refusals that come back at once are
        // judged a latency late): either way the breaker opened on it, and its trial calls say it ended
        int level = failing || !probing ? slowStartThreshold : probeFrom;
        failing = false;
        probing = false;
        runStart = -1;
        runDrops = 0;
        runSuccesses = 0;
        int next = Math.min(maxLimit, Math.max(getLimit(), level));
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
        fastDrops = 0;
        successes = 0;
        successRttSum = 0;
    }

    /** One call latency as the law uses it: the smoothed latency of answers, within the window bounds. */
    private long latency() {
        return Math.min(maxWindowNanos, Math.max(minWindowNanos, smoothedRtt));
    }

    /**
     * Answers per second over the last call latency, or NaN with too few to say. Over a whole
     * latency, not a window: answers come in bursts (calls started together end together), and a
     * window closed early on drops may hold one burst or none.
     */
    private double answerRate(long now) {
        long span = latency();
        int count = 0;
        for (int i = 0, n = (int) Math.min(answerCount, ANSWER_TIMES); i < n; i++) {
            long age = now - answerTimes[i];
            count += age >= 0 && age < span ? 1 : 0;
        }
        return count >= MIN_RATE_SAMPLES ? count * 1e9 / span : Double.NaN;
    }

    private int judge(int limit, double share, boolean outage, double noise, double rate, long now, boolean settled) {
        if (outage) {
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
            if (!settled) {
                // calls that met the larger limit's calls at the provider say little of the new
                // one: wait for a window without them, unless (nearly) all calls are refused, which
                // may be an outage beginning: then each refused window is one more step down meanwhile
                return share >= NEARLY_ALL ? decrease(limit) : limit;
            }
            if (Math.abs(share - probeShare) <= noise) {
                if (now - settleUntil < latency()) {
                    // the answer rate is taken over a latency: wait until that latency holds only
                    // answers of calls started under the new limit
                    return limit;
                }
                if (rate >= probeRate * GOODPUT_KEPT) {
                    // fewer calls, as many answers: the provider serves a fixed number, the drops were ours
                    probeRate = rate;
                    return decrease(limit);
                }
                // fewer calls, as many drops and fewer answers: they come whatever we do
                probing = false;
                toleratedShare = Math.max(toleratedShare, share);
                return probeFrom;
            }
            if (share > probeShare) {
                // more drops with fewer calls: not a share that comes regardless (that one stays put)
                // but a provider still full of the calls let in before; keep going down
                probeShare = share;
                probeRate = Double.isNaN(rate) ? probeRate : rate;
                return decrease(limit);
            }
            if (!excess) {
                probing = false;
                if (share <= tolerance + noise) {
                    // fewer calls, (nearly) no drops: they were ours; grow gently when near that level again.
                    // A share that only fell back to the one tolerated is a noisy window's, not a level's
                    dropLevel = probeFrom;
                    slowStartThreshold = limit;
                }
                return grow(limit);
            }
            probeShare = share;
            probeRate = Double.isNaN(rate) ? probeRate : rate;
            return decrease(limit);
        }
        if (!excess) {
            return grow(limit);
        }
        probing = true;
        probeFrom = limit;
        probeShare = share;
        // the answers per second over the latency before the decrease
        probeRate = rate;
        slowStartThreshold = decrease(limit);
        return decrease(limit);
    }

    private int decrease(int limit) {
        return Math.max(MIN_LIMIT, (int) Math.floor(limit * backoffRatio));
    }

    private int grow(int limit) {
        int next;
        if (limit < slowStartThreshold) {
            next = Math.min(slowStartThreshold, limit * 2);
        } else if (limit >= dropLevel * NEAR_DROP_LEVEL) {
            // near the level where our own calls were refused: find it again one call at a time,
            // every window above it refuses calls
            next = limit + 1;
        } else {
            next = limit + Math.max(1, (int) Math.ceil(limit * GROWTH));
        }
        if (next > dropLevel) {
            // past it without drops: the provider takes more now
            dropLevel = Integer.MAX_VALUE;
        }
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
