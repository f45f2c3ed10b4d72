package io.hal9.topology.autoscale;

/**
 * Holt's linear trend method (double exponential smoothing) over samples taken at irregular times:
 * a smoothed level and a smoothed trend per second, forecast as {@code level + trend × h}.
 *
 * <p>With {@code Δ} the seconds since the previous sample and {@code x} the new value:
 * <pre>
 *   level' = α·x + (1 − α)·(level + trend·Δ)
 *   trend' = β·(level' − level)/Δ + (1 − β)·trend
 * </pre>
 * The first sample sets the level, with no trend. {@code α} weighs the newest value against the
 * projection, {@code β} the newest slope against the smoothed one: small values smooth more and
 * react later.
 *
 * <p>Written here rather than taken from a library: the Java time-series libraries on offer
 * (Commons Math, Smile) have no Holt smoothing, and those that do sample at fixed steps, while the
 * layers sample end offsets whenever their poll runs. The method is the two lines above.
 *
 * <p>Not thread-safe: one sampler feeds it with non-decreasing times.
 */
public final class HoltLinearTrend {

    private final double alpha;
    private final double beta;
    private double level;
    private double trendPerSecond;
    private long lastMs;
    private long samples;

    public HoltLinearTrend(double alpha, double beta) {
        if (!(alpha > 0 && alpha <= 1) || !(beta > 0 && beta <= 1)) {
            throw new IllegalArgumentException("Holt's alpha and beta must be in (0, 1], got " + alpha + ", " + beta);
        }
        this.alpha = alpha;
        this.beta = beta;
    }

    /** Adds the value sampled at {@code atMs}; a sample not later than the previous one is ignored. */
    public void observe(long atMs, double value) {
        if (samples == 0) {
            level = value;
            trendPerSecond = 0;
        } else {
            if (atMs <= lastMs) {
                return;
            }
            double seconds = (atMs - lastMs) / 1000.0;
            double next = alpha * value + (1 - alpha) * (level + trendPerSecond * seconds);
            trendPerSecond = beta * (next - level) / seconds + (1 - beta) * trendPerSecond;
            level = next;
        }
        lastMs = atMs;
        samples++;
    }

    /** The value forecast {@code aheadSeconds} after the last sample (the level while nothing is known). */
    public double forecast(double aheadSeconds) {
        return level + trendPerSecond * aheadSeconds;
    }

    public double level() {
        return level;
    }

    public double trendPerSecond() {
        return trendPerSecond;
    }

    public long samples() {
        return samples;
    }
}
