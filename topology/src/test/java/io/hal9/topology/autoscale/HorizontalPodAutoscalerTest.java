package io.hal9.topology.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import io.hal9.topology.autoscale.HorizontalPodAutoscaler.Policy;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.PolicyType;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.Rules;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.SelectPolicy;

import org.junit.jupiter.api.Test;

/**
 * The HPA's arithmetic against cases computed by hand from the Kubernetes documentation
 * ({@code desiredReplicas = ceil(currentReplicas × currentMetricValue / desiredMetricValue)}, the
 * 0.1 tolerance, stabilization windows, scaling policies), syncing every 15 s as the controller does.
 */
class HorizontalPodAutoscalerTest {

    private static final long SYNC_MS = 15_000;
    private static final double TARGET = 100;

    /** The behavior of HAL9's ScaledObjects (k8s/layer/layer.yaml): up after 30 s, down 10 % per 5 min after 10 min. */
    private static HorizontalPodAutoscaler hal9Layer() {
        return new HorizontalPodAutoscaler(5, 50, HorizontalPodAutoscaler.DEFAULT_TOLERANCE,
                new Rules(30, Rules.defaultScaleUp().policies(), SelectPolicy.MAX),
                new Rules(600, List.of(new Policy(PolicyType.PERCENT, 10, 300)), SelectPolicy.MAX));
    }

    @Test
    void shouldProposeTheCeilingOfTotalOverTargetOutsideTheTolerance() {
        // 5 pods, 600 in all against 100 each: ratio 1.2, ceil(5 x 120 / 100) = 6
        assertThat(HorizontalPodAutoscaler.proposal(5, 600, TARGET, 0.1)).isEqualTo(6);
        // ratio 1.08 and 0.92, within 0.1 of 1: no change
        assertThat(HorizontalPodAutoscaler.proposal(5, 540, TARGET, 0.1)).isEqualTo(5);
        assertThat(HorizontalPodAutoscaler.proposal(5, 460, TARGET, 0.1)).isEqualTo(5);
        // ratio 1.09 is within; 1.1 in floating point is 1.1000000000000001, past it, in Go as here
        assertThat(HorizontalPodAutoscaler.proposal(10, 1090, TARGET, 0.1)).isEqualTo(10);
        assertThat(HorizontalPodAutoscaler.proposal(10, 1100, TARGET, 0.1)).isEqualTo(11);
        // 3 pods, 1 in all: ceil(0.01) = 1
        assertThat(HorizontalPodAutoscaler.proposal(3, 1, TARGET, 0.1)).isEqualTo(1);
        assertThat(HorizontalPodAutoscaler.proposal(4, 0, TARGET, 0.1)).isZero();
    }

    @Test
    void shouldScaleUpOnlyOnceEveryProposalOfTheLast30SecondsAsksForMore() {
        HorizontalPodAutoscaler hpa = hal9Layer();
        // t=0: 5 pods at target; t=15 s: the load doubles
        assertThat(hpa.sync(0, 5, 500, TARGET)).isEqualTo(5);
        // the window (15 s, 0 s] still holds the proposal of 5: no change
        assertThat(hpa.sync(SYNC_MS, 5, 1000, TARGET)).isEqualTo(5);
        // t=30 s: the window (0, 30 s] holds only 10s: up to 10 (4 pods or 100 % per 15 s allows it)
        assertThat(hpa.sync(2 * SYNC_MS, 5, 1000, TARGET)).isEqualTo(10);
    }

    @Test
    void shouldScaleUpByFourPodsOrDoubleWhicheverIsMoreEvery15Seconds() {
        HorizontalPodAutoscaler hpa = new HorizontalPodAutoscaler(1, 100, 0.1, Rules.defaultScaleUp(),
                Rules.defaultScaleDown());
        // 2 pods asked for 20: 2 + 4 = 6 against ceil(2 x 2) = 4, the larger
        assertThat(hpa.sync(0, 2, 2000, TARGET)).isEqualTo(6);
        // 15 s later the period starts at 6: 10 against 12
        assertThat(hpa.sync(SYNC_MS, 6, 2000, TARGET)).isEqualTo(12);
        // then the proposal itself, 20, is below the limit of 24
        assertThat(hpa.sync(2 * SYNC_MS, 12, 2000, TARGET)).isEqualTo(20);
        // within one period the limit counts what was added in it: 7 s after a step from 20 to 24,
        // the period started at 20, so at most 40 (double), and 30 is asked
        HorizontalPodAutoscaler fast = new HorizontalPodAutoscaler(1, 100, 0.1,
                new Rules(0, List.of(new Policy(PolicyType.PODS, 4, 15)), SelectPolicy.MAX), Rules.defaultScaleDown());
        assertThat(fast.sync(0, 20, 3000, TARGET)).isEqualTo(24);
        assertThat(fast.sync(7_000, 24, 3000, TARGET)).isEqualTo(24);
        assertThat(fast.sync(15_000, 24, 3000, TARGET)).isEqualTo(28);
    }

