package io.hal9.neurons.resilience;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.IllegalStateTransitionException;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.Futures;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NeuronClient} that stops calling Claude while Claude is down, with a resilience4j
 * {@link CircuitBreaker} around every call.
 *
 * <p><b>How to use:</b> one per layer, directly around the layer's {@link ClaudeNeuronClient}, under
 * its {@link CachedNeuronClient}. The order of decoration is
 * <b>{@link CachedNeuronClient} → BreakerNeuronClient → {@link ClaudeNeuronClient}</b>: the cache is
 * consulted before the breaker, so cached answers are served while the breaker is open, and only
 * real calls are judged by it. Call {@link #bindMetrics} once to publish its meters.
 *
 * <p><b>Behaviour:</b> it is for outages, not for a busy or degraded API (rate limits and overload
 * are the call budget's business). The breaker {@code <layer lower-case>-claude} opens on either of
 * the two rules of {@link BreakerSettings}: a high failure rate over a time window holding enough
 * calls for a rate to mean something (resilience4j's rule), or calls failing with no success for a
 * few seconds ({@link NoSuccessRule}, which resilience4j cannot express). While open, {@link #ask}
 * makes no call and fails at once with {@link FailureCategory#UNAVAILABLE}, whose
 * {@link NeuronException#retryAfter()} says how long until trial calls are let through (the rest of
 * this opening; up to 1 s while half-open with every trial slot taken, since a trial may finish any
 * moment). The first opening is short ({@link BreakerSettings#openDuration()}); it half-opens by itself
 * (no call needed to notice) and lets {@link BreakerSettings#halfOpenCalls()} trial calls through;
 * while they fail each opening lasts longer (resilience4j's {@code waitIntervalFunctionInOpenState}
 * with an exponential backoff, up to {@link BreakerSettings#maxOpenDuration()}); once they succeed it
 * closes and the backoff starts over.
 *
 * <p><b>What counts:</b> only failures whose {@link FailureCategory#countsAgainstBreaker()} (other
 * 5xx and I/O {@code TRANSIENT}, {@code TIMEOUT}) are recorded as failures. Overload
 * ({@code OVERLOADED} 529) feeds only the no-success rule: a share of 529s is load, which the
 * layer's live concurrency limit answers, but no success at all while only 529s come back is an
 * outage. Rate limits ({@code RATE_LIMITED} 429: a {@code retry-after} pauses the layer instead),
 * our own mistakes
 * ({@code CLIENT_ERROR} 400/404/422, {@code AUTH} 401/403) and {@code UNKNOWN} are <i>ignored</i>
 * exceptions: they neither count as failures nor as successes, and resilience4j releases the
 * permission they held (so a bad request during half-open does not use up a trial slot). Slow calls
 * never open it: the slow-call threshold is set to a day, far above any call timeout, and the
 * slow-call rate threshold to 100 %. Timeouts are counted apart from API errors in
 * {@link #timeouts()} ({@code hal9.claude.timeouts}).
 *
 * <p><b>Says why:</b> {@link #lastFailure()} is the last failed call of any category (category,
 * message free of the key, retry-after); the log line of each opening names the rule that fired and
 * the last failure that counted.
 *
 * <p><b>Non-blocking:</b> {@link #ask} asks {@code tryAcquirePermission()} (never waits), starts the
 * delegate's call, and reports its outcome with {@code onSuccess}/{@code onError} and the measured
 * duration when the call's future completes, on whatever thread completes it.
 *
 * <p><b>Current limitations:</b> one breaker per instance: pods learn of an outage each on its
 * own. A delegate future that never completes holds its permission (the Claude client's timeout
 * bounds that). At the start of a busy layer against an API that fails part of the time, errors come
 * back before the (slower) answers, so the first window can look like an outage: the breaker may open
 * once, for {@link BreakerSettings#openDuration()}, and its trial calls close it. {@link #close()}
 * does <b>not</b> close the delegate, which is shared and closed by its owner.
 */
public final class BreakerNeuronClient implements NeuronClient {

    private static final Logger LOG = LoggerFactory.getLogger(BreakerNeuronClient.class);

    /** Gauge: 1 while the breaker is open (OPEN or FORCED_OPEN), else 0; tag {@code layer}. */
    public static final String OPEN_GAUGE = "hal9.circuit.breaker.open";
    /** Counter: calls that failed with {@link FailureCategory#TIMEOUT}; tag {@code layer}. */
    public static final String TIMEOUTS_COUNTER = "hal9.claude.timeouts";
    /** A call slower than this would count as slow: far above any call timeout, so none does. */
    static final Duration SLOW_CALL_THRESHOLD = Duration.ofDays(1);
    /**
     * The longest {@code retryAfter} while half-open with every trial slot taken; it is half a
     * recent answer's time when that is shorter: the trial calls decide in about one answer's
     * time, and signals that come back a second later leave the layer idle after Claude is back.
     */
    static final Duration HALF_OPEN_RETRY_AFTER = Duration.ofSeconds(1);
    /** The shortest {@code retryAfter} given, so a caller never spins. */
    static final Duration MIN_RETRY_AFTER = Duration.ofMillis(10);

    /**
     * A failed call, as {@code /health}, the doctor and the demo report it.
     *
     * @param category   why it failed
     * @param message    what happened, free of the API key (as {@link NeuronException} messages are)
     * @param retryAfter the wait Claude asked for, if any
     * @param at         when it failed
     */
    public record LastFailure(FailureCategory category, String message, Optional<Duration> retryAfter, Instant at) {

        /** E.g. {@code TRANSIENT: I/O failure calling Claude: cannot resolve api.anthropic.com}. */
        public String describe() {
            return category + ": " + message + retryAfter.map(d -> ", retry-after " + seconds(d)).orElse("");
        }

        static LastFailure of(Throwable failure, Instant at) {
            if (failure instanceof NeuronException neuron) {
                return new LastFailure(neuron.category(), neuron.getMessage(), neuron.retryAfter(), at);
            }
            // not classified by the Claude client: its message is not known to be free of secrets
            return new LastFailure(FailureCategory.UNKNOWN, failure.getClass().getSimpleName(), Optional.empty(), at);
        }
    }

    private final NeuronClient delegate;
    private final BreakerSettings settings;
    private final String layer;
    private final Clock clock;
    private final CircuitBreakerRegistry breakers;
    private final CircuitBreaker breaker;
    private final NoSuccessRule noSuccess;
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicReference<LastFailure> lastFailure = new AtomicReference<>();
    private final AtomicReference<LastFailure> lastCountedFailure = new AtomicReference<>();
    /** Why the no-success rule is opening the breaker, read by the transition's log line. */
    private final AtomicReference<String> openingBecause = new AtomicReference<>();
    /** The wait resilience4j asked for when it last built its open state (see {@link #openBackoff}). */
    private final AtomicReference<Duration> currentOpenDuration;
    /** {@link Clock#millis()} when the breaker last opened; {@link Long#MIN_VALUE} before it ever did. */
    private final AtomicLong openedAtMillis = new AtomicLong(Long.MIN_VALUE);

    /**
     * @param delegate what makes the calls (normally a {@link ClaudeNeuronClient}); not closed by this client
     * @param settings when to open and for how long
     * @param layer    the layer this breaker guards, e.g. {@code L3}: names the breaker {@code l3-claude}
     */
    public BreakerNeuronClient(NeuronClient delegate, BreakerSettings settings, String layer) {
        this(delegate, settings, layer, Clock.systemUTC(), true);
    }

    /**
     * With a clock of the caller's (for tests). With {@code automaticHalfOpen} false the breaker
     * half-opens only when asked after its wait (resilience4j's scheduler runs on real time, not on
     * {@code clock}).
     */
    BreakerNeuronClient(NeuronClient delegate, BreakerSettings settings, String layer, Clock clock,
            boolean automaticHalfOpen) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.layer = Objects.requireNonNull(layer, "layer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.noSuccess = new NoSuccessRule(settings.noSuccess(), settings.noSuccessFailures());
        this.currentOpenDuration = new AtomicReference<>(settings.openDuration());
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindow((int) settings.window().getSeconds(), settings.minimumCalls(),
                        SlidingWindowType.TIME_BASED)
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRatePercent())
                .waitIntervalFunctionInOpenState(openBackoff())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(automaticHalfOpen)
                .slowCallRateThreshold(100f)
                .slowCallDurationThreshold(SLOW_CALL_THRESHOLD)
                .recordException(this::recorded)
                .ignoreException(failure -> !recorded(failure))
                .writableStackTraceEnabled(false)
                .clock(clock)
                .build();
        this.breakers = CircuitBreakerRegistry.of(config);
        this.breaker = breakers.circuitBreaker(breakerName(layer), Map.of("layer", layer));
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State from = event.getStateTransition().getFromState();
            CircuitBreaker.State to = event.getStateTransition().getToState();
            noSuccess.reset();
            if (to == CircuitBreaker.State.OPEN) {
                openedAtMillis.set(clock.millis());
                LOG.warn("layer {}: Claude breaker opened ({}); last failure {}; signals wait, trial calls in {}",
                        layer, openReason(from), Optional.ofNullable(lastCountedFailure.get())
                                .map(LastFailure::describe).orElse("unknown"),
                        seconds(currentOpenDuration.get()));
            } else {
                LOG.info("layer {}: Claude breaker {}", layer, to);
            }
        });
    }

    /**
     * resilience4j's exponential backoff for the open state (attempt 1 = the first opening after
     * closed), remembering each wait it hands out: resilience4j asks for it when it enters OPEN and
     * keeps it to itself, and {@link #ask} needs it to tell callers how long to wait.
     */
    private IntervalFunction openBackoff() {
        IntervalFunction backoff = IntervalFunction.ofExponentialBackoff(settings.openDuration(),
                settings.openBackoffMultiplier(), settings.maxOpenDuration());
        return attempt -> {
            long millis = backoff.apply(attempt);
            currentOpenDuration.set(Duration.ofMillis(millis));
            return millis;
        };
    }

    private String openReason(CircuitBreaker.State from) {
        String byRule = openingBecause.getAndSet(null);
        if (byRule != null) {
            return byRule;
        }
        CircuitBreaker.Metrics metrics = breaker.getMetrics();
        if (from == CircuitBreaker.State.HALF_OPEN) {
            return String.format("%d of %d trial calls failed", metrics.getNumberOfFailedCalls(),
                    metrics.getNumberOfBufferedCalls());
        }
        return String.format("%d%% of %d calls in %d s failed", Math.round(metrics.getFailureRate()),
                metrics.getNumberOfBufferedCalls(), settings.window().toSeconds());
    }

    /** {@code 12 s}, {@code 1.5 s}. */
    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /** {@code <layer lower-case>-claude}. */
    static String breakerName(String layer) {
        return layer.toLowerCase(Locale.ROOT) + "-claude";
    }

    /**
     * What the breaker records as a failure: what counts against it, and, while trial calls decide
     * (half-open), a 529 too: an ignored trial neither closes nor reopens the breaker, so trial
     * calls against an Anthropic that refuses everything would go on without end.
     */
    private boolean recorded(Throwable failure) {
        if (countsAgainstBreaker(failure)) {
            return true;
        }
        return overloaded(failure) && breaker != null && breaker.getState() == CircuitBreaker.State.HALF_OPEN;
    }

    private static boolean overloaded(Throwable failure) {
        return Futures.unwrap(failure) instanceof NeuronException neuron
                && neuron.category() == FailureCategory.OVERLOADED;
    }

    private static boolean countsAgainstBreaker(Throwable failure) {
        return Futures.unwrap(failure) instanceof NeuronException neuron && neuron.category().countsAgainstBreaker();
    }

    @Override
    public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
        Objects.requireNonNull(request, "request");
        if (!breaker.tryAcquirePermission()) {
            return CompletableFuture.failedFuture(unavailable());
        }
        long started = clock.millis();
        CompletableFuture<NeuronReply> call;
        try {
            call = delegate.ask(request);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<NeuronReply> result = new CompletableFuture<>();
        call.whenComplete((reply, failure) -> {
            long now = clock.millis();
            long millis = Math.max(now - started, 0);
            if (failure == null) {
                noSuccess.success(millis);
                breaker.onSuccess(millis, TimeUnit.MILLISECONDS);
                result.complete(reply);
                return;
            }
            Throwable cause = Futures.unwrap(failure);
            if (cause instanceof NeuronException neuron && neuron.category() == FailureCategory.TIMEOUT) {
                timeouts.incrementAndGet();
            }
            LastFailure noted = LastFailure.of(cause, Instant.ofEpochMilli(now));
            lastFailure.set(noted);
            // what may say Claude is down: failures that count, and 529s (a share of them is load, but no
            // success at all while only 529s come back is an outage, which the no-success rule notices)
            boolean outageSign = countsAgainstBreaker(cause) || overloaded(cause);
            if (outageSign) {
                lastCountedFailure.set(noted); // before onError: its transition's log line names it
            }
            breaker.onError(millis, TimeUnit.MILLISECONDS, cause); // recorded or ignored, as recorded() says
            if (outageSign) {
                noSuccess.failure(now).ifPresent(this::openBecause);
            }
            result.completeExceptionally(cause);
        });
        return result;
    }

    /** Opens a closed breaker by the no-success rule; any other state has its own course already. */
    private void openBecause(String reason) {
        if (breaker.getState() != CircuitBreaker.State.CLOSED) {
            return;
        }
        openingBecause.set(reason);
        try {
            breaker.transitionToOpenState();
        } catch (IllegalStateTransitionException e) {
            // another thread moved it first (opened by the rate rule, or a racing failure)
            openingBecause.compareAndSet(reason, null);
        }
    }

    private NeuronException unavailable() {
        CircuitBreaker.State state = breaker.getState();
        Duration retryAfter = retryAfter(state);
        return new NeuronException(FailureCategory.UNAVAILABLE, 0, "circuit breaker " + breaker.getName() + " is "
                + state + ": no call made; trial calls in about " + retryAfter.toMillis() + " ms"
                + Optional.ofNullable(lastCountedFailure.get()).map(f -> "; last failure " + f.describe()).orElse(""),
                retryAfter, null);
    }

    /** How long until the breaker lets trial calls through, as far as it can be known. */
    private Duration retryAfter(CircuitBreaker.State state) {
        Duration open = currentOpenDuration.get();
        if (state == CircuitBreaker.State.HALF_OPEN) {
            long answerMillis = noSuccess.typicalSuccessMillis();
            Duration halfAnAnswer = answerMillis == 0 ? HALF_OPEN_RETRY_AFTER
                    : Duration.ofMillis(Math.max(MIN_RETRY_AFTER.toMillis(), answerMillis / 2));
            return min(open, min(HALF_OPEN_RETRY_AFTER, halfAnAnswer));
        }
        long openedAt = openedAtMillis.get();
        if (state != CircuitBreaker.State.OPEN || openedAt == Long.MIN_VALUE) {
            return open;
        }
        // A stale openedAt (the transition event not published yet) gives a short wait, after which the
        // caller asks again and learns the right one.
        Duration remaining = open.minusMillis(clock.millis() - openedAt);
        return remaining.compareTo(MIN_RETRY_AFTER) < 0 ? MIN_RETRY_AFTER : min(remaining, open);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The last call that failed, of any category (a 429 or a 400 too), if one did; never a call the
     * open breaker refused.
     */
    public Optional<LastFailure> lastFailure() {
        return Optional.ofNullable(lastFailure.get());
    }

    /** The last failure that counted against the breaker (5xx, I/O, timeout), if one did. */
    public Optional<LastFailure> lastCountedFailure() {
        return Optional.ofNullable(lastCountedFailure.get());
    }

    /** How long the current (or, when closed, the last) opening lasts before trial calls. */
    public Duration openDuration() {
        return currentOpenDuration.get();
    }

    /** Calls started by the delegate; asks refused while open start none. */
    @Override
    public long requestCount() {
        return delegate.requestCount();
    }

    /** The breaker's state now. */
    public CircuitBreaker.State state() {
        return breaker.getState();
    }

    /** Whether the breaker refuses calls now: OPEN or FORCED_OPEN (half-open lets trials through). */
    public boolean open() {
        CircuitBreaker.State state = breaker.getState();
        return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
    }

    /** Calls that failed with {@link FailureCategory#TIMEOUT} since this client was created. */
    public long timeouts() {
        return timeouts.get();
    }

    /** The underlying resilience4j breaker, e.g. for its metrics or events. */
    public CircuitBreaker circuitBreaker() {
        return breaker;
    }

    /** The settings this breaker was built with. */
    public BreakerSettings settings() {
        return settings;
    }

    /** The layer this breaker guards. */
    public String layer() {
        return layer;
    }

    /**
     * Publishes resilience4j's tagged breaker meters ({@code resilience4j.circuitbreaker.state},
     * {@code .calls}, {@code .failure.rate}, ...; tags {@code name=<layer>-claude}, {@code layer}),
     * the gauge {@value #OPEN_GAUGE} and the counter {@value #TIMEOUTS_COUNTER} (both tagged
     * {@code layer}). Call once per registry.
     */
    public void bindMetrics(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        Gauge.builder(OPEN_GAUGE, this, client -> client.open() ? 1 : 0)
                .description("1 while the layer's Claude circuit breaker refuses calls, else 0")
                .tag("layer", layer)
                .register(registry);
        FunctionCounter.builder(TIMEOUTS_COUNTER, timeouts, AtomicLong::get)
                .description("Claude calls that timed out (counted apart from API errors)")
                .tag("layer", layer)
                .register(registry);
    }

    /** Does <b>not</b> close the delegate, which is shared (see the class comment). */
    @Override
    public void close() {
        // nothing of its own to release: the breaker's scheduler is resilience4j's shared one
    }

    @Override
    public String toString() {
        return "BreakerNeuronClient[" + breaker.getName() + ", " + breaker.getState() + ", " + settings + "]";
    }
}
