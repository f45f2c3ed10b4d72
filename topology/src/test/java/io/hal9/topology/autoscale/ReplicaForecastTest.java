package io.hal9.topology.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The replicas a layer will need, from hand-made offset series and from one recorded on a real
 * broker: {@code rising-arrivals.csv} beside this class (resources), written by
 * {@code io.hal9.topology.node.OffsetSeriesRecorder} (its Javadoc says how to run it). It holds one
 * row a second for 60 s ({@code millis,end_offsets,lag}, milliseconds since the first row) of a
 * 4-partition topic of the embedded broker, published to at 5 + 2.5 t signals per second (5 rising to
 * 155) while a consumer group read at most 60 per second: the lag grows from about 24 s on. The rows
 * are what {@code InputOffsets}, the layers' own reader, returned; the intervals are irregular (the
 * first read, with the admin client's connection, took over a second).
 */
class ReplicaForecastTest {

    /** No smoothing: every figure is the newest interval's, so hand-computed cases stay simple. */
    private static final ReplicaForecast.Settings RAW = new ReplicaForecast.Settings(1, 1, 1, Duration.ofSeconds(60));
    /** Smoothing and headroom as a layer may be configured: alpha 0.3, beta 0.1, utilization 0.85, drain 60 s. */
    private static final ReplicaForecast.Settings DEFAULTS =
            new ReplicaForecast.Settings(0.3, 0.1, 0.85, Duration.ofSeconds(60));
    private static final double EXACT = 1e-9;

    /** One row of the recorded series. */
    record Row(long millis, long endOffsets, long lag) {
    }

    @Test
    void shouldKnowNoRateAndAskForNoReplicasBeforeTwoSamples() {
        ReplicaForecast forecast = new ReplicaForecast(RAW);

        assertThat(forecast.hasRate()).isFalse();
        assertThat(forecast.desiredReplicas(10, 60, 50)).isZero();
        forecast.observe(0, 1_000, 0);
        assertThat(forecast.hasRate()).isFalse();
        assertThat(forecast.desiredReplicas(10, 60, 50)).isZero();
    }

    @Test
    void shouldTakeTheArrivalRateFromTheGrowthOfTheEndOffsets() {
        ReplicaForecast forecast = new ReplicaForecast(RAW);

        // 200 more signals in 2 s: 100 per second
        forecast.observe(0, 1_000, 0);
        forecast.observe(2_000, 1_200, 0);

        assertThat(forecast.hasRate()).isTrue();
        assertThat(forecast.lastRate()).isCloseTo(100, within(EXACT));
        assertThat(forecast.arrivalRate()).isCloseTo(100, within(EXACT));
        // 100 per second, 10 per instance, all of it used: 10 instances
        assertThat(forecast.desiredReplicas(10, 60, 50)).isEqualTo(10);
    }

