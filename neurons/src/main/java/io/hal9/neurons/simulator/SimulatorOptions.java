package io.hal9.neurons.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.ModelCatalog;

/**
 * How the {@link ClaudeSimulator} behaves.
 *
 * <p><b>How to use.</b> Start from {@link #defaults()} and change what a test or a run needs with
 * the {@code with...} methods; each returns a copy.
 *
 * <ul>
 * <li><b>Models.</b> The simulator knows the {@link ModelCatalog} ({@link ModelCatalog#bundled()}
 * unless {@link #withCatalog} gives another): a model the catalog does not know, or one it says is
 * retired on the {@code clock}'s day (UTC), gets 404 {@code not_found_error}, as the API answers it.
 * The catalog entry decides the rest: sampling parameters, thinking, efforts, the tokenizer, the
 * prompt cache's minimum and the latency profile. A set of {@code models} (aliases or dated ids)
 * narrows the models further; an empty set adds no restriction.</li>
 * <li><b>Latency.</b> In {@link LatencyMode#FIXED} mode (the default) every answer waits
 * {@code latency} plus a random extra of up to {@code jitter}; in {@link LatencyMode#CATALOG} mode
 * ({@link #withLatencyProfile(double)}) an answer waits its model's
 * {@link io.hal9.neurons.models.LatencyProfile#answerTime(long)} for its output tokens (thinking
 * included), times {@code latencyScale}, plus the jitter; an error waits the profile's time to the
 * first token, times the scale.</li>
 * <li><b>Faults and load.</b> The {@link FaultPlan} may replace an answer with an error or a hang;
 * the account's {@link AccountLimits} give 429 {@code rate_limit_error} past them; the provider's
 * {@code capacity} gives 529 {@code overloaded_error} to a request arriving while that many are
 * being served (0 for no limit); {@code refusalRate} is the share of requests Claude refuses
 * (picked by {@code refusalSeed} and the request's arrival number: HTTP 200, {@code stop_reason}
 * {@code refusal}, no text).</li>
 * <li><b>Time.</b> The {@code clock} measures the rate limits, {@code retry-after} deadlines, the
 * prompt cache's lifetimes and the day the catalog's lifecycle is read on; tests pass one they can
 * move.</li>
 * <li><b>Model names.</b> As the API answers {@code claude-sonnet-4-5-20250929} for
 * {@code claude-sonnet-4-5}, answers name the alias asked for plus {@code -<snapshotDate>}; a model
 * id that already ends in a date, and a model the catalog lists under a dateless id (a pinned
 * snapshot, such as {@code claude-sonnet-5-5}), are answered as asked; an empty date answers every
 * model as asked.</li>
 * <li><b>Prompt cache.</b> Without {@code cacheUsage} the simulator keeps a prompt cache per API
 * key as the API does (see {@link ClaudeSimulator}); with it, every answer reports those fixed
 * figures instead.</li>
 * </ul>
 *
 * <p><b>Requirements.</b> Durations, capacity and the scale are not negative (the scale is
 * above 0), the refusal rate lies in [0, 1], a snapshot date is {@code YYYYMMDD} or empty.
 *
 * <p><b>Current limitations.</b> One catalog per simulator; the latency profile has no jitter of
 * its own beyond {@code jitter}.
 */
