package io.hal9.topology.node;

/**
 * What one instance of a layer can finish now, in signals per second, learnt from its own Claude
 * calls at every sample of the {@link ForecastSampler}:
 *
 * <ul>
 *   <li><b>The call bound:</b> the layer's live limit of Claude calls in flight divided by the mean
 *       latency of its answered calls, in seconds. The latency is the mean over each sample
 *       interval that saw answers, smoothed across intervals ({@link #SMOOTHING}), so it follows a
 *       model that slows down instead of averaging since start-up.</li>
 *   <li><b>The measured rate at saturation:</b> the signals the layer finished per second over the
 *       sample intervals that began and ended with its calls in flight at the live limit,
 *       smoothed the same way: what the instance did when Claude's budget was the bottleneck. It
 *       is forgotten {@link #SATURATION_MEMORY_MS 10 minutes} after the last such interval: a rate measured while
 *       calls hung in an incident would otherwise hold the capacity down (and the replicas up)
 *       long after Claude recovered.</li>
 * </ul>
 *
 * <p>The capacity is the lower of the two that are known, 0 while neither is (the forecast then asks
 * for no replicas, and the autoscaler's other triggers decide). Signals answered from the cache
 * take no call: where many are, the call bound underestimates what an instance finishes.
 *
 * <p>Not thread-safe: the sampler's thread feeds and reads it.
 */
final class InstanceCapacity {

    /** The weight of the newest interval in the smoothed latency and saturated rate. */
    static final double SMOOTHING = 0.3;

    /** How long a rate measured at saturation is believed after the last saturated interval. */
    static final long SATURATION_MEMORY_MS = 10 * 60 * 1000L;

    /**
     * The layer's figures at one sample, its lanes summed.
     *
     * @param atMs              when they were read (monotonic milliseconds)
     * @param limit             the live limit of Claude calls in flight (shared by the lanes)
     * @param inFlight          Claude calls in flight
     * @param answeredCalls     answered Claude calls since start-up
     * @param answeredCallSeconds their summed latency
     * @param finished          signals finished since start-up (forwarded, cached, dead-lettered)
     */
    record Reading(long atMs, int limit, int inFlight, long answeredCalls, double answeredCallSeconds,
                   long finished) {

        boolean saturated() {
            return limit > 0 && inFlight >= limit;
        }
    }

    private Reading previous;
    private double latencySeconds = Double.NaN;
    private double saturatedRate = Double.NaN;
    private long saturatedAtMs;
    private int limit;

    /** Takes in the figures of one sample; readings not later than the previous one are ignored. */
    void observe(Reading reading) {
        if (previous != null && reading.atMs() <= previous.atMs()) {
            return;
        }
        long calls = reading.answeredCalls() - (previous == null ? 0 : previous.answeredCalls());
        double seconds = reading.answeredCallSeconds() - (previous == null ? 0 : previous.answeredCallSeconds());
        if (calls > 0 && seconds > 0) {
            latencySeconds = smooth(latencySeconds, seconds / calls);
        }
        if (previous != null && previous.saturated() && reading.saturated()) {
            double rate = (reading.finished() - previous.finished()) * 1000.0 / (reading.atMs() - previous.atMs());
            saturatedRate = smooth(saturatedRate, rate);
            saturatedAtMs = reading.atMs();
        } else if (!Double.isNaN(saturatedRate) && reading.atMs() - saturatedAtMs > SATURATION_MEMORY_MS) {
            saturatedRate = Double.NaN;
        }
        limit = reading.limit();
        previous = reading;
    }

    private static double smooth(double current, double sample) {
        return Double.isNaN(current) ? sample : SMOOTHING * sample + (1 - SMOOTHING) * current;
    }

    /** The live limit over the mean call latency, signals per second; NaN while no call was answered. */
    double callBound() {
        return Double.isNaN(latencySeconds) || limit <= 0 ? Double.NaN : limit / latencySeconds;
    }

    /**
     * Signals finished per second while the calls in flight were at the limit; NaN until such an
     * interval, and again once the last one is older than {@link #SATURATION_MEMORY_MS}.
     */
    double saturatedRate() {
        return saturatedRate;
    }

    /** The smoothed latency of an answered call, in seconds; NaN while none was. */
    double latencySeconds() {
        return latencySeconds;
    }

    /** The lower of {@link #callBound()} and {@link #saturatedRate()} that are known; 0 while neither is. */
    double perSecond() {
        double bound = callBound();
        double measured = saturatedRate;
        if (Double.isNaN(bound)) {
            return Double.isNaN(measured) ? 0 : measured;
        }
        return Double.isNaN(measured) ? bound : Math.min(bound, measured);
    }
}
