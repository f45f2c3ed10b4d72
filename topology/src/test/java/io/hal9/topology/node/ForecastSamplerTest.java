package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.hal9.topology.autoscale.ReplicaForecast;
import io.hal9.topology.config.AutoscaleSettings;
import io.hal9.topology.layer.InputReads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A layer's forecast sampler, fed by hand-made offsets and capacity figures on a clock the test
 * moves; the sampling thread itself with a short interval.
 */
class ForecastSamplerTest {

    /** Unsmoothed, all of an instance used, lag drained in 10 s; 1 s samples, 20 s start-up unless measured, 10 s reaction. */
    private static final AutoscaleSettings SETTINGS = new AutoscaleSettings(Duration.ofSeconds(1), Duration.ZERO,
            Duration.ofSeconds(10), new ReplicaForecast.Settings(1, 1, 1, Duration.ofSeconds(10)));

    private final AtomicLong clock = new AtomicLong();
    private final AtomicReference<Optional<Duration>> startup = new AtomicReference<>(Optional.empty());
    /** 0.5 s a call, at most 10 in flight: 20 signals per second. */
    private final AtomicReference<InstanceCapacity.Reading> capacity =
            new AtomicReference<>(new InstanceCapacity.Reading(0, 10, 2, 4, 2.0, 4));
    /** Where the instance's tasks are in their input partitions: no task yet. */
    private final AtomicReference<List<InputReads.Position>> positions = new AtomicReference<>(List.of());
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private ForecastSampler sampler = sampler(SETTINGS);

    @AfterEach
    void close() {
        sampler.close();
    }

    private ForecastSampler sampler(AutoscaleSettings settings) {
        ForecastSampler created = new ForecastSampler("L2", settings, atMs -> {
            InstanceCapacity.Reading r = capacity.get();
            return new InstanceCapacity.Reading(atMs, r.limit(), r.inFlight(), r.answeredCalls(),
                    r.answeredCallSeconds(), r.finished());
        }, positions::get, startup::get, clock::get);
        AutoscaleMetrics.bind(registry, created);
        return created;
    }

    @Test
    void shouldExportNothingKnownBeforeTheFirstSample() {
        // the lead counts a minute of start-up until the process has measured its own
        assertThat(gauge(AutoscaleMetrics.DESIRED_REPLICAS)).isZero();
        assertThat(gauge(AutoscaleMetrics.ARRIVAL_RATE)).isZero();
        assertThat(gauge(AutoscaleMetrics.ARRIVAL_RATE_FORECAST)).isZero();
        assertThat(gauge(AutoscaleMetrics.INSTANCE_CAPACITY)).isZero();
        assertThat(gauge(AutoscaleMetrics.LEAD)).isEqualTo(70);
        assertThat(gauge(AutoscaleMetrics.INPUT_RECORD_SHARE)).isEqualTo(1);
    }

    @Test
    void shouldCountOnlyTheShareOfTheNewOffsetsThatTheInstanceReadAsRecords() throws Exception {
        // Given an instance whose one task has read 500 records, the last at offset 999
        positions.set(List.of(new InputReads.Position(1, 500, 999)));
        sampler.sample(() -> new InputOffsets.Sample(1_000, 0, 8));

        // When in 1 s the end offsets grow by 200 and the task reads 50 records over 100 offsets (the other 50: the
        // markers of the upstream's transactions)
        positions.set(List.of(new InputReads.Position(1, 550, 1_099)));
        clock.set(1_000);
        sampler.sample(() -> new InputOffsets.Sample(1_200, 0, 8));

        // Then half of the 200 offsets a second are signals
        assertThat(sampler.figures().recordShare()).isCloseTo(0.5, within(1e-9));
        assertThat(sampler.figures().arrivalRate()).isCloseTo(100, within(1e-9));
        assertThat(gauge(AutoscaleMetrics.INPUT_RECORD_SHARE)).isCloseTo(0.5, within(1e-9));
        assertThat(gauge(AutoscaleMetrics.ARRIVAL_RATE)).isCloseTo(100, within(1e-9));
    }