    @Test
    void shouldHoldReplicasForTheScaleDownWindowThenShedTenPercentPerFiveMinutes() {
        HorizontalPodAutoscaler hpa = hal9Layer();
        List<Integer> replicas = new ArrayList<>();
        int current = 50;
        // t=0 the layer is busy at 50 pods; from 15 s on the load is a tenth of that
        current = hpa.sync(0, current, 5000, TARGET);
        for (long t = SYNC_MS; t <= 900_000; t += SYNC_MS) {
            current = hpa.sync(t, current, 500, TARGET);
            replicas.add(current);
        }
        // held at 50 while the window (t - 600 s, t] holds the busy proposal of t=0: until t=600 s
        assertThat(replicas.subList(0, 39)).containsOnly(50);
        // at 600 s: down to int(50 x 0.9) = 45; the 5 removed count in the next 300 s
        assertThat(replicas.get(39)).isEqualTo(45);
        assertThat(replicas.subList(40, 59)).containsOnly(45);
        // at 900 s the step of 600 s has left the period: int(45 x 0.9) = 40
        assertThat(replicas.get(59)).isEqualTo(40);
    }

    @Test
    void shouldKeepWithinMinAndMaxReplicas() {
        HorizontalPodAutoscaler hpa = new HorizontalPodAutoscaler(5, 50, 0.1,
                new Rules(0, List.of(new Policy(PolicyType.PERCENT, 1000, 15)), SelectPolicy.MAX),
                new Rules(0, List.of(new Policy(PolicyType.PERCENT, 100, 15)), SelectPolicy.MAX));
        assertThat(hpa.sync(0, 10, 0, TARGET)).isEqualTo(5);
        assertThat(hpa.sync(SYNC_MS, 5, 100_000, TARGET)).isEqualTo(50);
    }

    @Test
    void shouldTakeTheLeastChangeWithMinAndNoneWhenDisabled() {
        List<Policy> policies = List.of(new Policy(PolicyType.PODS, 4, 15), new Policy(PolicyType.PERCENT, 100, 15));
        HorizontalPodAutoscaler least = new HorizontalPodAutoscaler(1, 100, 0.1,
                new Rules(0, policies, SelectPolicy.MIN), Rules.defaultScaleDown());
        // 2 + 4 = 6 against ceil(2 x 2) = 4: Min takes 4
        assertThat(least.sync(0, 2, 2000, TARGET)).isEqualTo(4);
        HorizontalPodAutoscaler frozen = new HorizontalPodAutoscaler(1, 100, 0.1,
                new Rules(0, policies, SelectPolicy.DISABLED),
                new Rules(0, List.of(new Policy(PolicyType.PODS, 1, 15)), SelectPolicy.DISABLED));
        assertThat(frozen.sync(0, 2, 2000, TARGET)).isEqualTo(2);
        assertThat(frozen.sync(SYNC_MS, 8, 100, TARGET)).isEqualTo(8);
    }

    @Test
    void shouldApplyEachDirectionsOwnToleranceWhenTheyDiffer() {
        // 10 replicas; scaling up past 2 % off, down only past 10 % off
        assertThat(HorizontalPodAutoscaler.proposal(10, 10.4, 1, 0.02, 0.1)).isEqualTo(11); // 1.04 > 1.02: ceil(10.4)
        assertThat(HorizontalPodAutoscaler.proposal(10, 10.25, 1, 0.02, 0.1)).isEqualTo(11); // 1.025
        assertThat(HorizontalPodAutoscaler.proposal(10, 10.1, 1, 0.02, 0.1)).isEqualTo(10); // 1.01: within
        assertThat(HorizontalPodAutoscaler.proposal(10, 9.5, 1, 0.02, 0.1)).isEqualTo(10);  // 0.95: within 0.1
        assertThat(HorizontalPodAutoscaler.proposal(10, 8.5, 1, 0.02, 0.1)).isEqualTo(9);   // 0.85: ceil(8.5)
    }
}
