package io.hal9.topology.autoscale;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlExpression;
import org.apache.commons.jexl3.MapContext;
import org.apache.commons.jexl3.introspection.JexlPermissions;

/**
 * Replays a traffic trace through a model of one layer's scaling control loop, second by second:
 * arrivals join the layer's lag, each ready pod (one per partition at most) finishes
 * {@code capacity} signals per second, and every KEDA polling interval the autoscaler reads the
 * triggers, evaluates the ScaledObject's formula and syncs the {@link HorizontalPodAutoscaler}
 * with the manifest's bounds, tolerance and {@code behavior}. A new pod takes {@code startup}
 * seconds to be ready; a removed pod stops at once, the ones not ready yet first.
 *
 * <p>The triggers are the manifest's, recognised by what they measure: a Kafka trigger's lag (its
 * topic's lane; KEDA caps the lag at {@code partitions × lagThreshold} unless idle consumers are
 * allowed), {@code hal9_signals_processed_total} (the finished signals' rate over the last minute),
 * {@code hal9_desired_replicas} (the {@link ReplicaForecast} the layer runs, fed every sample
 * interval with the end offsets and lag it would read), and the breaker and throttling gates (0:
 * Claude is healthy in a trace). The {@code lag} policy is the manifest without its forecast: the
 * desired replicas read 0. Resource triggers (cpu) are separate HPA metrics and are not modelled.
 *
 * <p>A signal's queueing delay is from its arrival to the moment the layer starts on it (the
 * lag's age, not Claude's latency), first in first out over the layer.
 */
public final class AutoscaleSimulation {

    /** Which scaling the trace runs under. */
    public enum Policy { LAG, PREDICTIVE }

    /**
     * @param capacity       signals per second one ready pod finishes
     * @param startupSeconds from a pod's creation to its being ready
     * @param sampleSeconds  how often the layer samples end offsets and lag for its forecast
     * @param forecast       the forecast's settings, as the layer reads them
     */
    public record Settings(double capacity, double startupSeconds, int sampleSeconds, ReplicaForecast.Settings forecast) {
        public Settings {
            if (!(capacity > 0) || startupSeconds < 0 || sampleSeconds < 1) {
                throw new IllegalArgumentException("capacity must be > 0, startup >= 0 and sample >= 1 s");
            }
        }
    }

    /** What a trace did under one policy. */
    public record Result(String trace, Policy policy, int seconds, long signals, double p50DelaySeconds,
            double p99DelaySeconds, double maxDelaySeconds, long maxLag, double podMinutes, int scaleEvents,
            int scaleUps, int scaleDowns, int peakReplicas, double leadSeconds) {

        /** The figures as an ordered map, for JSON. */
        public Map<String, Object> figures() {
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("policy", policy.name().toLowerCase());
            figures.put("p50_delay_s", round(p50DelaySeconds));
            figures.put("p99_delay_s", round(p99DelaySeconds));
            figures.put("max_delay_s", round(maxDelaySeconds));
            figures.put("max_lag", maxLag);
            figures.put("pod_minutes", round(podMinutes));
            figures.put("scale_events", scaleEvents);
            figures.put("scale_ups", scaleUps);
            figures.put("scale_downs", scaleDowns);
            figures.put("peak_replicas", peakReplicas);
            return figures;
        }
    }

    /** Time the queue may take to empty after the trace ends before the run gives up on it. */
    private static final int MAX_DRAIN_SECONDS = 6 * 3600;
    private static final JexlEngine JEXL = jexl();

    private final ScalingManifest manifest;
    private final Settings settings;
    private final JexlExpression formula;

    /** JEXL with {@link Functions} callable without a namespace (JEXL's null namespace). */
    private static JexlEngine jexl() {
        Map<String, Object> namespaces = new java.util.HashMap<>();
        namespaces.put(null, Functions.class);
        // JEXL lets a script call only what its permissions allow: the functions, nothing else of ours
        return new JexlBuilder().namespaces(namespaces).strict(true).silent(false)
                .permissions(new JexlPermissions.ClassPermissions(JexlPermissions.RESTRICTED, List.of(Functions.class.getCanonicalName())))
                .create();
    }

