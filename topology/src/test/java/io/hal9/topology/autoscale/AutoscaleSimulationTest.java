package io.hal9.topology.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import io.hal9.topology.autoscale.AutoscaleSimulation.Policy;
import io.hal9.topology.autoscale.AutoscaleSimulation.Result;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control loop's model, on small manifests computed by hand, and on the project's own. */
class AutoscaleSimulationTest {

    private static final ReplicaForecast.Settings FORECAST = new ReplicaForecast.Settings(0.3, 0.03, 1.0,
            Duration.ofSeconds(20));

    /** Polling every 10 s, 1 to 10 replicas, no scale-up window, one pod per 100 signals of lag. */
    private static ScalingManifest small() {
        return ScalingManifest.of(ScalingManifest.parse("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: hal9-l2}
                spec:
                  scaleTargetRef: {name: hal9-l2}
                  pollingInterval: 10
                  minReplicaCount: 1
                  maxReplicaCount: 10
                  advanced:
                    horizontalPodAutoscalerConfig:
                      behavior:
                        scaleUp: {stabilizationWindowSeconds: 0}
                    scalingModifiers: {formula: "max(kafka_lag / 100, desired_replicas)", target: "1"}
                  triggers:
                    - type: kafka
                      name: kafka_lag
                      metadata: {topic: hal9.signals.l2, lagThreshold: "100"}
                    - type: prometheus
                      name: desired_replicas
                      metadata: {query: "max(hal9_desired_replicas{layer=\\"L2\\"})", threshold: "1"}
                """), "hal9-l2");
    }

    private static Trace constant(double rate, int seconds) {
        double[] rates = new double[seconds];
        Arrays.fill(rates, rate);
        return new Trace("constant", rates);
    }

    @Test
    void shouldScaleOnceTheLagPassesTheToleranceAndDrainIt() {
        // 15 signals/s against one pod of 10/s: the lag grows 5/s. Polls at 10 s (lag 55: 0.55 ->
        // ceil 1) and 20 s (105: within the 0.1 tolerance of 1) keep one pod; at 30 s (155: ceil(1.55))
        // a second starts, ready at once; 20/s then drain 5/s: empty 31 s later.
        var simulation = new AutoscaleSimulation(small(), new AutoscaleSimulation.Settings(10, 0, 5, FORECAST));

        Result result = simulation.run(constant(15, 60), Policy.LAG);

        assertThat(result.maxLag()).isEqualTo(155);
        assertThat(result.scaleUps()).isEqualTo(1);
        assertThat(result.scaleDowns()).isZero(); // the 300 s default scale-down window holds the second pod
        assertThat(result.peakReplicas()).isEqualTo(2);
        assertThat(result.podMinutes()).isCloseTo((31 * 1 + 29 * 2) / 60.0, within(1e-9)); // seconds 0-30, 31-59
        assertThat(result.signals()).isEqualTo(900);
        assertThat(result.p50DelaySeconds()).isPositive();
    }

    @Test
    void shouldNotScaleNorQueueWhileTheMinimumReplicasKeepUp() {
        ScalingManifest manifest = ScalingManifest.of(ScalingManifest.render(Path.of("..", "k8s")), "hal9-l2");
        var simulation = new AutoscaleSimulation(manifest, new AutoscaleSimulation.Settings(30, 10, 5, FORECAST));

        for (Policy policy : Policy.values()) {
            Result result = simulation.run(constant(100, 600), policy);
            assertThat(result.scaleEvents()).as(policy.name()).isZero();
            assertThat(result.maxLag()).as(policy.name()).isZero();
            assertThat(result.p99DelaySeconds()).as(policy.name()).isZero();
            assertThat(result.podMinutes()).as(policy.name()).isCloseTo(5 * 10.0, within(1e-9));
        }
    }

    /**
     * What predictive scaling is for, with the project's manifests and the layers' default forecast
     * settings, a pod as {@code hal9 autoscale-sim} assumes it (30/s, ready 5.5 s + a 5 s probe
     * period after its start): pods ready before the backlog on a ramp and over a day, at no more
     * cost; no worse on a spike; no more scale events on a noisy steady load.
     */
    @Test
    void shouldMeetPredictiveScalingsGoalsWithTheProjectsManifestsAndDefaults() {
        ScalingManifest manifest = ScalingManifest.of(ScalingManifest.render(Path.of("..", "k8s")), "hal9-l2");
        var simulation = new AutoscaleSimulation(manifest, new AutoscaleSimulation.Settings(30, 5.478 + 5, 5,
                Hal9Settings.forecast(Hal9Config.of(Map.of()))));

        Result rampLag = simulation.run(Trace.ramp(100), Policy.LAG);
        Result ramp = simulation.run(Trace.ramp(100), Policy.PREDICTIVE);
        assertThat(rampLag.p99DelaySeconds()).isGreaterThan(5);
        assertThat(ramp.p99DelaySeconds()).isLessThanOrEqualTo(0.5 * rampLag.p99DelaySeconds());
        assertThat(ramp.maxLag()).isLessThan(rampLag.maxLag());
        assertThat(ramp.podMinutes()).isLessThanOrEqualTo(1.1 * rampLag.podMinutes());

        Result dayLag = simulation.run(Trace.diurnal(100, 86_400), Policy.LAG);
        Result day = simulation.run(Trace.diurnal(100, 86_400), Policy.PREDICTIVE);
        assertThat(day.p99DelaySeconds()).isLessThanOrEqualTo(0.5 * dayLag.p99DelaySeconds());
        assertThat(day.podMinutes()).isLessThanOrEqualTo(dayLag.podMinutes());

        Result spikeLag = simulation.run(Trace.spike(100), Policy.LAG);
        Result spike = simulation.run(Trace.spike(100), Policy.PREDICTIVE);
        assertThat(spike.p99DelaySeconds()).isLessThanOrEqualTo(spikeLag.p99DelaySeconds());
        assertThat(spike.podMinutes()).isLessThanOrEqualTo(spikeLag.podMinutes());

        for (long seed = 1; seed <= 4; seed++) {
            Result flatLag = simulation.run(Trace.flat(100, seed), Policy.LAG);
            Result flat = simulation.run(Trace.flat(100, seed), Policy.PREDICTIVE);
            assertThat(flat.scaleEvents()).as("seed %d", seed).isLessThanOrEqualTo(flatLag.scaleEvents());
        }
    }

    @Test
    void shouldCapTheLagTriggerAndTheWorkAtThePartitions() {
        ScalingManifest manifest = small();
        ScalingManifest twoPartitions = new ScalingManifest(manifest.name(), manifest.pollingSeconds(),
                manifest.minReplicas(), manifest.maxReplicas(), manifest.upTolerance(), manifest.downTolerance(),
                manifest.scaleUp(),
                manifest.scaleDown(), manifest.formula(), manifest.target(), manifest.triggers(), 2,
                manifest.readinessPeriodSeconds());
        var settings = new AutoscaleSimulation.Settings(10, 0, 5, FORECAST);

        Result capped = new AutoscaleSimulation(twoPartitions, settings).run(constant(50, 300), Policy.LAG);
        Result free = new AutoscaleSimulation(manifest, settings).run(constant(50, 300), Policy.LAG);

        // KEDA reports at most partitions x lagThreshold of lag (idle consumers are not allowed):
        // the lag asks for two pods at most, and two partitions keep the work at two pods' worth
        assertThat(free.peakReplicas()).isGreaterThan(2);
        assertThat(capped.peakReplicas()).isEqualTo(2);
        assertThat(capped.maxLag()).isGreaterThan(free.maxLag());
    }

    @Test
    void shouldReadATraceFromCsvHoldingEachRateToTheNextRow(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("trace.csv");
        Files.writeString(file, "second,rate\n# quiet, then busy\n0,10\n3,40\n5,0\n");

        Trace trace = Trace.read(file);

        assertThat(trace.rates()).containsExactly(10, 10, 10, 40, 40, 0);
        assertThat(trace.name()).isEqualTo("trace.csv");
    }

    @Test
    void shouldNameTheLineOfABadCsvRow(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("trace.csv");
        Files.writeString(file, "0,10\n2,-1\n");
        assertThatThrownBy(() -> Trace.read(file)).hasMessageContaining("trace.csv:2").hasMessageContaining(">= 0");
        Files.writeString(file, "0,10\n5,20\n3,30\n");
        assertThatThrownBy(() -> Trace.read(file)).hasMessageContaining("trace.csv:3: seconds must increase");
    }
}
