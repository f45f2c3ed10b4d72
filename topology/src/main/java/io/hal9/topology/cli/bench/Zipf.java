package io.hal9.topology.cli.bench;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s: a few contents are hot, most are rare. */
public final class Zipf {

    private Zipf() {
    }

    /** {@code count} ranks out of {@code ranks}, exponent {@code s}, the same for the same seed. */
    public static int[] draws(int count, int ranks, double s, long seed) {
        double[] cumulative = new double[ranks];
        double sum = 0;
        for (int rank = 0; rank < ranks; rank++) {
            sum += 1.0 / Math.pow(rank + 1, s);
            cumulative[rank] = sum;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] drawn = new int[count];
        for (int i = 0; i < count; i++) {
            int at = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
            drawn[i] = Math.min(ranks - 1, at >= 0 ? at : -at - 1);
        }
        return drawn;
    }
}
