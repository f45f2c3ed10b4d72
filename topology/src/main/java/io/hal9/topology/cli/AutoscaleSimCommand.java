package io.hal9.topology.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.topology.autoscale.AutoscaleSimulation;
import io.hal9.topology.autoscale.AutoscaleSimulation.Policy;
import io.hal9.topology.autoscale.AutoscaleSimulation.Result;
import io.hal9.topology.autoscale.ScalingManifest;
import io.hal9.topology.autoscale.Trace;
import io.hal9.topology.config.AutoscaleSettings;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hal9 autoscale-sim}: replays traffic traces through a model of a layer's scaling control
 * loop ({@link AutoscaleSimulation}) whose numbers are read from the rendered {@code k8s/}
 * manifests, under lag-only scaling and with the layer's forecast; one JSON line per trace and
 * policy, then one comparing the two.
 */
@Command(name = "autoscale-sim", mixinStandardHelpOptions = true,
        description = "Replay traffic traces through a model of a layer's KEDA/HPA scaling, read from the k8s/ "
                + "manifests, with lag-only and predictive scaling; prints JSON per trace and policy.")
public final class AutoscaleSimCommand implements Callable<Integer> {

    /**
     * A layer process's start-up, from launch to {@code /health/ready} with its stores restored
     * (5,000 answers): the p50 of {@code hal9 bench --mode startup} on a 2-core machine, 3,660 ms and
     * 5,478 ms in two runs of three starts (3.2 to 6.2 s); the higher. The simulation adds the
     * manifest's readiness probe period: the kubelet sees the pod ready at its next probe.
     */
    static final long MEASURED_STARTUP_MS = 5_478;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--trace", split = ",", defaultValue = "ramp,spike,diurnal,flat",
            description = "ramp, spike, diurnal, flat, or a CSV file of second,rate rows (default: the four).")
    List<String> traces;

    @Option(names = "--policy", defaultValue = "both", description = "lag, predictive or both (default: both).")
    String policy;

    @Option(names = "--k8s", defaultValue = "k8s", description = "The kustomization to render with kubectl "
            + "kustomize (default: k8s).")
    Path k8s;

    @Option(names = "--manifests", description = "Rendered manifests (YAML) to read instead of rendering --k8s.")
    Path manifests;

    @Option(names = "--layer", defaultValue = "L2", description = "The layer whose ScaledObject is read (default: L2).")
    String layer;

    @Option(names = "--capacity", description = "Signals per second one pod finishes (default: the manifest's "
            + "per-pod target, the signals_per_second trigger's threshold).")
    Double capacity;

    @Option(names = "--startup-ms", description = "A layer process's start-up to /health/ready (default: "
            + MEASURED_STARTUP_MS + ", measured by hal9 bench --mode startup); the readiness probe's period is added.")
    Long startupMs;

    @Option(names = "--base-rate", defaultValue = "100", description = "The built-in traces' base rate, signals/s "
            + "(default: 100).")
    double baseRate;

    @Option(names = "--day-seconds", defaultValue = "86400", description = "The length of a day in the diurnal "
            + "trace (default: 86400).")
    int daySeconds;

    @Option(names = "--seed", defaultValue = "1", description = "The flat trace's noise seed (default: 1).")
    long seed;

    @Option(names = "--timeline", description = "Also write every autoscaler sync to this CSV file (trace, policy, "
            + "second, arrival rate, replicas, ready, lag, the formula's value).")
    Path timeline;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Policy> policies = switch (policy) {
            case "lag" -> List.of(Policy.LAG);
            case "predictive" -> List.of(Policy.PREDICTIVE);
            case "both" -> List.of(Policy.LAG, Policy.PREDICTIVE);
            default -> throw new IllegalArgumentException("--policy must be lag, predictive or both, got " + policy);
        };
        if (!(baseRate > 0) || daySeconds < 60) {
            throw new IllegalArgumentException("--base-rate must be > 0 and --day-seconds at least 60");
        }
        List<JsonNode> docs = manifests != null
                ? ScalingManifest.parse(Files.readString(manifests, StandardCharsets.UTF_8))
                : ScalingManifest.render(k8s);
        ScalingManifest manifest = ScalingManifest.of(docs, "hal9-" + layer.toLowerCase());
        AutoscaleSimulation simulation = new AutoscaleSimulation(manifest, settings(manifest));
        var out = spec.commandLine().getOut();
        try (var rows = timeline == null ? null : Files.newBufferedWriter(timeline, StandardCharsets.UTF_8)) {
            if (rows != null) {
                rows.write("trace,policy,second,arrival_rate,replicas,ready,lag,metric\n");
            }
            for (String name : traces) {
                run(simulation, trace(name), policies, rows);
            }
        }
        return 0;
    }

    private void run(AutoscaleSimulation simulation, Trace trace, List<Policy> policies, java.io.Writer rows)
            throws Exception {
        var out = spec.commandLine().getOut();
        {
            List<Result> results = new ArrayList<>();
            for (Policy each : policies) {
                String prefix = trace.name() + "," + each.name().toLowerCase() + ",";
                Result result = simulation.run(trace, each, (second, rate, replicas, ready, lag, metric) -> {
                    if (rows != null) {
                        try {
                            rows.write(prefix + second + "," + rate + "," + replicas + "," + ready + ","
                                    + Math.round(lag) + "," + Math.round(metric * 1000) / 1000.0 + "\n");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                });
                results.add(result);
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("trace", trace.name());
                line.put("seconds", result.seconds());
                line.put("signals", result.signals());
                line.putAll(result.figures());
                line.put("lead_s", result.leadSeconds());
                out.println(JSON.writeValueAsString(line));
            }
            if (results.size() == 2) {
                out.println(JSON.writeValueAsString(comparison(results.get(0), results.get(1))));
            }
            out.flush();
        }
    }

    private AutoscaleSimulation.Settings settings(ScalingManifest manifest) {
        double perPod = capacity != null ? capacity : manifest.triggers().values().stream()
                .filter(t -> t.metadata().getOrDefault("query", "").contains("hal9_signals_processed_total"))
                .findFirst().map(ScalingManifest.Trigger::threshold)
                .orElseThrow(() -> new IllegalArgumentException("the ScaledObject " + manifest.name()
                        + " has no signals_per_second trigger to take a per-pod capacity from: pass --capacity"));
        long startup = startupMs != null ? startupMs : MEASURED_STARTUP_MS;
        if (startup < 0) {
            throw new IllegalArgumentException("--startup-ms must be at least 0");
        }
        // the layer's own forecast settings (hal9.autoscale.*, HAL9_AUTOSCALE_* in the environment)
        AutoscaleSettings layer = Hal9Settings.autoscale(Hal9Config.load(Map.of(), System.getenv()));
        return new AutoscaleSimulation.Settings(perPod, startup / 1000.0 + manifest.readinessPeriodSeconds(),
                (int) Math.max(1, layer.sampleInterval().toSeconds()), layer.forecast());
    }

    private Trace trace(String name) throws Exception {
        return switch (name) {
            case "ramp" -> Trace.ramp(baseRate);
            case "spike" -> Trace.spike(baseRate);
            case "diurnal" -> Trace.diurnal(baseRate, daySeconds);
            case "flat" -> Trace.flat(baseRate, seed);
            default -> {
                Path file = Path.of(name);
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("--trace " + name + ": not ramp, spike, diurnal, flat or a file");
                }
                yield Trace.read(file);
            }
        };
    }

    /** Predictive over lag-only, per figure, on the figures as printed (delays to the millisecond). */
    private static Map<String, Object> comparison(Result lag, Result predictive) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("trace", lag.trace());
        line.put("p99_delay_ratio", ratio(millis(predictive.p99DelaySeconds()), millis(lag.p99DelaySeconds())));
        line.put("pod_minutes_ratio", ratio(predictive.podMinutes(), lag.podMinutes()));
        line.put("max_lag_ratio", ratio(predictive.maxLag(), lag.maxLag()));
        line.put("scale_events", Map.of("lag", lag.scaleEvents(), "predictive", predictive.scaleEvents()));
        return line;
    }

    private static double millis(double seconds) {
        return Math.round(seconds * 1000);
    }

    /** {@code value / base}; 1 when both are 0, null (no ratio) when only the base is. */
    private static Double ratio(double value, double base) {
        if (base == 0) {
            return value == 0 ? 1.0 : null;
        }
        return Math.round(value / base * 1000) / 1000.0;
    }
}
