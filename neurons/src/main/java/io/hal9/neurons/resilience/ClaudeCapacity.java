package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limiter.AbstractLimiter;
import com.netflix.concurrency.limits.limiter.AbstractPartitionedLimiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.Futures;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.RateLimits;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much of Claude one layer instance may use right now: a live concurrency limit under the
 * configured ceiling ({@link ConcurrencyLimit} through Netflix's {@code SimpleLimiter}), a pause
 * of every new call while a {@code retry-after} runs, and pacing when the account's rate-limit
 * headers say a bucket is nearly empty.
 *
 * <p><b>How to use:</b> one per layer instance. Before a call, {@link #tryAcquire()}; when it is
 * empty, keep the signal waiting and ask again later (the instance is at its limit, paused or
 * pacing). When the call's future completes, {@link Permit#finished} with its reply or failure:
 * successes grow the limit; 429, 529 and timeouts shrink it (a refused call keeps its place for
 * about one call latency, so refusals cost what calls cost); a {@code retry-after} on a 429 or a
 * 529 pauses the instance's new calls until it passes (the account or Anthropic said when to come
 * back; more calls before then only earn more refusals); cached answers and other failures leave
 * it alone.
 *
 * <p><b>Pacing:</b> the latest response's rate-limit headers ({@code anthropic-ratelimit-requests-*},
 * {@code -input-tokens-*}, {@code -output-tokens-*}, {@code -tokens-*}, on answers and on 429s
 * alike) say what a bucket held when that call was admitted. The room left now is that figure,
 * plus what the bucket refilled since (its per-minute limit, pro rata), minus what every call
 * started after that call, or in flight when it started, may have taken (one request; the tokens
 * a call uses, averaged): the API admits concurrent calls in any order. When the room of a bucket
 * is under {@link CapacitySettings#paceBelowShare()} of its limit, calls start no faster than the
 * bucket refills (its per-minute limit divided by what a call takes, a little under it, 95 %, so
 * the bucket fills back), counted from the last start; pacing stops once the room is twice that
 * share. Counting the calls in flight is what
 * keeps a layer with many calls in flight from sending several into an empty bucket, each
 * earning a 429 while the first one's {@code retry-after} already runs.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class ClaudeCapacity {

    private static final Logger LOG = LoggerFactory.getLogger(ClaudeCapacity.class);

    /** The meters, with the layer tag. */
    public static final String LIMIT_GAUGE = "hal9.claude.concurrency.limit";
    public static final String PAUSED_GAUGE = "hal9.claude.paused";
    public static final String PAUSED_SECONDS = "hal9.claude.paused.seconds";
    public static final String THROTTLED = "hal9.claude.throttled";
    public static final String RATELIMIT_REMAINING = "hal9.claude.ratelimit.remaining";
    public static final String RATELIMIT_LIMIT = "hal9.claude.ratelimit.limit";

    /** The share of a bucket's refill rate calls are paced at. */
    static final double PACE_SHARE_OF_REFILL = 0.95;
    /** The longest a refused call keeps its place (about one call latency). */
    static final Duration MAX_HOLD = Duration.ofSeconds(5);

    /** The rate-limit buckets by their metric tag. */
    private static final Map<String, Function<RateLimits, RateLimits.Bucket>> BUCKETS = new LinkedHashMap<>();

    static {
        BUCKETS.put("requests", RateLimits::requests);
        BUCKETS.put("input_tokens", RateLimits::inputTokens);
        BUCKETS.put("output_tokens", RateLimits::outputTokens);
        BUCKETS.put("tokens", RateLimits::tokens);
    }

    /** How long a 429 without {@code retry-after} pauses the instance. */
    static final Duration DEFAULT_PAUSE = Duration.ofSeconds(1);

    /** Releases the places of refused calls; one daemon thread for the process. */
    private static final ScheduledExecutorService HOLDS = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "hal9-claude-capacity");
        thread.setDaemon(true);
        return thread;
    });

    private final CapacitySettings settings;
    private final LongSupplier nanos;
    private final Limit limit;
    private final AbstractLimiter<String> limiter;
    private final Map<FailureCategory, AtomicLong> throttled = new EnumMap<>(FailureCategory.class);
    private final Set<MeterRegistry> boundTo = ConcurrentHashMap.newKeySet();
    private final AtomicLong pausedNanos = new AtomicLong();
    private final Object pacing = new Object();
    private volatile long pausedUntil;
    private volatile long paceIntervalNanos;
    /** Guarded by {@code pacing}: calls started, when the last one started, and the latest figures' basis. */
    private long starts;
    private long lastStart;
    private Basis basis;
    private volatile RateLimits lastLimits = RateLimits.NONE;
    private volatile long successLatencyNanos;
    private volatile double tokensPerCall;
    private volatile double inputTokensPerCall;
    private volatile double outputTokensPerCall;

    public ClaudeCapacity(CapacitySettings settings) {
        this(settings, System::nanoTime);
    }

    /** @param nanos a monotonic clock in nanoseconds (the limiter's, the windows' and the pause's) */
    public ClaudeCapacity(CapacitySettings settings, LongSupplier nanos) {
        this.settings = settings;
        this.nanos = nanos;
        this.limit = settings.adaptive()
                ? new ConcurrencyLimit(settings.ceiling(), settings.ceiling(), settings.backoffRatio(),
                        settings.tolerance(), settings.minWindow(), CapacitySettings.MAX_WINDOW)
                : FixedLimit.of(settings.ceiling());
        this.limiter = settings.shares().isEmpty()
                ? SimpleLimiter.newBuilder().limit(limit).nanoClock(nanos).build()
                : partitioned(limit, nanos, settings.shares());
        for (FailureCategory category : FailureCategory.values()) {
            if (category.asksForLessConcurrency()) {
                throttled.put(category, new AtomicLong());
            }
        }
        this.pausedUntil = nanos.getAsLong();
    }

    /**
     * Netflix's partitioned limiter on the live limit: while calls in flight are under the limit any
     * partition starts one (borrowing the shares others leave idle); at the limit, only a partition
     * under its share does. The calls of a partition under its share may so take the total above the
     * limit, by at most the shares left idle, until the borrowed calls end.
     */
    private static AbstractLimiter<String> partitioned(Limit limit, LongSupplier nanos, Map<String, Double> shares) {
        final class Partitioned extends AbstractPartitionedLimiter.Builder<Partitioned, String> {
            @Override
            protected Partitioned self() {
                return this;
            }
        }
        Partitioned builder = new Partitioned().limit(limit).nanoClock(nanos).partitionResolver(Function.identity());
        shares.forEach(builder::partition);
        return (AbstractLimiter<String>) builder.build();
    }

    /**
     * A permit for one call, or empty while the instance is at its live limit, paused by a
     * {@code retry-after}, or pacing.
     */
    public Optional<Permit> tryAcquire() {
        return tryAcquire(null);
    }

    /**
     * A permit for one call of {@code partition} (one of {@link CapacitySettings#shares()}), or empty
     * while the instance is at its live limit and the partition at its share, paused by a
     * {@code retry-after}, or pacing.
     */
    public Optional<Permit> tryAcquire(String partition) {
        long now = nanos.getAsLong();
        if (now - pausedUntil < 0) {
            return Optional.empty();
        }
        synchronized (pacing) {
            long interval = basis == null ? 0 : paceIntervalAt(now);
            if (interval > 0 && now - lastStart < interval) {
                return Optional.empty();
            }
            Optional<Limiter.Listener> listener = limiter.acquire(partition);
            if (listener.isEmpty()) {
                return Optional.empty();
            }
            lastStart = now;
            return Optional.of(new Permit(listener.get(), ++starts, Math.max(0, limiter.getInflight() - 1)));
        }
    }

    /**
     * Follows {@code breaker}: when it lets trial calls through, the live limit lets them go
     * together; when it closes after an outage, the limit comes back to its level before the outage
     * instead of climbing from one call (see {@link ConcurrencyLimit}).
     */
    public void follow(CircuitBreaker breaker) {
        if (!(limit instanceof ConcurrencyLimit adaptive)) {
            return;
        }
        int trialCalls = breaker.getCircuitBreakerConfig().getPermittedNumberOfCallsInHalfOpenState();
        breaker.getEventPublisher().onStateTransition(event -> {
            switch (event.getStateTransition().getToState()) {
                case HALF_OPEN -> adaptive.trial(trialCalls, nanos.getAsLong());
                case CLOSED -> adaptive.recovered(nanos.getAsLong());
                default -> {
                    // opening is the limit's own business: its windows have already seen the failures
                }
            }
        });
    }

    /** The live limit of calls in flight. */
    public int limit() {
        return limit.getLimit();
    }

    /** Calls in flight now. */
    public int inFlight() {
        return limiter.getInflight();
    }

    /** True while a {@code retry-after} pauses every new call. */
    public boolean paused() {
        return nanos.getAsLong() - pausedUntil < 0;
    }

    /** How long the current pause still runs (zero when none). */
    public Duration pauseRemaining() {
        long left = pausedUntil - nanos.getAsLong();
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /** The rate-limit figures of the latest response that had them. */
    public RateLimits lastRateLimits() {
        return lastLimits;
    }

    /** Failures that asked for fewer calls, by category (rate limited, overloaded, timeout). */
    public long throttled(FailureCategory category) {
        AtomicLong count = throttled.get(category);
        return count == null ? 0 : count.get();
    }

    /** Total time the instance was paused by {@code retry-after}s. */
    public Duration pausedTime() {
        return Duration.ofNanos(pausedNanos.get());
    }

    /** The time between call starts while pacing, zero when not pacing. */
    public Duration paceInterval() {
        return Duration.ofNanos(paceIntervalNanos);
    }

    /**
     * Publishes the live limit, the pause, throttled calls by reason and the latest rate-limit
     * figures, tagged with {@code layer}; once per registry, however many stages share this capacity.
     */
    public void bindMetrics(MeterRegistry registry, String layer) {
        if (!boundTo.add(registry)) {
            return; // the lanes of a layer share this capacity: its meters are registered once
        }
        Gauge.builder(LIMIT_GAUGE, this, ClaudeCapacity::limit)
                .description("Live limit of Claude calls in flight (adapts under the configured ceiling)")
                .tag("layer", layer).register(registry);
        Gauge.builder(PAUSED_GAUGE, this, c -> c.paused() ? 1 : 0)
                .description("1 while a retry-after pauses every new Claude call of the layer")
                .tag("layer", layer).register(registry);
        FunctionCounter.builder(PAUSED_SECONDS, pausedNanos, n -> n.get() / 1e9)
                .description("Time new Claude calls were paused by retry-after").baseUnit("seconds")
                .tag("layer", layer).register(registry);
        throttled.forEach((category, count) -> FunctionCounter.builder(THROTTLED, count, AtomicLong::get)
                .description("Claude calls that asked for fewer calls: 429, 529, timeouts")
                .tags("layer", layer, "reason", category.name().toLowerCase(Locale.ROOT))
                .register(registry));
        BUCKETS.forEach((bucket, of) -> {
            Gauge.builder(RATELIMIT_REMAINING, this, c -> figure(of.apply(c.lastLimits), RateLimits.Bucket::remaining))
                    .description("What the latest anthropic-ratelimit-*-remaining header said (NaN: not seen)")
                    .tags("layer", layer, "bucket", bucket).register(registry);
            Gauge.builder(RATELIMIT_LIMIT, this, c -> figure(of.apply(c.lastLimits), RateLimits.Bucket::limit))
                    .description("What the latest anthropic-ratelimit-*-limit header said (NaN: not seen)")
                    .tags("layer", layer, "bucket", bucket).register(registry);
        });
    }

    private static double figure(RateLimits.Bucket bucket, ToLongFunction<RateLimits.Bucket> value) {
        return bucket == null ? Double.NaN : value.applyAsLong(bucket);
    }

    private void pause(Duration retryAfter, FailureCategory category) {
        long now = nanos.getAsLong();
        long until = now + retryAfter.toNanos();
        long before;
        synchronized (pacing) {
            before = pausedUntil;
            if (until - before <= 0) {
                return;
            }
            pausedUntil = until;
        }
        long from = now - before > 0 ? now : before;
        pausedNanos.addAndGet(until - from);
        if (now - before >= 0) {
            LOG.info("Claude {}: new calls of this instance wait {} ms (retry-after)", describe(category),
                    retryAfter.toMillis());
        }
    }

    private static String describe(FailureCategory category) {
        return category == FailureCategory.RATE_LIMITED ? "rate-limited the account (429)"
                : category == FailureCategory.OVERLOADED ? "is overloaded (529)" : "asked to wait";
    }

    /** Learns a call's token use from its answer. */
    private void measure(NeuronReply reply) {
        long input = reply.inputTokens();
        long output = reply.outputTokens();
        inputTokensPerCall = average(inputTokensPerCall, input);
        outputTokensPerCall = average(outputTokensPerCall, output);
        tokensPerCall = average(tokensPerCall, input + output);
    }

    /**
     * Takes the rate-limit figures of {@code permit}'s response as the basis of the room left.
     * The calls started after it are not in those figures, and neither may be the calls that were
     * in flight when it started: the API admits concurrent calls in any order, and one started
     * earlier may have been admitted later (and finished since). A call that had finished before
     * it started was admitted before it.
     */
    private void observe(RateLimits limits, Permit permit) {
        if (!limits.known()) {
            return;
        }
        lastLimits = limits;
        long now = nanos.getAsLong();
        synchronized (pacing) {
            long unseen = starts - permit.sequence + permit.othersInFlight;
            basis = new Basis(limits, now, starts, unseen);
            paceIntervalAt(now);
        }
    }

    /**
     * The time between call starts the buckets' room allows now, zero when every bucket has room;
     * logs when pacing starts or stops. Call holding {@code pacing}.
     */
    private long paceIntervalAt(long now) {
        boolean wasPacing = paceIntervalNanos > 0;
        double startBelow = wasPacing ? 2 * settings.paceBelowShare() : settings.paceBelowShare();
        long callsSince = basis.unseenCalls() + starts - basis.starts();
        double minutes = (double) (now - basis.at()) / TimeUnit.MINUTES.toNanos(1);
        RateLimits limits = basis.limits();
        long interval = Math.max(
                Math.max(interval(limits.requests(), 1, callsSince, minutes, startBelow),
                        interval(limits.tokens(), tokensPerCall, callsSince, minutes, startBelow)),
                Math.max(interval(limits.inputTokens(), inputTokensPerCall, callsSince, minutes, startBelow),
                        interval(limits.outputTokens(), outputTokensPerCall, callsSince, minutes, startBelow)));
        if ((interval > 0) != wasPacing) {
            LOG.info(interval > 0 ? "Claude rate-limit bucket nearly empty: pacing calls every {} ms"
                    : "Claude rate-limit buckets have room again: no pacing{}", interval > 0
                    ? TimeUnit.NANOSECONDS.toMillis(interval) : "");
        }
        paceIntervalNanos = interval;
        return interval;
    }

    /**
     * The time between calls that {@code bucket} refills for when its room is under
     * {@code startBelow} of its limit; else 0.
     *
     * @param perCall    what one call takes from the bucket
     * @param callsSince calls that may have taken from it since its figures were written
     * @param minutes    time since then, for the refill
     */
    private static long interval(RateLimits.Bucket bucket, double perCall, long callsSince, double minutes,
            double startBelow) {
        if (bucket == null || bucket.limit() <= 0 || perCall <= 0) {
            return 0;
        }
        double room = Math.min(bucket.limit(), bucket.remaining() + minutes * bucket.limit()) - callsSince * perCall;
        if (room >= startBelow * bucket.limit()) {
            return 0;
        }
        // a little under the refill rate, so the bucket fills back instead of grazing empty
        double callsPerMinute = PACE_SHARE_OF_REFILL * bucket.limit() / perCall;
        return (long) (TimeUnit.MINUTES.toNanos(1) / callsPerMinute);
    }

    private static double average(double current, long sample) {
        return current == 0 ? sample : current * 0.9 + sample * 0.1;
    }

    /**
     * Rate-limit figures and what they cannot include yet.
     *
     * @param limits      the figures of one response
     * @param at          when that response arrived
     * @param starts      calls started by then
     * @param unseenCalls of those, the calls the figures may not count
     */
    private record Basis(RateLimits limits, long at, long starts, long unseenCalls) {
    }

    /** One call's place under the limit; finish it exactly once. */
    public final class Permit {

        private final Limiter.Listener listener;
        private final long sequence;
        private final int othersInFlight;
        private final long acquired = nanos.getAsLong();

        private Permit(Limiter.Listener listener, long sequence, int othersInFlight) {
            this.listener = listener;
            this.sequence = sequence;
            this.othersInFlight = othersInFlight;
        }

        /**
         * A refused call keeps its place until about one call latency after it started, as if it
         * had been answered: refusals come back in milliseconds, and a place freed at once would go
         * to the next call, which would be refused too, hundreds of times a second.
         */
        private void dropped() {
            long hold = Math.min(successLatencyNanos, MAX_HOLD.toNanos()) - (nanos.getAsLong() - acquired);
            if (hold <= TimeUnit.MILLISECONDS.toNanos(1)) {
                listener.onDropped();
                return;
            }
            HOLDS.schedule(listener::onDropped, hold, TimeUnit.NANOSECONDS);
        }

        /**
         * The call's future completed: grows or shrinks the live limit, pauses on a
         * {@code retry-after}, reads the rate-limit headers.
         *
         * @param reply   the answer, or null when the call failed
         * @param failure the failure, or null when it answered
         */
        public void finished(NeuronReply reply, Throwable failure) {
            if (failure == null) {
                if (reply == null || reply.cached()) {
                    listener.onIgnore();
                    return;
                }
                // the figures first, the place after: no call may start on the old figures in between
                measure(reply);
                observe(reply.rateLimits(), this);
                listener.onSuccess();
                long latency = TimeUnit.MILLISECONDS.toNanos(reply.latencyMs());
                successLatencyNanos = successLatencyNanos == 0 ? latency : (successLatencyNanos * 7 + latency) / 8;
                return;
            }
            if (Futures.unwrap(failure) instanceof NeuronException ne && ne.category().asksForLessConcurrency()) {
                observe(ne.rateLimits(), this);
                dropped();
                throttled.get(ne.category()).incrementAndGet();
                if (ne.category() != FailureCategory.TIMEOUT) {
                    Optional<Duration> retryAfter = ne.retryAfter().filter(d -> !d.isNegative() && !d.isZero());
                    if (retryAfter.isPresent() || ne.category() == FailureCategory.RATE_LIMITED) {
                        pause(retryAfter.orElse(DEFAULT_PAUSE), ne.category());
                    }
                }
                return;
            }
            listener.onIgnore();
        }

        /** The call was not made after all. */
        public void cancelled() {
            listener.onIgnore();
        }
    }
}