    @Test
    void shouldExportTheReplicasTheArrivalsAndLagNeedAtTheLeadTime() throws Exception {
        // Given 100 signals arriving in 1 s and 50 waiting, the process ready after 20 s
        sampler.sample(() -> new InputOffsets.Sample(1_000, 0, 8));
        startup.set(Optional.of(Duration.ofSeconds(20)));
        clock.set(1_000);
        sampler.sample(() -> new InputOffsets.Sample(1_100, 50, 8));

        // Then 100 per second arrive (the first rate: no trend yet) and 50 / 10 s are to drain: 105 per second,
        // at 20 per instance, 5.25 instances (the autoscaler rounds up to 6)
        ForecastSampler.Figures figures = sampler.figures();
        assertThat(figures.arrivalRate()).isCloseTo(100, within(1e-9));
        assertThat(figures.forecastRate()).isCloseTo(100, within(1e-9));
        assertThat(figures.capacity()).isCloseTo(20, within(1e-9));
        assertThat(figures.lead()).isEqualTo(Duration.ofSeconds(30));
        assertThat(figures.desiredReplicas()).isCloseTo(5.25, within(1e-9));
        assertThat(figures.lag()).isEqualTo(50);
        assertThat(figures.samples()).isEqualTo(2);
        // and the gauges say the same
        assertThat(gauge(AutoscaleMetrics.DESIRED_REPLICAS)).isCloseTo(5.25, within(1e-9));
        assertThat(gauge(AutoscaleMetrics.ARRIVAL_RATE)).isCloseTo(100, within(1e-9));
        assertThat(gauge(AutoscaleMetrics.INSTANCE_CAPACITY)).isCloseTo(20, within(1e-9));
        assertThat(gauge(AutoscaleMetrics.LEAD)).isEqualTo(30);

        // When arrivals double in the next second, the trend forecasts 200 + 100 x 30 s at the lead time: capped
        // by the 8 partitions
        clock.set(2_000);
        sampler.sample(() -> new InputOffsets.Sample(1_300, 0, 8));
        assertThat(sampler.figures().forecastRate()).isCloseTo(3_200, within(1e-6));
        assertThat(sampler.figures().desiredReplicas()).isEqualTo(8);
    }

    @Test
    void shouldKeepTheLastFiguresWhenAReadFailsButFollowTheCapacityAndLead() throws Exception {
        sampler.sample(() -> new InputOffsets.Sample(1_000, 0, 8));
        clock.set(1_000);
        sampler.sample(() -> new InputOffsets.Sample(1_100, 0, 8));
        assertThat(sampler.figures().desiredReplicas()).isEqualTo(5);

        // the limit halves (429s) and the start-up is measured, then Kafka does not answer
        capacity.set(new InstanceCapacity.Reading(0, 5, 5, 4, 2.0, 4));
        startup.set(Optional.of(Duration.ofSeconds(5)));
        clock.set(2_000);
        assertThatThrownBy(() -> sampler.sample(() -> {
            throw new TimeoutException("no answer");
        })).isInstanceOf(TimeoutException.class);

        ForecastSampler.Figures figures = sampler.figures();
        assertThat(figures.desiredReplicas()).isEqualTo(5);
        assertThat(figures.arrivalRate()).isCloseTo(100, within(1e-9));
        assertThat(figures.samples()).isEqualTo(2);
        assertThat(figures.capacity()).isCloseTo(10, within(1e-9));
        assertThat(figures.lead()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void shouldSampleOnItsOwnThreadAndGoOnAfterFailedReads() {
        sampler.close();
        sampler = sampler(new AutoscaleSettings(Duration.ofMillis(100), Duration.ofSeconds(20), Duration.ofSeconds(10),
                new ReplicaForecast.Settings(1, 1, 1, Duration.ofSeconds(10))));
        AtomicInteger reads = new AtomicInteger();
        ConcurrentLinkedQueue<Thread> threads = new ConcurrentLinkedQueue<>();

        // Given a source whose first two reads fail
        sampler.start(() -> {
            threads.add(Thread.currentThread());
            clock.addAndGet(1_000);
            int read = reads.incrementAndGet();
            if (read <= 2) {
                throw new IllegalStateException("broker unreachable");
            }
            return new InputOffsets.Sample(100L * read, 0, 8);
        });

        // Then it goes on sampling, learns the rate (100 per 1 s), and never ran on the test's thread
        await().atMost(Duration.ofSeconds(10)).until(() -> sampler.figures().samples() >= 2);
        assertThat(sampler.failures()).isEqualTo(2);
        assertThat(sampler.figures().arrivalRate()).isCloseTo(100, within(1e-9));
        assertThat(threads).extracting(Thread::getName).containsOnly("hal9-forecast-l2");

        // and closing stops its thread (the executor terminates as its last worker exits, a moment
        // before that thread is gone; other tests' layers may run samplers of the same name meanwhile)
        sampler.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> threads.stream().noneMatch(Thread::isAlive));
    }

    private double gauge(String name) {
        return registry.get(name).tag("layer", "L2").gauge().value();
    }
}