public record SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults, AccountLimits limits,
        int capacity, Clock clock, String snapshotDate, Set<String> models, Optional<CacheUsage> cacheUsage,
        double refusalRate, long refusalSeed, ModelCatalog catalog, LatencyMode latencyMode, double latencyScale) {

    /** The date the simulator's answers append to the alias asked for, by default. */
    public static final String DEFAULT_SNAPSHOT_DATE = "20250929";

    private static final Pattern SNAPSHOT_DATE = Pattern.compile("\\d{8}");
    private static final Pattern DATED = Pattern.compile("(.*)-\\d{8}");

    /** How long an answer takes. */
    public enum LatencyMode {
        /** {@code latency} plus up to {@code jitter}, whatever the model and the answer. */
        FIXED,
        /** The model's catalog latency profile for the answer's output tokens, times {@code latencyScale}. */
        CATALOG
    }

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
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(latencyMode, "latencyMode");
        if (!(latencyScale > 0) || Double.isInfinite(latencyScale)) {
            throw new IllegalArgumentException("latency profile scale must be a number above 0, got " + latencyScale);
        }
    }

    /**
     * Options with the bundled catalog, answering with {@link #DEFAULT_SNAPSHOT_DATE}, a simulated
     * prompt cache, fixed latency, refusing nothing.
     */
    public SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults, AccountLimits limits,
            int capacity, Clock clock) {
        this(latency, jitter, faults, limits, capacity, clock, DEFAULT_SNAPSHOT_DATE, Set.of(), Optional.empty(), 0,
                0, ModelCatalog.bundled(), LatencyMode.FIXED, 1.0);
    }

    /** Options without rate limits or a capacity, on the system clock. */
    public SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults) {
        this(latency, jitter, faults, AccountLimits.none(), 0, Clock.systemUTC());
    }

    /** 20 ms per answer, no jitter, no faults, no rate limits, no capacity limit, the bundled catalog. */
    public static SimulatorOptions defaults() {
        return new SimulatorOptions(Duration.ofMillis(20), Duration.ZERO, FaultPlan.none());
    }

    /** Fixed latency: every answer waits {@code newLatency} (plus the jitter), whatever its model. */
    public SimulatorOptions withLatency(Duration newLatency) {
        return copy(o -> {
            o.latency = newLatency;
            o.latencyMode = LatencyMode.FIXED;
        });
    }

    /**
     * The catalog's latency profiles: an answer waits its model's time to the first token plus its
     * output tokens (thinking included) at the model's rate, times {@code scale} (1 for the
     * catalog's figures, 0.01 to run them 100 times faster), plus the jitter.
     */
    public SimulatorOptions withLatencyProfile(double scale) {
        return copy(o -> {
            o.latencyMode = LatencyMode.CATALOG;
            o.latencyScale = scale;
        });
    }

    public SimulatorOptions withJitter(Duration newJitter) {
        return copy(o -> o.jitter = newJitter);
    }

    public SimulatorOptions withFaults(FaultPlan newFaults) {
        return copy(o -> o.faults = newFaults);
    }

    public SimulatorOptions withLimits(AccountLimits newLimits) {
        return copy(o -> o.limits = newLimits);
    }

    /** At most {@code newCapacity} requests served at once (0: no limit). */
    public SimulatorOptions withCapacity(int newCapacity) {
        return copy(o -> o.capacity = newCapacity);
    }

    public SimulatorOptions withClock(Clock newClock) {
        return copy(o -> o.clock = newClock);
    }

    /** Answers name the model asked for plus {@code -<newSnapshotDate>} (YYYYMMDD); empty: as asked. */
    public SimulatorOptions withSnapshotDate(String newSnapshotDate) {
        return copy(o -> o.snapshotDate = newSnapshotDate);
    }

    /** Only these of the catalog's models (aliases or dated ids) answer; others get 404. Empty: no restriction. */
    public SimulatorOptions withModels(Set<String> newModels) {
        return copy(o -> o.models = newModels);
    }

    /** The catalog that says which models answer and how. */
    public SimulatorOptions withCatalog(ModelCatalog newCatalog) {
        return copy(o -> o.catalog = newCatalog);
    }

    /**
     * Every answer reports these prompt-cache figures in its usage, whatever the request's
     * {@code cache_control}, instead of the simulated prompt cache's.
     */
    public SimulatorOptions withCacheUsage(CacheUsage newCacheUsage) {
        return copy(o -> o.cacheUsage = Optional.of(newCacheUsage));
    }

    /**
     * Refuses {@code rate} of the requests (picked by {@code seed} and each request's arrival number, as
     * {@link FaultPlans} picks faults): HTTP 200 with {@code stop_reason} {@code refusal}, no text and a
     * {@code stop_details} saying why, as Claude answers a request its safety policy declines.
     */
    public SimulatorOptions withRefusals(double rate, long seed) {
        return copy(o -> {
            o.refusalRate = rate;
            o.refusalSeed = seed;
        });
    }

    /**
     * The model id an answer to a request for {@code model} names: as asked for a dated id, for a
     * model the catalog lists under a dateless id (from the 4.6 models on, a dateless id is itself a
     * pinned snapshot) and without a snapshot date; else {@code model-<snapshotDate>}.
     */
    public String answeringModel(String model) {
        if (snapshotDate.isEmpty() || DATED.matcher(model).matches()) {
            return model;
        }
        boolean pinned = catalog.find(model).filter(entry -> !DATED.matcher(entry.id()).matches()).isPresent();
        return pinned ? model : model + "-" + snapshotDate;
    }

    /** The day the catalog's lifecycle is read on: the clock's, in UTC. */
    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /**
     * The catalog entry of {@code model} when the simulator answers it today: the catalog knows it,
     * it is not retired on {@link #today()}, and it is one of {@code models} when a set is given.
     */
    public Optional<CatalogEntry> answering(String model) {
        if (!allowed(model)) {
            return Optional.empty();
        }
        LocalDate day = today();
        return catalog.find(model).filter(entry -> entry.lifecycleOn(day).answers());
    }

    /** Whether the simulator answers {@code model} today (see {@link #answering(String)}). */
    public boolean knows(String model) {
        return answering(model).isPresent();
    }

    private boolean allowed(String model) {
        if (models.isEmpty() || models.contains(model)) {
            return true;
        }
        Matcher dated = DATED.matcher(model);
        return dated.matches() && models.contains(dated.group(1));
    }

    private SimulatorOptions copy(Consumer<Fields> change) {
        Fields fields = new Fields(this);
        change.accept(fields);
        return fields.build();
    }

    /** The options' values, changed one by one for a copy. */
    private static final class Fields {
        Duration latency;
        Duration jitter;
        FaultPlan faults;
        AccountLimits limits;
        int capacity;
        Clock clock;
        String snapshotDate;
        Set<String> models;
        Optional<CacheUsage> cacheUsage;
        double refusalRate;
        long refusalSeed;
        ModelCatalog catalog;
        LatencyMode latencyMode;
        double latencyScale;

        Fields(SimulatorOptions o) {
            latency = o.latency;
            jitter = o.jitter;
            faults = o.faults;
            limits = o.limits;
            capacity = o.capacity;
            clock = o.clock;
            snapshotDate = o.snapshotDate;
            models = o.models;
            cacheUsage = o.cacheUsage;
            refusalRate = o.refusalRate;
            refusalSeed = o.refusalSeed;
            catalog = o.catalog;
            latencyMode = o.latencyMode;
            latencyScale = o.latencyScale;
        }

        SimulatorOptions build() {
            return new SimulatorOptions(latency, jitter, faults, limits, capacity, clock, snapshotDate, models,
                    cacheUsage, refusalRate, refusalSeed, catalog, latencyMode, latencyScale);
        }
    }
}
