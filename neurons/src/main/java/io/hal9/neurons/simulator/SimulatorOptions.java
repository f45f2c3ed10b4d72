package io.hal9.neurons.simulator;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the {@link ClaudeSimulator} behaves: the delay before each answer ({@code latency} plus a
 * random extra of up to {@code jitter}), the {@link FaultPlan} that may replace an answer with
 * an error or a hang, the account's {@link AccountLimits} (429 {@code rate_limit_error} past them),
 * the provider's {@code capacity} (529 {@code overloaded_error} for a request arriving while that
 * many are already being served; 0 for no limit), the {@code clock} the rate limits and
 * {@code retry-after} deadlines are measured on (tests pass one they can move), the
 * {@code snapshotDate} of the model id an answer names: as the API answers
 * {@code claude-sonnet-4-5-20250929} for {@code claude-sonnet-4-5}, the simulator answers the alias
 * asked for plus {@code -<snapshotDate>} (a model id that already ends in a date is answered as
 * asked; an empty date answers every model as asked). With a set of {@code models} (aliases or
 * dated ids), a request for any other model gets 404 {@code not_found_error} naming it, as the API
 * answers an unknown model; an empty set knows every model. Every answer's {@code usage} reports
 * {@code cacheUsage}'s prompt-cache figures. Last, the share of requests Claude refuses
 * ({@code refusalRate}, picked by {@code refusalSeed} and the request's arrival number: HTTP 200,
 * {@code stop_reason} {@code refusal}, no text).
 */
public record SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults, AccountLimits limits,
        int capacity, Clock clock, String snapshotDate, Set<String> models, CacheUsage cacheUsage,
        double refusalRate, long refusalSeed) {

    /** The date the simulator's answers append to the alias asked for, by default. */
    public static final String DEFAULT_SNAPSHOT_DATE = "20250929";

    private static final Pattern SNAPSHOT_DATE = Pattern.compile("\\d{8}");
    private static final Pattern DATED = Pattern.compile("(.*)-\\d{8}");

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
        Objects.requireNonNull(snapshotDate, "snapshotDate");
        if (!snapshotDate.isEmpty() && !SNAPSHOT_DATE.matcher(snapshotDate).matches()) {
            throw new IllegalArgumentException("snapshotDate must be YYYYMMDD or empty, got '" + snapshotDate + "'");
        }
        models = Set.copyOf(models);
        Objects.requireNonNull(cacheUsage, "cacheUsage");
        if (!(refusalRate >= 0 && refusalRate <= 1)) {
            throw new IllegalArgumentException("refusal rate must be in [0, 1], got " + refusalRate);
        }
    }

    /**
     * Options answering with {@link #DEFAULT_SNAPSHOT_DATE}, knowing every model, without cache use,
     * refusing nothing.
     */
    public SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults, AccountLimits limits,
            int capacity, Clock clock) {
        this(latency, jitter, faults, limits, capacity, clock, DEFAULT_SNAPSHOT_DATE, Set.of(), CacheUsage.NONE, 0, 0);
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
        return new SimulatorOptions(newLatency, jitter, faults, limits, capacity, clock, snapshotDate, models,
                cacheUsage, refusalRate, refusalSeed);
    }

    public SimulatorOptions withJitter(Duration newJitter) {
        return new SimulatorOptions(latency, newJitter, faults, limits, capacity, clock, snapshotDate, models,
                cacheUsage, refusalRate, refusalSeed);
    }

    public SimulatorOptions withFaults(FaultPlan newFaults) {
        return new SimulatorOptions(latency, jitter, newFaults, limits, capacity, clock, snapshotDate, models,
                cacheUsage, refusalRate, refusalSeed);
    }

    public SimulatorOptions withLimits(AccountLimits newLimits) {
        return new SimulatorOptions(latency, jitter, faults, newLimits, capacity, clock, snapshotDate, models,
                cacheUsage, refusalRate, refusalSeed);
    }

    /** At most {@code newCapacity} requests served at once (0: no limit). */
    public SimulatorOptions withCapacity(int newCapacity) {
        return new SimulatorOptions(latency, jitter, faults, limits, newCapacity, clock, snapshotDate, models,
                cacheUsage, refusalRate, refusalSeed);
    }

    public SimulatorOptions withClock(Clock newClock) {
        return new SimulatorOptions(latency, jitter, faults, limits, capacity, newClock, snapshotDate, models,
                cacheUsage, refusalRate, refusalSeed);
    }

    /** Answers name the model asked for plus {@code -<newSnapshotDate>} (YYYYMMDD); empty: as asked. */
    public SimulatorOptions withSnapshotDate(String newSnapshotDate) {
        return new SimulatorOptions(latency, jitter, faults, limits, capacity, clock, newSnapshotDate, models,
                cacheUsage, refusalRate, refusalSeed);
    }

    /** Only these models (aliases or dated ids) are known; others get 404. Empty: every model is. */
    public SimulatorOptions withModels(Set<String> newModels) {
        return new SimulatorOptions(latency, jitter, faults, limits, capacity, clock, snapshotDate, newModels,
                cacheUsage, refusalRate, refusalSeed);
    }

    /** Every answer reports these prompt-cache figures in its usage. */
    public SimulatorOptions withCacheUsage(CacheUsage newCacheUsage) {
        return new SimulatorOptions(latency, jitter, faults, limits, capacity, clock, snapshotDate, models,
                newCacheUsage, refusalRate, refusalSeed);
    }

    /**
     * Refuses {@code rate} of the requests (picked by {@code seed} and each request's arrival number, as
     * {@link FaultPlans} picks faults): HTTP 200 with {@code stop_reason} {@code refusal}, no text and a
     * {@code stop_details} saying why, as Claude answers a request its safety policy declines.
     */
    public SimulatorOptions withRefusals(double rate, long seed) {
        return new SimulatorOptions(latency, jitter, faults, limits, capacity, clock, snapshotDate, models,
                cacheUsage, rate, seed);
    }

    /** The model id an answer to a request for {@code model} names. */
    public String answeringModel(String model) {
        return snapshotDate.isEmpty() || DATED.matcher(model).matches() ? model : model + "-" + snapshotDate;
    }

    /** Whether the simulator answers {@code model}: any model without a set, else one of the set or its snapshot. */
    public boolean knows(String model) {
        if (models.isEmpty() || models.contains(model)) {
            return true;
        }
        Matcher dated = DATED.matcher(model);
        return dated.matches() && models.contains(dated.group(1));
    }
}