    public AutoscaleSimulation(ScalingManifest manifest, Settings settings) {
        this.manifest = manifest;
        this.settings = settings;
        this.formula = JEXL.createExpression(manifest.formula());
        for (ScalingManifest.Trigger trigger : manifest.triggers().values()) {
            if (isFormulaInput(trigger)) {
                measure(trigger); // fails now on a trigger the model cannot feed
            }
        }
    }

    /** Seconds from asking for a pod to its taking work: start-up, KEDA's polling, the scale-up window. */
    public double leadSeconds() {
        return settings.startupSeconds() + manifest.pollingSeconds() + manifest.scaleUp().stabilizationWindowSeconds();
    }

    public Result run(Trace trace, Policy policy) {
        return run(trace, policy, (second, rate, replicas, ready, lag, metric) -> { });
    }

    /** What the control loop saw and did at one sync, for a timeline. */
    @FunctionalInterface
    public interface Sync {
        void at(int second, double arrivalRate, int replicas, long ready, double lag, double metric);
    }

    /** Runs the trace, telling {@code sync} of every sync of the autoscaler. */
    public Result run(Trace trace, Policy policy, Sync sync) {
        HorizontalPodAutoscaler hpa = new HorizontalPodAutoscaler(Math.max(1, manifest.minReplicas()),
                manifest.maxReplicas(), manifest.upTolerance(), manifest.downTolerance(), manifest.scaleUp(),
                manifest.scaleDown());
        ReplicaForecast forecast = new ReplicaForecast(settings.forecast());
        int n = trace.seconds();
        List<Double> readyAt = new ArrayList<>();
        for (int i = 0; i < Math.max(1, manifest.minReplicas()); i++) {
            readyAt.add(0.0);
        }
        double[] arrived = new double[n + MAX_DRAIN_SECONDS + 1];
        double[] done = new double[arrived.length];
        double[] servedLastMinute = new double[60];
        double lag = 0;
        long maxLag = 0;
        double podSeconds = 0;
        int ups = 0;
        int downs = 0;
        int peak = readyAt.size();
        int t = 0;
        for (; t < arrived.length - 1; t++) {
            if (t >= n && lag < 1e-6) {
                break;
            }
            double arrivals = t < n ? trace.rates()[t] : 0;
            final int now = t;
            long ready = readyAt.stream().filter(at -> at <= now).count();
            double served = Math.min(lag + arrivals, Math.min(ready, manifest.partitions()) * settings.capacity());
            lag += arrivals - served;
            arrived[t + 1] = arrived[t] + arrivals;
            done[t + 1] = done[t] + served;
            servedLastMinute[t % 60] = served;
            maxLag = Math.max(maxLag, Math.round(lag));
            if (t < n) {
                podSeconds += readyAt.size();
            }
            if (t % settings.sampleSeconds() == 0) {
                forecast.observe((t + 1) * 1000L, Math.round(arrived[t + 1]), Math.round(lag));
            }
            if (t > 0 && t % manifest.pollingSeconds() == 0) {
                Map<String, Double> inputs = new LinkedHashMap<>();
                inputs.put("lag", lag);
                inputs.put("rate", Arrays.stream(servedLastMinute).sum() / Math.min(60, t + 1));
                inputs.put("desired", policy == Policy.PREDICTIVE
                        ? forecast.desiredReplicas(settings.capacity(), leadSeconds(), manifest.partitions()) : 0.0);
                int current = readyAt.size();
                double metric = evaluate(inputs);
                int desired = hpa.sync(t * 1000L, current, metric, manifest.target());
                sync.at(t, arrivals, current, ready, lag, metric);
                if (desired > current) {
                    ups++;
                    for (int i = current; i < desired; i++) {
                        readyAt.add(t + settings.startupSeconds());
                    }
                    peak = Math.max(peak, desired);
                } else if (desired < current) {
                    downs++;
                    readyAt.sort(Comparator.reverseOrder()); // the newest, not ready yet, go first
                    readyAt.subList(0, current - desired).clear();
                }
            }
        }
        long signals = Math.round(arrived[Math.min(n, t)]);
        double[] delays = delays(arrived, done, n);
        return new Result(trace.name(), policy, n, signals, delays[0], delays[1], delays[2], maxLag, podSeconds / 60,
                ups + downs, ups, downs, peak, leadSeconds());
    }

