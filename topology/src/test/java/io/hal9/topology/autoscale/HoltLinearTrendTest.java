package io.hal9.topology.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Holt's linear trend against values computed by hand from its two equations. */
class HoltLinearTrendTest {

    private static final double EXACT = 1e-9;

    @Test
    void shouldTakeTheFirstSampleAsLevelWithoutTrend() {
        HoltLinearTrend holt = new HoltLinearTrend(0.5, 0.5);

        holt.observe(1_000, 10);

        assertThat(holt.level()).isEqualTo(10);
        assertThat(holt.trendPerSecond()).isZero();
        assertThat(holt.forecast(30)).isEqualTo(10);
        assertThat(holt.samples()).isEqualTo(1);
    }

    @Test
    void shouldSmoothLevelAndTrendOverIrregularIntervalsAsComputedByHand() {
        HoltLinearTrend holt = new HoltLinearTrend(0.5, 0.5);
        holt.observe(0, 10);

        // 1 s later, 20: level = 0.5 x 20 + 0.5 x (10 + 0 x 1) = 15; trend = 0.5 x (15 - 10) / 1 + 0.5 x 0 = 2.5
        holt.observe(1_000, 20);
        assertThat(holt.level()).isCloseTo(15, within(EXACT));
        assertThat(holt.trendPerSecond()).isCloseTo(2.5, within(EXACT));
        assertThat(holt.forecast(2)).isCloseTo(20, within(EXACT));

        // 2 s later, 30: level = 0.5 x 30 + 0.5 x (15 + 2.5 x 2) = 25; trend = 0.5 x (25 - 15) / 2 + 0.5 x 2.5 = 3.75
        holt.observe(3_000, 30);
        assertThat(holt.level()).isCloseTo(25, within(EXACT));
        assertThat(holt.trendPerSecond()).isCloseTo(3.75, within(EXACT));
        assertThat(holt.forecast(4)).isCloseTo(40, within(EXACT));

        // 250 ms later, 25: level = 0.5 x 25 + 0.5 x (25 + 3.75 x 0.25) = 25.46875;
        // trend = 0.5 x 0.46875 / 0.25 + 0.5 x 3.75 = 2.8125
        holt.observe(3_250, 25);
        assertThat(holt.level()).isCloseTo(25.46875, within(EXACT));
        assertThat(holt.trendPerSecond()).isCloseTo(2.8125, within(EXACT));
        assertThat(holt.samples()).isEqualTo(4);
    }

    @Test
    void shouldFollowALinearSeriesExactlyWhateverTheIntervalsWithoutSmoothing() {
        // alpha = beta = 1: the level is the newest value, the trend the newest slope
        HoltLinearTrend holt = new HoltLinearTrend(1, 1);
        long[] times = {0, 500, 2_000, 2_100, 5_000};

        for (long ms : times) {
            holt.observe(ms, 3 * ms / 1000.0 + 1);
        }

        assertThat(holt.level()).isCloseTo(16, within(EXACT));
        assertThat(holt.trendPerSecond()).isCloseTo(3, within(EXACT));
        assertThat(holt.forecast(10)).isCloseTo(46, within(EXACT));
    }

    @Test
    void shouldIgnoreSamplesNotLaterThanThePreviousOne() {
        HoltLinearTrend holt = new HoltLinearTrend(0.5, 0.5);
        holt.observe(0, 10);
        holt.observe(1_000, 20);

        // an earlier and a simultaneous sample change nothing
        holt.observe(500, 1_000);
        holt.observe(1_000, 1_000);

        assertThat(holt.level()).isCloseTo(15, within(EXACT));
        assertThat(holt.trendPerSecond()).isCloseTo(2.5, within(EXACT));
        assertThat(holt.samples()).isEqualTo(2);
        // and the next later one is smoothed from the last accepted one, 1 s before it
        holt.observe(2_000, 20);
        assertThat(holt.level()).isCloseTo(0.5 * 20 + 0.5 * (15 + 2.5), within(EXACT));
    }

    @Test
    void shouldRefuseSmoothingWeightsOutsideZeroToOne() {
        assertThatThrownBy(() -> new HoltLinearTrend(0, 0.1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha and beta");
        assertThatThrownBy(() -> new HoltLinearTrend(0.3, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HoltLinearTrend(Double.NaN, 0.1)).isInstanceOf(IllegalArgumentException.class);
    }
}
