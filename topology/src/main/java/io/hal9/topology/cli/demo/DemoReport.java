package io.hal9.topology.cli.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.topology.cli.common.Percentiles;
import io.hal9.topology.node.admin.Health;

/**
 * The figures of one demo run, printed as the summary and as the {@code --json} line:
 * {@code {"signals":N,"results":R,"dead_letters":D,"claude_calls":C,"cache_hits":H,"duration_ms":T,
 * "throughput_per_s":X,"p50_ms":A,"p99_ms":B,"models":{"L2":["claude-haiku-5-5"],...},"cost_usd":U}}: the
 * models the results' hops name per layer (as the API named them) and what their calls cost (the
 * hops' {@code costUsd}), and {@code "sink_rows":S} at the end with a sink.
 */
final class DemoReport {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int signals;
    private final List<Long> latenciesMs = new ArrayList<>();
    private int results;
    private int deadLetters;
    private long cacheHits;
    private final Map<String, java.util.SortedSet<String>> models = new java.util.TreeMap<>();
    private double costUsd;

    DemoReport(int signals) {
        this.signals = signals;
    }

    void result(long latencyMs, long cacheHitsInResult) {
        results++;
        latenciesMs.add(latencyMs);
        cacheHits += cacheHitsInResult;
    }

    /** One hop of a result: the layer, the model that answered it and what its call cost. */
    void hop(String layer, String model, double hopCostUsd) {
        models.computeIfAbsent(layer, l -> new java.util.TreeSet<>()).add(model);
        costUsd += hopCostUsd;
    }

    void deadLetter() {
        deadLetters++;
    }

    int finished() {
        return results + deadLetters;
    }

    int results() {
        return results;
    }

    int deadLetters() {
        return deadLetters;
    }

    boolean complete() {
        return finished() >= signals;
    }

    /**
     * Why signals may be unfinished, one line per layer that has something to say: its breaker when
     * not closed, a rejected key, a billing refusal or an unknown model, and its last failed Claude
     * call, e.g.
     * {@code L2: breaker OPEN, last failure TRANSIENT: I/O failure calling Claude: cannot resolve
     * api.anthropic.com (...)}. Empty when no layer has a failure to report.
     */
    static List<String> whyUnfinished(List<Health.LayerHealth> layers) {
        List<String> lines = new ArrayList<>();
        for (Health.LayerHealth layer : layers) {
            if (Health.NONE.equals(layer.breaker())) {
                continue;
            }
            List<String> parts = new ArrayList<>();
            if (!"CLOSED".equals(layer.breaker())) {
                parts.add("breaker " + layer.breaker());
            }
            switch (layer.neuron()) {
                case "KEY_REJECTED" -> parts.add("key rejected");
                case "BILLING_BLOCKED" -> parts.add("billing blocked");
                case "MODEL_NOT_FOUND" -> parts.add("model not found");
                default -> {
                }
            }
            if (layer.lastFailure() != null) {
                parts.add("last failure " + layer.lastFailure());
            }
            if (!parts.isEmpty()) {
                lines.add(layer.layer() + ": " + String.join(", ", parts));
            }
        }
        return lines;
    }

    /** The latency at quantile {@code q} (nearest rank), 0 without results. */
    long percentile(double q) {
        return Percentiles.nearestRank(latenciesMs, q);
    }

    Map<String, Object> figures(long claudeCalls, long durationMs) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("signals", signals);
        json.put("results", results);
        json.put("dead_letters", deadLetters);
        json.put("claude_calls", claudeCalls);
        json.put("cache_hits", cacheHits);
        json.put("duration_ms", durationMs);
        double seconds = Math.max(durationMs, 1) / 1000.0;
        json.put("throughput_per_s", Math.round(finished() / seconds * 100.0) / 100.0);
        json.put("p50_ms", percentile(0.50));
        json.put("p99_ms", percentile(0.99));
        json.put("models", models);
        json.put("cost_usd", Math.round(costUsd * 1_000_000.0) / 1_000_000.0);
        return json;
    }

    /** The JSON line; {@code sinkRows} (rows of this run in the results table) is left out when null. */
    String json(long claudeCalls, long durationMs, Long sinkRows) {
        Map<String, Object> figures = figures(claudeCalls, durationMs);
        if (sinkRows != null) {
            figures.put("sink_rows", sinkRows);
        }
        try {
            return JSON.writeValueAsString(figures);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