    /** p50, p99 and max of the queueing delay, weighted by the signals arriving each second. */
    private static double[] delays(double[] arrived, double[] done, int n) {
        List<double[]> weighted = new ArrayList<>(); // {delay, signals}
        int s = 0;
        for (int t = 0; t < n; t++) {
            double signals = arrived[t + 1] - arrived[t];
            if (signals <= 0) {
                continue;
            }
            double middle = arrived[t] + signals / 2; // the second's signals, as its middle one
            while (s + 1 < done.length && done[s + 1] < middle - 1e-9) {
                s++;
            }
            double step = done[s + 1] - done[s];
            double finished = s + (step > 0 ? Math.max(0, middle - done[s]) / step : 1);
            weighted.add(new double[] {Math.max(0, finished - (t + 0.5)), signals});
        }
        weighted.sort(Comparator.comparingDouble(d -> d[0]));
        double total = weighted.stream().mapToDouble(d -> d[1]).sum();
        return new double[] {quantile(weighted, total, 0.50), quantile(weighted, total, 0.99),
                weighted.isEmpty() ? 0 : weighted.get(weighted.size() - 1)[0]};
    }

    private static double quantile(List<double[]> sorted, double total, double q) {
        double seen = 0;
        for (double[] d : sorted) {
            seen += d[1];
            if (seen >= q * total) {
                return d[0];
            }
        }
        return 0;
    }

    private double evaluate(Map<String, Double> inputs) {
        MapContext context = new MapContext();
        for (ScalingManifest.Trigger trigger : manifest.triggers().values()) {
            if (isFormulaInput(trigger)) {
                context.set(trigger.name(), inputs.get(measure(trigger)) == null ? 0.0
                        : capped(trigger, inputs.get(measure(trigger))));
            }
        }
        Object value = formula.evaluate(context);
        if (!(value instanceof Number number)) {
            throw new IllegalArgumentException("the formula " + manifest.formula() + " gave " + value + ", not a number");
        }
        return number.doubleValue();
    }

    private static boolean isFormulaInput(ScalingManifest.Trigger trigger) {
        return trigger.type().equals("kafka") || trigger.type().equals("prometheus");
    }

    /** What the model feeds a trigger: the normal lane's lag, the finished rate, the forecast, or nothing (0). */
    private static String measure(ScalingManifest.Trigger trigger) {
        if (trigger.type().equals("kafka")) {
            String topic = trigger.metadata().getOrDefault("topic", "");
            return topic.endsWith(".high") || topic.endsWith(".bulk") ? "idle lane" : "lag";
        }
        String query = trigger.metadata().getOrDefault("query", "");
        if (query.contains("hal9_signals_processed_total")) {
            return "rate";
        }
        if (query.contains("hal9_desired_replicas")) {
            return "desired";
        }
        if (query.contains("hal9_circuit_breaker_open") || query.contains("hal9_claude_throttled_total")) {
            return "healthy Claude";
        }
        throw new IllegalArgumentException("trigger " + trigger.name() + " measures something the simulation does not "
                + "model: " + query);
    }

    /** KEDA's Kafka scaler reports at most partitions × lagThreshold unless idle consumers are allowed. */
    private double capped(ScalingManifest.Trigger trigger, double value) {
        if (trigger.type().equals("kafka") && !"true".equals(trigger.metadata().get("allowIdleConsumers"))) {
            return Math.min(value, manifest.partitions() * trigger.threshold());
        }
        return value;
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /** The functions a formula may call without a namespace, as expr-lang names them. */
    public static final class Functions {
        private Functions() {
        }

        public static double max(Object... values) {
            return Arrays.stream(values).mapToDouble(v -> ((Number) v).doubleValue()).max().orElseThrow();
        }

        public static double min(Object... values) {
            return Arrays.stream(values).mapToDouble(v -> ((Number) v).doubleValue()).min().orElseThrow();
        }

        public static double abs(Number value) {
            return Math.abs(value.doubleValue());
        }

        public static double ceil(Number value) {
            return Math.ceil(value.doubleValue());
        }

        public static double floor(Number value) {
            return Math.floor(value.doubleValue());
        }
    }
}
