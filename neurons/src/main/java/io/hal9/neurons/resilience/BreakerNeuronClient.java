package io.hal9.neurons.resilience;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
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
 * A {@link NeuronClient} that stops calling Claude while Claude is failing, with a resilience4j
 * {@link CircuitBreaker} around every call.
 *
 * <p><b>How to use:</b> one per layer, directly around the layer's {@link ClaudeNeuronClient}, under
 * its {@link CachedNeuronClient}. The order of decoration is
 * <b>{@link CachedNeuronClient} → BreakerNeuronClient → {@link ClaudeNeuronClient}</b>: the cache is
 * consulted before the breaker, so cached answers are served while the breaker is open, and only
 * real calls are judged by it. Call {@link #bindMetrics} once to publish its meters.
 *
 * <p><b>Behaviour:</b> the breaker {@code <layer lower-case>-claude} watches a time-based window of
 * {@link BreakerSettings#window()}; with at least {@link BreakerSettings#minimumCalls()} calls there
 * and {@link BreakerSettings#failureRatePercent()} of them failed it opens. While open, {@link #ask}
 * makes no call and fails at once with {@link FailureCategory#UNAVAILABLE}, whose
 * {@link NeuronException#retryAfter()} says how long until trial calls are let through (the rest of
 * the open period; the whole open period when that is not known yet; up to 1 s while half-open with
 * every trial slot taken, since a trial may finish any moment). After
 * {@link BreakerSettings#openDuration()} it half-opens by itself (no call needed to notice) and lets
 * {@link BreakerSettings#halfOpenCalls()} trial calls through; they close it or open it again.
 *
 * <p><b>What counts:</b> only failures whose {@link FailureCategory#countsAgainstBreaker()}
 * (429 {@code RATE_LIMITED}, 5xx/529/I-O {@code TRANSIENT}, {@code TIMEOUT}) are recorded as
 * failures. Our own mistakes ({@code CLIENT_ERROR} 400/404/422, {@code AUTH} 401/403) and
 * {@code UNKNOWN} are <i>ignored</i> exceptions: they neither count as failures nor as successes,
 * and resilience4j releases the permission they held (so a bad request during half-open does not
 * use up a trial slot). Slow calls never open it: the slow-call threshold is set to a day, far above
 * any call timeout, and the slow-call rate threshold to 100 % (resilience4j's defaults, 60 s and
 * 100 %, would otherwise judge calls we deliberately allow 30 s). Timeouts are counted apart from API
 * errors in {@link #timeouts()} ({@code hal9.claude.timeouts}).
 *
 * <p><b>Non-blocking:</b> {@link #ask} asks {@code tryAcquirePermission()} (never waits), starts the
 * delegate's call, and reports its outcome with {@code onSuccess}/{@code onError} and the measured
 * duration when the call's future completes, on whatever thread completes it.
 *
 * <p><b>Current limitations:</b> one breaker per instance: pods learn of an outage each on its
 * own. A delegate future that never completes holds its permission (the Claude client's timeout
 * bounds that). {@link #close()} does <b>not</b> close the delegate, which is shared and closed by
 * its owner.
 */
public final class BreakerNeuronClient implements NeuronClient {

    private static final Logger LOG = LoggerFactory.getLogger(BreakerNeuronClient.class);

    /** Gauge: 1 while the breaker is open (OPEN or FORCED_OPEN), else 0; tag {@code layer}. */
    public static final String OPEN_GAUGE = "hal9.circuit.breaker.open";
    /** Counter: calls that failed with {@link FailureCategory#TIMEOUT}; tag {@code layer}. */
    public static final String TIMEOUTS_COUNTER = "hal9.claude.timeouts";
    /** A call slower than this would count as slow: far above any call timeout, so none does. */
    static final Duration SLOW_CALL_THRESHOLD = Duration.ofDays(1);
    /** The longest {@code retryAfter} while half-open with every trial slot taken. */
    static final Duration HALF_OPEN_RETRY_AFTER = Duration.ofSeconds(1);
    /** The shortest {@code retryAfter} given, so a caller never spins. */
    static final Duration MIN_RETRY_AFTER = Duration.ofMillis(10);

    private final NeuronClient delegate;
    private final BreakerSettings settings;
    private final String layer;
    private final CircuitBreakerRegistry breakers;
    private final CircuitBreaker breaker;
    private final AtomicLong timeouts = new AtomicLong();
    /** {@link System#nanoTime()} when the breaker last opened; {@link Long#MIN_VALUE} before it ever did. */
    private final AtomicLong openedAtNanos = new AtomicLong(Long.MIN_VALUE);

    /**
     * @param delegate what makes the calls (normally a {@link ClaudeNeuronClient}); not closed by this client
     * @param settings when to open and for how long
     * @param layer    the layer this breaker guards, e.g. {@code L3}: names the breaker {@code l3-claude}
     */
    public BreakerNeuronClient(NeuronClient delegate, BreakerSettings settings, String layer) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.layer = Objects.requireNonNull(layer, "layer");
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindow((int) settings.window().getSeconds(), settings.minimumCalls(),
                        SlidingWindowType.TIME_BASED)
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRatePercent())
                .waitDurationInOpenState(settings.openDuration())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .slowCallRateThreshold(100f)
                .slowCallDurationThreshold(SLOW_CALL_THRESHOLD)
                .recordException(BreakerNeuronClient::countsAgainstBreaker)
                .ignoreException(failure -> !countsAgainstBreaker(failure))
                .writableStackTraceEnabled(false)
                .build();
        this.breakers = CircuitBreakerRegistry.of(config);
        this.breaker = breakers.circuitBreaker(breakerName(layer), Map.of("layer", layer));
        breaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            if (to == CircuitBreaker.State.OPEN) {
                openedAtNanos.set(System.nanoTime());
                CircuitBreaker.Metrics metrics = breaker.getMetrics();
                LOG.warn("layer {}: Claude breaker opened ({}% of {} calls failed); signals wait {} s before trial "
                                + "calls", layer, Math.round(metrics.getFailureRate()),
                        metrics.getNumberOfBufferedCalls(), settings.openDuration().toSeconds());
            } else {
                LOG.info("layer {}: Claude breaker {}", layer, to);
            }
        });
    }

    /** {@code <layer lower-case>-claude}. */
    static String breakerName(String layer) {
        return layer.toLowerCase(Locale.ROOT) + "-claude";
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
        long started = System.nanoTime();
        CompletableFuture<NeuronReply> call;
        try {
            call = delegate.ask(request);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<NeuronReply> result = new CompletableFuture<>();
        call.whenComplete((reply, failure) -> {
            long nanos = System.nanoTime() - started;
            if (failure == null) {
                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                result.complete(reply);
                return;
            }
            Throwable cause = Futures.unwrap(failure);
            if (cause instanceof NeuronException neuron && neuron.category() == FailureCategory.TIMEOUT) {
                timeouts.incrementAndGet();
            }
            breaker.onError(nanos, TimeUnit.NANOSECONDS, cause); // ignored categories release the permission
            result.completeExceptionally(cause);
        });
        return result;
    }

    private NeuronException unavailable() {
        CircuitBreaker.State state = breaker.getState();
        Duration retryAfter = retryAfter(state);
        return new NeuronException(FailureCategory.UNAVAILABLE, 0, "circuit breaker " + breaker.getName() + " is "
                + state + ": no call made; trial calls in about " + retryAfter.toMillis() + " ms", retryAfter, null);
    }

    /** How long until the breaker lets trial calls through, as far as it can be known. */
    private Duration retryAfter(CircuitBreaker.State state) {
        Duration open = settings.openDuration();
        if (state == CircuitBreaker.State.HALF_OPEN) {
            return min(open, HALF_OPEN_RETRY_AFTER);
        }
        long openedAt = openedAtNanos.get();
        if (state != CircuitBreaker.State.OPEN || openedAt == Long.MIN_VALUE) {
            return open;
        }
        // A stale openedAt (the transition event not published yet) gives a short wait, after which the
        // caller asks again and learns the right one.
        Duration remaining = open.minusNanos(System.nanoTime() - openedAt);
        return remaining.compareTo(MIN_RETRY_AFTER) < 0 ? MIN_RETRY_AFTER : min(remaining, open);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
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
