package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** What one instance of a layer can finish, from its Claude limit, call latency and saturated rate. */
class InstanceCapacityTest {

    private static final double EXACT = 1e-9;

    private final InstanceCapacity capacity = new InstanceCapacity();

    @Test
    void shouldKnowNoCapacityBeforeAnAnsweredCall() {
        assertThat(capacity.perSecond()).isZero();
        capacity.observe(new InstanceCapacity.Reading(0, 100, 0, 0, 0, 0));
        capacity.observe(new InstanceCapacity.Reading(1_000, 100, 3, 0, 0, 0));

        assertThat(capacity.callBound()).isNaN();
        assertThat(capacity.saturatedRate()).isNaN();
        assertThat(capacity.perSecond()).isZero();
    }

    @Test
    void shouldDivideTheLiveLimitByTheMeanLatencyOfTheCallsAnsweredSinceStartUpAtFirst() {
        // 4 calls answered in 2 s of latency before the first sample: 0.5 s each; 100 at once: 200 per second
        capacity.observe(new InstanceCapacity.Reading(0, 100, 10, 4, 2.0, 4));

        assertThat(capacity.latencySeconds()).isCloseTo(0.5, within(EXACT));
        assertThat(capacity.perSecond()).isCloseTo(200, within(EXACT));
    }

    @Test
    void shouldSmoothTheLatencyOfEachIntervalAndFollowTheLiveLimit() {
        capacity.observe(new InstanceCapacity.Reading(0, 100, 10, 10, 5.0, 10));      // 0.5 s a call

        // 10 more calls taking 10 s in all: 1 s each; smoothed 0.3 x 1 + 0.7 x 0.5 = 0.65 s
        capacity.observe(new InstanceCapacity.Reading(1_000, 100, 10, 20, 15.0, 20));
        assertThat(capacity.latencySeconds()).isCloseTo(0.65, within(EXACT));
        assertThat(capacity.perSecond()).isCloseTo(100 / 0.65, within(EXACT));

        // no call answered in this interval: the latency stays; the limit shrank to 50 (429s)
        capacity.observe(new InstanceCapacity.Reading(2_000, 50, 10, 20, 15.0, 20));
        assertThat(capacity.latencySeconds()).isCloseTo(0.65, within(EXACT));
        assertThat(capacity.perSecond()).isCloseTo(50 / 0.65, within(EXACT));
    }

    @Test
    void shouldTakeTheRateMeasuredAtTheLimitWhenItIsLowerThanTheCallBound() {
        // 0.5 s a call, 100 at once: 200 per second in theory
        capacity.observe(new InstanceCapacity.Reading(0, 100, 100, 10, 5.0, 0));

        // at the limit at both ends of 2 s that finished 300 signals: 150 per second measured
        capacity.observe(new InstanceCapacity.Reading(2_000, 100, 100, 610, 305.0, 300));
        assertThat(capacity.saturatedRate()).isCloseTo(150, within(EXACT));
        assertThat(capacity.perSecond()).isCloseTo(150, within(EXACT));

        // an interval that ends under the limit is not saturated: the measured rate stays
        capacity.observe(new InstanceCapacity.Reading(3_000, 100, 40, 810, 405.0, 500));
        assertThat(capacity.saturatedRate()).isCloseTo(150, within(EXACT));
        // nor is one that starts under it
        capacity.observe(new InstanceCapacity.Reading(4_000, 100, 100, 1_010, 505.0, 700));
        assertThat(capacity.saturatedRate()).isCloseTo(150, within(EXACT));

        // the next saturated one is smoothed in: 100 per second, 0.3 x 100 + 0.7 x 150 = 135
        capacity.observe(new InstanceCapacity.Reading(5_000, 100, 100, 1_110, 555.0, 800));
        assertThat(capacity.saturatedRate()).isCloseTo(135, within(EXACT));
        assertThat(capacity.perSecond()).isCloseTo(135, within(EXACT));
    }

    @Test
    void shouldTakeTheCallBoundWhenItIsLowerThanTheMeasuredRate() {
        capacity.observe(new InstanceCapacity.Reading(0, 10, 10, 10, 10.0, 0));      // 1 s a call: 10 per second
        // cached answers need no call: 40 finished per second at the limit
        capacity.observe(new InstanceCapacity.Reading(1_000, 10, 10, 20, 20.0, 40));

        assertThat(capacity.saturatedRate()).isCloseTo(40, within(EXACT));
        assertThat(capacity.perSecond()).isCloseTo(10, within(EXACT));
    }

    @Test
    void shouldForgetTheSaturatedRateTenMinutesAfterTheLastSaturatedInterval() {
        // calls hung at the limit: 1 signal per second finished
        capacity.observe(new InstanceCapacity.Reading(0, 100, 100, 10, 5.0, 0));
        capacity.observe(new InstanceCapacity.Reading(1_000, 100, 100, 10, 5.0, 1));
        assertThat(capacity.perSecond()).isCloseTo(1, within(EXACT));

        // Claude recovered, the layer is no longer at its limit
        capacity.observe(new InstanceCapacity.Reading(1_000 + InstanceCapacity.SATURATION_MEMORY_MS, 100, 5, 10, 5.0, 9));
        assertThat(capacity.perSecond()).isCloseTo(1, within(EXACT));
        capacity.observe(new InstanceCapacity.Reading(2_000 + InstanceCapacity.SATURATION_MEMORY_MS, 100, 5, 10, 5.0, 9));

        assertThat(capacity.saturatedRate()).isNaN();
        assertThat(capacity.perSecond()).isCloseTo(200, within(EXACT));
    }

    @Test
    void shouldIgnoreAReadingNotLaterThanThePreviousOne() {
        capacity.observe(new InstanceCapacity.Reading(1_000, 100, 10, 10, 5.0, 10));
        capacity.observe(new InstanceCapacity.Reading(1_000, 100, 10, 20, 100.0, 20));

        assertThat(capacity.latencySeconds()).isCloseTo(0.5, within(EXACT));
    }
}
