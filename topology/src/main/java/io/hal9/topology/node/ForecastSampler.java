package io.hal9.topology.node;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.hal9.topology.autoscale.ReplicaForecast;
import io.hal9.topology.config.AutoscaleSettings;
import io.hal9.topology.layer.InputReads;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicas one layer will need, worked out in the running process and exported for the
 * autoscaler (KEDA's Prometheus trigger on {@code hal9_desired_replicas}, beside the lag trigger).
 *
 * <p><b>How it works.</b> One sampler per layer per process, on a daemon thread of its own (never a
 * stream thread), every {@code hal9.autoscale.sample.ms}:
 * <ol>
 *   <li>reads the layer's {@link InstanceCapacity} figures: the live Claude limit, calls in flight,
 *       answered calls and their latency, signals finished;</li>
 *   <li>reads the end offsets and the lag of the layer's input, every lane it runs
 *       ({@link InputOffsets}), and where the instance's own tasks are in their input partitions
 *       (records read, offset of the last), from which it learns the
 *       {@link InputRecordShare share of the input's offsets that are records} (the others are
 *       transaction markers); and feeds the offsets and that share to the {@link ReplicaForecast};</li>
 *   <li>publishes the figures ({@link #figures()}): the smoothed arrival rate, its forecast at the
 *       lead time (the pod start-up, measured by the process or configured, plus the autoscaler's
 *       reaction), the instance capacity, and the desired replicas, at most the partitions of the
 *       layer's normal-lane input topic.</li>
 * </ol>
 *
 * <p><b>When a read fails</b> (Kafka unreachable, a topic missing) the sample is skipped with a
 * warning, at most one a minute, and the figures of the last good sample stay; the layer itself
 * never notices. Until the first good sample the desired replicas are 0: the other triggers decide.
 *
 * <p>Thread safety: the sampler's thread does all the work; {@link #figures()} may be read from any
 * thread (the metrics scrape).
 */
public final class ForecastSampler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ForecastSampler.class);

    /** The shortest time between two warnings about failed samples. */
    static final Duration WARN_EVERY = Duration.ofMinutes(1);

    /**
     * What the last sample worked out.
     *
     * @param desiredReplicas the replicas the layer will need after the lead time (0: unknown)
     * @param arrivalRate     smoothed signals per second arriving on the layer's input, all lanes
     * @param recordShare     the share of the input's new offsets that are records, which the arrival
     *                        rate counts (1 while not known)
     * @param forecastRate    the arrival rate forecast at the lead time
     * @param capacity        signals per second one instance can finish now (0: unknown)
     * @param lead            pod start-up plus the autoscaler's reaction
     * @param lag             the input's lag, all lanes
     * @param maxReplicas     the partitions of the normal-lane input (0 before the first good sample)
     * @param samples         good samples so far
     */
    public record Figures(double desiredReplicas, double arrivalRate, double recordShare, double forecastRate,
                          double capacity, Duration lead, long lag, int maxReplicas, long samples) {

        /** Before the first sample: nothing known but the lead time. */
        public static Figures unknown(Duration lead) {
            return new Figures(0, 0, 1, 0, 0, lead, 0, 0, 0);
        }
    }

    private final String layer;
    private final AutoscaleSettings settings;
    private final LongFunction<InstanceCapacity.Reading> capacityReading;
    private final Supplier<List<InputReads.Position>> inputReads;
    private final Supplier<Optional<Duration>> measuredStartup;
    private final LongSupplier clockMs;
    private final ReplicaForecast forecast;
    private final InstanceCapacity capacity = new InstanceCapacity();
    private final InputRecordShare recordShare = new InputRecordShare();
    private volatile Figures figures;
    private ScheduledExecutorService executor;
    private InputOffsets.Source offsets;
    private volatile long failures;
    private long lastWarningMs;
    private boolean failing;

    /**
     * A sampler of layer {@code layer}; nothing runs until {@link #start}.
     *
     * @param capacityReading the layer's capacity figures now, given the time on {@code clockMs}
     * @param inputReads      where the instance's tasks of the layer are in their input partitions, all lanes
     * @param measuredStartup the process's start-up, once it has been ready
     * @param clockMs         a monotonic clock in milliseconds
     */
    ForecastSampler(String layer, AutoscaleSettings settings, LongFunction<InstanceCapacity.Reading> capacityReading,
                    Supplier<List<InputReads.Position>> inputReads, Supplier<Optional<Duration>> measuredStartup,
                    LongSupplier clockMs) {
        this.layer = layer;
        this.settings = settings;
        this.capacityReading = capacityReading;
        this.inputReads = inputReads;
        this.measuredStartup = measuredStartup;
        this.clockMs = clockMs;
        this.forecast = new ReplicaForecast(settings.forecast());
        this.figures = Figures.unknown(settings.lead(measuredStartup.get()));
    }

    /** Samples {@code offsets} every {@code hal9.autoscale.sample.ms} from now on, the first one at once. */
    synchronized void start(InputOffsets.Source offsets) {
        if (executor != null) {
            throw new IllegalStateException("the forecast sampler of " + layer + " is already started");
        }
        this.offsets = offsets;
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "hal9-forecast-" + layer.toLowerCase(Locale.ROOT));
            thread.setDaemon(true);
            return thread;
        });
        long every = settings.sampleInterval().toMillis();
        executor.scheduleWithFixedDelay(this::sampleQuietly, 0, every, TimeUnit.MILLISECONDS);
    }

    private void sampleQuietly() {
        try {
            sample(offsets);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (Exception e) {
            failed(e);
        }
    }

    /**
     * One sample from {@code source}: capacity first (it needs no Kafka), then the offsets, then where
     * the instance's tasks are, then the figures. A failing source throws after the capacity and the
     * lead time were taken in (and before the tasks' positions: the next good sample counts from
     * the last good one's).
     */
    void sample(InputOffsets.Source source) throws Exception {
        capacity.observe(capacityReading.apply(clockMs.getAsLong()));
        Duration lead = settings.lead(measuredStartup.get());
        Figures last = figures;
        figures = new Figures(last.desiredReplicas(), last.arrivalRate(), last.recordShare(), last.forecastRate(),
                capacity.perSecond(), lead, last.lag(), last.maxReplicas(), last.samples());
        InputOffsets.Sample sample = source.read();
        recordShare.observe(inputReads.get());
        double share = recordShare.share();
        forecast.observe(clockMs.getAsLong(), sample.endOffsets(), sample.lag(), share);
        double leadSeconds = lead.toMillis() / 1000.0;
        double perSecond = capacity.perSecond();
        figures = new Figures(forecast.desiredReplicas(perSecond, leadSeconds, sample.maxReplicas()),
                forecast.arrivalRate(), share, forecast.forecastRate(leadSeconds), perSecond, lead, forecast.lag(),
                sample.maxReplicas(), last.samples() + 1);
        if (failing) {
            failing = false;
            LOG.info("layer {}: sampling its input offsets for the replica forecast works again", layer);
        }
    }

    /** Logs a failed sample: the first at once, then at most one warning per {@link #WARN_EVERY}. */
    private void failed(Exception e) {
        if (executor.isShutdown()) {
            return; // closing: the sample was interrupted
        }
        failures++;
        long now = clockMs.getAsLong();
        if (!failing || now - lastWarningMs >= WARN_EVERY.toMillis()) {
            LOG.warn("layer {}: cannot sample its input offsets for the replica forecast ({} failed sample(s) so far); "
                    + "the figures stay those of the last good sample: {}", layer, failures, describe(e));
            lastWarningMs = now;
        }
        failing = true;
    }

    private static String describe(Throwable error) {
        Throwable cause = error instanceof ExecutionException && error.getCause() != null
                ? error.getCause() : error;
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** What the last sample worked out. */
    public Figures figures() {
        return figures;
    }

    public String layer() {
        return layer;
    }

    /** Samples that failed so far. */
    long failures() {
        return failures;
    }

    /** Stops sampling; a sample under way is interrupted. */
    @Override
    public synchronized void close() {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("layer {}: the forecast sampler did not stop within 5 s", layer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
