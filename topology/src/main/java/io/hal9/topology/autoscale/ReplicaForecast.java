package io.hal9.topology.autoscale;

import java.time.Duration;

/**
 * The replicas a layer will need once a pod asked for now is ready, from what Kafka and the layer
 * know: the arrival rate on the layer's input topics (the growth of their end offsets, all lanes
 * together, times the share of those offsets that are records when a sampler knows it), its lag,
 * and what one instance can do.
 *
 * <p>Each sample of the summed end offsets gives an arrival rate over the interval since the
 * previous one; {@link HoltLinearTrend Holt's linear trend} smooths those rates and forecasts the
 * rate {@code lead} seconds ahead, the time from asking for a pod to its being ready (start-up plus
 * the autoscaler's reaction). The desired replicas are then
 * <pre>
 *   (max(rate now, rate forecast) + lag / drain) / (capacity × utilization)
 * </pre>
 * capped by the partitions (a pod without a partition idles): enough instances, each kept at the
 * target utilization, to take the arrivals expected when a new pod would be ready, and to clear the
 * lag within {@code drain}. A falling forecast never asks for fewer than the rate now: scaling down
 * is the lag trigger's and the autoscaler's slow business, not the forecast's.
 *
 * <p>Not thread-safe: one sampler feeds it; readers take the figures it last computed.
 */
public final class ReplicaForecast {

    /**
     * @param alpha       Holt's level smoothing (0, 1]
     * @param beta        Holt's trend smoothing (0, 1]
     * @param utilization the share of an instance's capacity the desired replicas plan to use (0, 1]
     * @param drain       the time in which the desired replicas clear the lag, beside the arrivals
     */
    public record Settings(double alpha, double beta, double utilization, Duration drain) {
        public Settings {
            if (!(utilization > 0 && utilization <= 1)) {
                throw new IllegalArgumentException("utilization must be in (0, 1], got " + utilization);
            }
            if (drain.isNegative() || drain.isZero()) {
                throw new IllegalArgumentException("drain must be positive, got " + drain);
            }
        }
    }

    private final Settings settings;
    private final HoltLinearTrend rate;
    private long lastMs = -1;
    private long lastEndOffsets;
    private long lag;
    private double lastRate;

    public ReplicaForecast(Settings settings) {
        this.settings = settings;
        this.rate = new HoltLinearTrend(settings.alpha(), settings.beta());
    }

    /**
     * One sample at {@code nowMs}: the end offsets of the layer's input partitions, summed over its
     * lanes, and its lag (end offsets minus committed offsets, summed). End offsets that went back
     * (a topic recreated) restart the rate from this sample. Every new offset counts as a signal.
     */
    public void observe(long nowMs, long endOffsets, long lag) {
        observe(nowMs, endOffsets, lag, 1);
    }

    /**
     * One sample, as {@link #observe(long, long, long)}, of which only {@code recordShare} of the new
     * offsets are signals: the rest are transaction markers (one per partition at each commit of
     * a transactional writer) and aborted records, which take offsets but are never read. The
     * arrival rate counts that share of the end offsets' growth; a share of 1 counts them all.
     *
     * @param recordShare the share of new offsets that are records, in [0, 1]
     */
    public void observe(long nowMs, long endOffsets, long lag, double recordShare) {
        if (!(recordShare >= 0 && recordShare <= 1)) {
            throw new IllegalArgumentException("record share must be in [0, 1], got " + recordShare);
        }
        this.lag = Math.max(0, lag);
        if (lastMs >= 0 && nowMs > lastMs && endOffsets >= lastEndOffsets) {
            lastRate = recordShare * (endOffsets - lastEndOffsets) * 1000.0 / (nowMs - lastMs);
            rate.observe(nowMs, lastRate);
        }
        if (lastMs < 0 || nowMs > lastMs) {
            lastMs = nowMs;
            lastEndOffsets = endOffsets;
        }
    }

    /** Whether a rate is known: two samples at least. */
    public boolean hasRate() {
        return rate.samples() > 0;
    }

    /** The smoothed arrival rate, signals per second. */
    public double arrivalRate() {
        return Math.max(0, rate.level());
    }

    /** The rate of the last interval, unsmoothed. */
    public double lastRate() {
        return lastRate;
    }

    /** The arrival rate forecast {@code leadSeconds} ahead (never below 0). */
    public double forecastRate(double leadSeconds) {
        return Math.max(0, rate.forecast(leadSeconds));
    }

    /** The lag of the last sample. */
    public long lag() {
        return lag;
    }

    /**
     * The replicas needed {@code leadSeconds} from now, each taking {@code instanceCapacity}
     * signals per second at most, at most {@code maxReplicas}; 0 while nothing is known
     * (no capacity, no rate) so the other triggers decide. Not rounded: the autoscaler rounds the
     * metric up itself ({@code ceil(total / target)}), after comparing it with the current replicas
     * within its tolerance, which a value rounded up here would blur by up to a pod.
     */
    public double desiredReplicas(double instanceCapacity, double leadSeconds, int maxReplicas) {
        if (!(instanceCapacity > 0) || !hasRate() && lag == 0) {
            return 0;
        }
        double arrivals = Math.max(arrivalRate(), forecastRate(leadSeconds));
        double work = arrivals + lag * 1000.0 / settings.drain().toMillis();
        return Math.max(0, Math.min(maxReplicas, work / (instanceCapacity * settings.utilization())));
    }
}
