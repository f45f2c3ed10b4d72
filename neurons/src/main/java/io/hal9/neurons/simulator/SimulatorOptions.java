package io.hal9.neurons.simulator;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link ClaudeSimulator} behaves: the delay before each answer ({@code latency} plus a
 * random extra of up to {@code jitter}), the {@link FaultPlan} that may replace an answer with
 * an error or a hang, the account's {@link AccountLimits} (429 {@code rate_limit_error} past them),
 * the provider's {@code capacity} (529 {@code overloaded_error} for a request arriving while that
 * many are already being served; 0 for no limit), the {@code clock} the rate limits and
 * {@code retry-after} deadlines are measured on (tests pass one they can move), and the share of
 * requests Claude refuses ({@code refusalRate}, picked by {@code refusalSeed} and the request's arrival
 * number: HTTP 200, {@code stop_reason} {@code refusal}, no text).
 */
public record SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults, AccountLimits limits,
        int capacity, Clock clock, double refusalRate, long refusalSeed) {

    public SimulatorOptions {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(clock, "clock");
        if (latency.isNegative() || jitter.isNegative()) {
            throw new IllegalArgumentException("latency and jitter must not be negative");
        }
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be 0 (no limit) or more, got " + capacity);
        }
        if (!(refusalRate >= 0 && refusalRate <= 1)) {
            throw new IllegalArgumentException("refusal rate must be in [0, 1], got " + refusalRate);
        }
    }

    /** Options that refuse nothing. */
    public SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults, AccountLimits limits,
            int capacity, Clock clock) {
        this(latency, jitter, faults, limits, capacity, clock, 0, 0);
    }

    /** Options without rate limits or a capacity, on the system clock. */
    public SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults) {
        this(latency, jitter, faults, AccountLimits.none(), 0, Clock.systemUTC());
    }

    /** 20 ms per answer, no jitter, no faults, no rate limits, no capacity limit. */
    public static SimulatorOptions defaults() {
        return new SimulatorOptions(Duration.ofMillis(20), Duration.ZERO, FaultPlan.none());
    }

    public SimulatorOptions withLatency(Duration newLatency) {
        return new SimulatorOptions(newLatency, jitter, faults, limits, capacity, clock, refusalRate, refusalSeed);
    }

    public SimulatorOptions withJitter(Duration newJitter) {
        return new SimulatorOptions(latency, newJitter, faults, limits, capacity, clock, refusalRate, refusalSeed);
    }

    public SimulatorOptions withFaults(FaultPlan newFaults) {
        return new SimulatorOptions(latency, jitter, newFaults, limits, capacity, clock, refusalRate, refusalSeed);
    }

    public SimulatorOptions withLimits(AccountLimits newLimits) {
        return new SimulatorOptions(latency, jitter, faults, newLimits, capacity, clock, refusalRate, refusalSeed);
    }

    /** At most {@code newCapacity} requests served at once (0: no limit). */
    public SimulatorOptions withCapacity(int newCapacity) {
        return new SimulatorOptions(latency, jitter, faults, limits, newCapacity, clock, refusalRate, refusalSeed);
    }

    public SimulatorOptions withClock(Clock newClock) {
        return new SimulatorOptions(latency, jitter, faults, limits, capacity, newClock, refusalRate, refusalSeed);
    }

    /**
     * Refuses {@code rate} of the requests (picked by {@code seed} and each request's arrival number, as
     * {@link FaultPlans} picks faults): HTTP 200 with {@code stop_reason} {@code refusal}, no text and a
     * {@code stop_details} saying why, as Claude answers a request its safety policy declines.
     */
    public SimulatorOptions withRefusals(double rate, long seed) {
        return new SimulatorOptions(latency, jitter, faults, limits, capacity, clock, rate, seed);
    }
}