    @Test
    void shouldCountOnlyTheShareOfTheNewOffsetsThatAreRecords() {
        ReplicaForecast forecast = new ReplicaForecast(RAW);

        // 200 more offsets in 2 s, half of them transaction markers: 50 signals per second
        forecast.observe(0, 1_000, 0, 0.5);
        forecast.observe(2_000, 1_200, 8, 0.5);

        assertThat(forecast.lastRate()).isCloseTo(50, within(EXACT));
        assertThat(forecast.arrivalRate()).isCloseTo(50, within(EXACT));
        // the lag is left as it is (a marker adds at most one offset per partition to it)
        assertThat(forecast.lag()).isEqualTo(8);
        // 50 per second + 8 / 60 s to drain, at 10 per instance
        assertThat(forecast.desiredReplicas(10, 60, 50)).isCloseTo((50 + 8 / 60.0) / 10, within(EXACT));
        assertThatThrownBy(() -> forecast.observe(3_000, 1_300, 0, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> forecast.observe(3_000, 1_300, 0, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldForecastAsBeforeWhenEveryOffsetIsARecord() throws IOException {
        ReplicaForecast all = new ReplicaForecast(DEFAULTS);
        ReplicaForecast shareOfOne = new ReplicaForecast(DEFAULTS);

        for (Row row : recorded("rising-arrivals.csv")) {
            all.observe(row.millis(), row.endOffsets(), row.lag());
            shareOfOne.observe(row.millis(), row.endOffsets(), row.lag(), 1);

            assertThat(shareOfOne.arrivalRate()).isEqualTo(all.arrivalRate());
            assertThat(shareOfOne.forecastRate(75)).isEqualTo(all.forecastRate(75));
            assertThat(shareOfOne.desiredReplicas(10, 75, 50)).isEqualTo(all.desiredReplicas(10, 75, 50));
        }
    }

    @Test
    void shouldRestartTheRateFromASampleWhoseEndOffsetsWentBack() {
        ReplicaForecast forecast = new ReplicaForecast(new ReplicaForecast.Settings(0.5, 0.5, 1, Duration.ofSeconds(60)));
        forecast.observe(0, 1_000, 0);
        forecast.observe(1_000, 1_100, 0); // 100 per second

        // the topic was recreated: its offsets start again from 0, which is no rate at all
        forecast.observe(2_000, 50, 0);
        assertThat(forecast.lastRate()).isCloseTo(100, within(EXACT));
        assertThat(forecast.arrivalRate()).isCloseTo(100, within(EXACT));

        // the next interval counts from the recreated topic's offsets: 200 per second, smoothed 2 s after
        // the last rate: level = 0.5 x 200 + 0.5 x (100 + 0 x 2) = 150
        forecast.observe(3_000, 250, 0);
        assertThat(forecast.lastRate()).isCloseTo(200, within(EXACT));
        assertThat(forecast.arrivalRate()).isCloseTo(150, within(EXACT));
    }

    @Test
    void shouldAddTheLagDrainedWithinTheDrainTime() {
        ReplicaForecast forecast = new ReplicaForecast(RAW);
        forecast.observe(0, 5_000, 0);

        // nothing arrives, 1,200 wait: 1,200 / 60 s = 20 per second to drain, 2 instances of 10
        forecast.observe(1_000, 5_000, 1_200);
        assertThat(forecast.lag()).isEqualTo(1_200);
        assertThat(forecast.desiredReplicas(10, 60, 50)).isEqualTo(2);

        // and on top of arrivals, here without a lead time (unsmoothed, the trend is the whole jump from 0 to 30):
        // 30 per second + 20 to drain = 5 instances
        forecast.observe(2_000, 5_030, 1_200);
        assertThat(forecast.desiredReplicas(10, 0, 50)).isEqualTo(5);
    }

    @Test
    void shouldDrainTheLagOverADrainTimeUnderASecond() {
        ReplicaForecast forecast = new ReplicaForecast(new ReplicaForecast.Settings(1, 1, 1, Duration.ofMillis(500)));

        // no rate known yet, 10 waiting, to drain in 0.5 s: 20 per second, 2 instances of 10
        forecast.observe(0, 100, 10);

        assertThat(forecast.desiredReplicas(10, 60, 50)).isEqualTo(2);
    }

    @Test
    void shouldPlanEachInstanceAtTheTargetUtilization() {
        ReplicaForecast forecast = new ReplicaForecast(new ReplicaForecast.Settings(1, 1, 0.85, Duration.ofSeconds(60)));
        forecast.observe(0, 0, 0);
        forecast.observe(1_000, 85, 0);

        // 85 per second over 10 x 0.85: 10 (the autoscaler rounds up, not this)
        assertThat(forecast.desiredReplicas(10, 60, 50)).isCloseTo(10, within(1e-9));
        forecast.observe(2_000, 171, 0);
        assertThat(forecast.desiredReplicas(10, 0, 50)).isCloseTo(86 / 8.5, within(1e-9));
    }

    @Test
    void shouldNeverAskForMoreReplicasThanPartitions() {
        ReplicaForecast forecast = new ReplicaForecast(RAW);
        forecast.observe(0, 0, 0);
        forecast.observe(1_000, 10_000, 50_000);

        assertThat(forecast.desiredReplicas(10, 60, 8)).isEqualTo(8);
    }

    @Test
    void shouldAskForNoReplicasWhileTheCapacityIsUnknown() {
        ReplicaForecast forecast = new ReplicaForecast(RAW);
        forecast.observe(0, 0, 0);
        forecast.observe(1_000, 500, 100);

        assertThat(forecast.desiredReplicas(0, 60, 50)).isZero();
        assertThat(forecast.desiredReplicas(Double.NaN, 60, 50)).isZero();
        assertThat(forecast.desiredReplicas(-1, 60, 50)).isZero();
    }

    @Test
    void shouldNotAskForFewerReplicasThanTheRateNowNeedsWhenTheForecastFalls() {
        ReplicaForecast forecast = new ReplicaForecast(new ReplicaForecast.Settings(0.5, 0.5, 1, Duration.ofSeconds(60)));
        forecast.observe(0, 0, 0);
        forecast.observe(1_000, 100, 0);   // 100 per second
        forecast.observe(2_000, 150, 0);   // 50: level 75, trend -12.5 per second

        assertThat(forecast.arrivalRate()).isCloseTo(75, within(EXACT));
        assertThat(forecast.forecastRate(60)).isZero(); // 75 - 12.5 x 60 is below 0
        // the rate now still needs 75 / 10 = 7.5 instances (the autoscaler makes that 8)
        assertThat(forecast.desiredReplicas(10, 60, 50)).isCloseTo(7.5, within(EXACT));
    }

    @Test
    void shouldForecastARecordedRisingRateAboveTheRateNowAndAskForMoreReplicasThanItNeeds() throws IOException {
        List<Row> rows = recorded("rising-arrivals.csv");
        ReplicaForecast forecast = new ReplicaForecast(DEFAULTS);
        double lead = 105; // 60 s start-up + 45 s reaction
        double capacity = 60; // the recording consumer's

        for (Row row : rows) {
            forecast.observe(row.millis(), row.endOffsets(), row.lag());
        }

        Row last = rows.get(rows.size() - 1);
        // the series rose from 5 to 155 per second: after a minute of it the smoothed rate keeps up with the last
        // interval's (a linear rise is what Holt's trend follows without lagging behind), and the trend is the
        // 2.5 per second per second the recording rose by
        assertThat(forecast.lastRate()).isBetween(140.0, 170.0);
        assertThat(forecast.arrivalRate()).isCloseTo(forecast.lastRate(), within(0.1 * forecast.lastRate()));
        double trend = (forecast.forecastRate(lead) - forecast.arrivalRate()) / lead;
        assertThat(trend).isBetween(2.0, 3.0);
        // the forecast at the lead time is above both the smoothed rate and the last interval's
        assertThat(forecast.forecastRate(lead)).isGreaterThan(forecast.lastRate());
        assertThat(forecast.lag()).isEqualTo(last.lag());
        // so the layer asks for more instances than the rate now (and its lag) need
        int now = (int) Math.ceil((forecast.lastRate() + last.lag() / 60.0) / (capacity * 0.85));
        assertThat(forecast.desiredReplicas(capacity, lead, 50)).isGreaterThan(now);
        // and no more than the topic's 4 partitions when capped by them
        assertThat(forecast.desiredReplicas(capacity, lead, 4)).isEqualTo(4);
    }

    @Test
    void shouldAskForMoreReplicasAsTheRecordedRateRises() throws IOException {
        List<Row> rows = recorded("rising-arrivals.csv");
        ReplicaForecast forecast = new ReplicaForecast(DEFAULTS);
        int previous = 0;
        int raises = 0;

        for (Row row : rows) {
            forecast.observe(row.millis(), row.endOffsets(), row.lag());
            int desired = (int) Math.ceil(forecast.desiredReplicas(60, 105, 50)); // as the autoscaler rounds it
            // a rising series never asks for fewer: smoothing may hold a figure, never drop it
            assertThat(desired).as("at %d ms", row.millis()).isGreaterThanOrEqualTo(previous);
            raises += desired > previous ? 1 : 0;
            previous = desired;
        }
        assertThat(raises).isGreaterThan(3);
    }

    @Test
    void shouldRefuseAUtilizationOutsideZeroToOneAndADrainOfNothing() {
        assertThatThrownBy(() -> new ReplicaForecast.Settings(0.3, 0.1, 0, Duration.ofSeconds(60)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("utilization");
        assertThatThrownBy(() -> new ReplicaForecast.Settings(0.3, 0.1, 1.2, Duration.ofSeconds(60)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("utilization");
        assertThatThrownBy(() -> new ReplicaForecast.Settings(0.3, 0.1, 0.85, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("drain");
        assertThatThrownBy(() -> new ReplicaForecast(new ReplicaForecast.Settings(0, 0.1, 0.85, Duration.ofSeconds(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alpha");
    }

    /** The rows of a recorded series among this class's resources, the header skipped. */
    static List<Row> recorded(String name) throws IOException {
        try (InputStream in = ReplicaForecastTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no resource " + name + " beside " + ReplicaForecastTest.class.getName());
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            return reader.lines().skip(1).filter(line -> !line.isBlank()).map(line -> {
                String[] fields = line.split(",");
                return new Row(Long.parseLong(fields[0].trim()), Long.parseLong(fields[1].trim()),
                        Long.parseLong(fields[2].trim()));
            }).toList();
        }
    }
}
