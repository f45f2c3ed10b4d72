package io.hal9.neurons.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Ready-made {@link FaultPlan}s for the {@link ClaudeSimulator}: a share of errors, a share of
 * hangs, an outage window, a test-chosen fault, and the first of several.
 *
 * <p>Random plans are deterministic for a seed: whether a request faults depends only on the seed
 * and the request's arrival number ({@link SimulatedRequest#sequence()}), through a seeded hash
 * rather than shared {@code Random} state. So the same run of requests faults at the same places
 * whichever threads handle them (which request gets which number still depends on arrival order).
 */
public final class FaultPlans {

    /** How long a hang waits before its (never seen) answer: far beyond any client timeout. */
    public static final Duration HANG = Duration.ofHours(1);
    /** The status {@link #outage} is usually given: 529 {@code overloaded_error}. */
    public static final int DEFAULT_OUTAGE_STATUS = 529;

    private static final long ERRORS_SALT = 0x6572726f7273L; // "errors"
    private static final long HANGS_SALT = 0x68616e6773L; // "hangs"

    private FaultPlans() {
    }

    /**
     * Fails {@code rate} of the requests with {@code status}, in Anthropic's error shape (400
     * {@code invalid_request_error}, 401 {@code authentication_error}, 402 {@code billing_error},
     * 403 {@code permission_error}, 404 {@code not_found_error}, 429 {@code rate_limit_error}, 500 {@code api_error}, 529
     * {@code overloaded_error}, other statuses {@code api_error}), with a {@code retry-after} header
     * when {@code retryAfter} is given.
     *
     * @param rate       the share of requests that fail, in [0, 1]
     * @param status     an HTTP error status, 400..599
     * @param retryAfter the {@code retry-after} to send, or empty
     * @param seed       picks which requests fail
     */
    public static FaultPlan errors(double rate, int status, Optional<Duration> retryAfter, long seed) {
        checkRate(rate);
        checkErrorStatus(status);
        Objects.requireNonNull(retryAfter, "retryAfter");
        SimulatedFault fault = new SimulatedFault(status, errorType(status),
                "simulated " + status + " " + errorType(status), retryAfter, Duration.ZERO);
        return request -> picked(seed, ERRORS_SALT, request.sequence(), rate) ? Optional.of(fault) : Optional.empty();
    }

    /**
     * Never answers {@code rate} of the requests (they wait {@link #HANG}, beyond any client
     * timeout; {@link ClaudeSimulator#close()} drops them without waiting).
     *
     * @param rate the share of requests that hang, in [0, 1]
     * @param seed picks which requests hang
     */
    public static FaultPlan hangs(double rate, long seed) {
        checkRate(rate);
        SimulatedFault hang = SimulatedFault.hang(HANG);
        return request -> picked(seed, HANGS_SALT, request.sequence(), rate) ? Optional.of(hang) : Optional.empty();
    }

    /**
     * Fails every request that arrives from {@code from} (inclusive) until {@code until} (exclusive)
     * with {@code status} (usually {@value #DEFAULT_OUTAGE_STATUS}, overloaded).
     */
    public static FaultPlan outage(Instant from, Instant until, int status) {
        return outage(from, until, status, Clock.systemUTC());
    }

    /** {@link #outage(Instant, Instant, int)} on a given clock (for tests). */
    static FaultPlan outage(Instant from, Instant until, int status, Clock clock) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(until, "until");
        Objects.requireNonNull(clock, "clock");
        if (until.isBefore(from)) {
            throw new IllegalArgumentException("outage must not end (" + until + ") before it starts (" + from + ")");
        }
        checkErrorStatus(status);
        SimulatedFault fault = SimulatedFault.of(status, errorType(status), "simulated outage: " + errorType(status));
        return request -> {
            Instant now = clock.instant();
            return !now.isBefore(from) && now.isBefore(until) ? Optional.of(fault) : Optional.empty();
        };
    }

    /** The fault of the first plan that injects one, in the given order; none when none does. */
    public static FaultPlan firstOf(FaultPlan... plans) {
        List<FaultPlan> ordered = List.of(plans); // rejects null plans
        return request -> {
            for (FaultPlan plan : ordered) {
                Optional<SimulatedFault> fault = plan.next(request);
                if (fault.isPresent()) {
                    return fault;
                }
            }
            return Optional.empty();
        };
    }

    /** {@code fault} for every request that passes {@code test} (e.g. its content holds a marker). */
    public static FaultPlan when(Predicate<SimulatedRequest> test, SimulatedFault fault) {
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(fault, "fault");
        return request -> test.test(request) ? Optional.of(fault) : Optional.empty();
    }

    /** Anthropic's error type for an HTTP status. */
    public static String errorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> "api_error";
        };
    }

    /** Whether request {@code sequence} is among the {@code rate} share picked by {@code seed}. */
    static boolean picked(long seed, long salt, long sequence, double rate) {
        if (rate <= 0) {
            return false;
        }
        if (rate >= 1) {
            return true;
        }
        long bits = mix(mix(seed ^ salt) + sequence);
        double uniform = (bits >>> 11) * 0x1.0p-53; // [0, 1)
        return uniform < rate;
    }

    /** SplitMix64's finalizer: a well-spread 64-bit hash. */
    private static long mix(long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void checkRate(double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("fault rate must be in [0, 1], got " + rate);
        }
    }

    private static void checkErrorStatus(int status) {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("fault status must be an HTTP error status (400..599), got " + status);
        }
    }
}
