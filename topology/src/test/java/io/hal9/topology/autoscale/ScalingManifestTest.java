package io.hal9.topology.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.topology.autoscale.AutoscaleSimulation.Policy;
import io.hal9.topology.autoscale.AutoscaleSimulation.Result;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.PolicyType;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.SelectPolicy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulation reads its numbers from the rendered {@code k8s/} manifests: the values below are
 * the ones {@code k8s/layer/layer.yaml} holds, and a copy of {@code k8s/} with one of them changed
 * simulates differently.
 */
class ScalingManifestTest {

    private static final Path K8S = Path.of("..", "k8s").toAbsolutePath().normalize();
    private static final AutoscaleSimulation.Settings SETTINGS = new AutoscaleSimulation.Settings(30, 10, 5,
            new ReplicaForecast.Settings(0.3, 0.03, 1.0, Duration.ofSeconds(20)));

    @Test
    void shouldReadTheLayersScaledObjectAndPartitionsFromTheRenderedManifests() {
        ScalingManifest manifest = ScalingManifest.of(ScalingManifest.render(K8S), "hal9-l2");

        assertThat(manifest.pollingSeconds()).isEqualTo(15);
        assertThat(manifest.minReplicas()).isEqualTo(5);
        assertThat(manifest.maxReplicas()).isEqualTo(50);
        assertThat(manifest.partitions()).isEqualTo(50);
        assertThat(manifest.readinessPeriodSeconds()).isEqualTo(5);
        assertThat(manifest.upTolerance()).isEqualTo(0.02);
        assertThat(manifest.downTolerance()).isEqualTo(0.1);
        assertThat(manifest.scaleUp().stabilizationWindowSeconds()).isEqualTo(30);
        // scaleUp sets no policies: Kubernetes' defaults, 4 pods or 100 % per 15 s
        assertThat(manifest.scaleUp().policies()).containsExactly(
                new HorizontalPodAutoscaler.Policy(PolicyType.PODS, 4, 15),
                new HorizontalPodAutoscaler.Policy(PolicyType.PERCENT, 100, 15));
        assertThat(manifest.scaleDown().stabilizationWindowSeconds()).isEqualTo(600);
        assertThat(manifest.scaleDown().policies()).containsExactly(
                new HorizontalPodAutoscaler.Policy(PolicyType.PERCENT, 10, 300));
        assertThat(manifest.scaleDown().selectPolicy()).isEqualTo(SelectPolicy.MAX);
        assertThat(manifest.formula()).contains("desired_replicas", "kafka_lag", "signals_per_second");
        assertThat(manifest.target()).isEqualTo(1.0);
        assertThat(manifest.triggers()).containsKeys("kafka_lag", "kafka_lag_high", "kafka_lag_bulk",
                "signals_per_second", "desired_replicas", "breaker_open_ratio", "claude_throttled_share", "cpu");
        assertThat(manifest.triggers().get("kafka_lag").threshold()).isEqualTo(300);
        assertThat(manifest.triggers().get("desired_replicas").metadata().get("query"))
                .contains("hal9_desired_replicas{layer=\"L2\"}");
    }

    @Test
    void shouldSimulateDifferentlyWhenTheManifestsChange(@TempDir Path dir) throws IOException {
        Path copy = copy(K8S, dir.resolve("k8s"));
        Path layer = copy.resolve("layer").resolve("layer.yaml");
        String yaml = Files.readString(layer);
        assertThat(yaml).contains("maxReplicaCount: 50").contains("stabilizationWindowSeconds: 600")
                .contains("tolerance: \"0.02\"");
        Files.writeString(layer, yaml.replace("maxReplicaCount: 50", "maxReplicaCount: 20")
                .replace("stabilizationWindowSeconds: 600", "stabilizationWindowSeconds: 120")
                .replace("tolerance: \"0.02\"", "tolerance: 50m"));

        ScalingManifest original = ScalingManifest.of(ScalingManifest.render(K8S), "hal9-l2");
        ScalingManifest changed = ScalingManifest.of(ScalingManifest.render(copy), "hal9-l2");
        assertThat(changed.maxReplicas()).isEqualTo(20);
        assertThat(changed.scaleDown().stabilizationWindowSeconds()).isEqualTo(120);
        assertThat(changed.upTolerance()).isEqualTo(0.05);
        assertThat(changed.downTolerance()).isEqualTo(0.1);

        // the ramp ends at 1,000 signals/s: 34 pods of 30/s; 20 cannot keep up
        Trace ramp = Trace.ramp(100);
        Result before = new AutoscaleSimulation(original, SETTINGS).run(ramp, Policy.LAG);
        Result after = new AutoscaleSimulation(changed, SETTINGS).run(ramp, Policy.LAG);
        assertThat(before.peakReplicas()).isGreaterThan(20);
        assertThat(after.peakReplicas()).isEqualTo(20);
        assertThat(after.podMinutes()).isLessThan(before.podMinutes());
        assertThat(after.p99DelaySeconds()).isGreaterThan(10 * before.p99DelaySeconds());
    }

    @Test
    void shouldNameTheScaledObjectItCannotFind() {
        List<JsonNode> docs = ScalingManifest.parse("kind: ConfigMap\nmetadata:\n  name: x\n");
        assertThatThrownBy(() -> ScalingManifest.of(docs, "hal9-l9"))
                .hasMessageContaining("no ScaledObject named hal9-l9");
    }

    @Test
    void shouldRefuseAFormulaInputTheModelCannotFeed() {
        String yaml = """
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: hal9-l2}
                spec:
                  scaleTargetRef: {name: hal9-l2}
                  advanced:
                    scalingModifiers: {formula: "memory_used / 2", target: "1", metricType: AverageValue}
                  triggers:
                    - type: prometheus
                      name: memory_used
                      metadata: {query: "sum(jvm_memory_used_bytes)", threshold: "1"}
                """;
        ScalingManifest manifest = ScalingManifest.of(ScalingManifest.parse(yaml), "hal9-l2");
        assertThatThrownBy(() -> new AutoscaleSimulation(manifest, SETTINGS))
                .hasMessageContaining("trigger memory_used measures something the simulation does not model");
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        return to;
    }
}
