package io.hal9.topology.cli.common;

import java.util.Collection;

/** Percentiles of measured latencies, shared by {@code hal9 demo} and {@code hal9 bench}. */
public final class Percentiles {

    private Percentiles() {
    }

    /**
     * The value at quantile {@code q} (0..1) by nearest rank: the smallest value with at least
     * {@code q} of the values at or below it. 0 when there are no values.
     */
    public static long nearestRank(Collection<Long> values, double q) {
        if (values.isEmpty()) {
            return 0;
        }
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
