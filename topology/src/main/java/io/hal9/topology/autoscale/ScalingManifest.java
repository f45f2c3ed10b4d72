package io.hal9.topology.autoscale;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.Policy;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.PolicyType;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.Rules;
import io.hal9.topology.autoscale.HorizontalPodAutoscaler.SelectPolicy;

/**
 * What one layer's autoscaling is made of, as the rendered {@code k8s/} manifests say: its KEDA
 * ScaledObject (polling interval, replica bounds, the HPA {@code behavior}, the scaling formula
 * and its triggers) and the partitions its Deployment's init container creates (the replicas that
 * can get work).
 *
 * @param name            the ScaledObject's name, e.g. {@code hal9-l2}
 * @param pollingSeconds  KEDA's {@code pollingInterval}
 * @param minReplicas     {@code minReplicaCount}
 * @param maxReplicas     {@code maxReplicaCount}
 * @param upTolerance     {@code behavior.scaleUp.tolerance} when set (Kubernetes 1.33+), else the
 *                        HPA's default 0.1
 * @param downTolerance   {@code behavior.scaleDown.tolerance}, likewise
 * @param scaleUp         {@code behavior.scaleUp}, with Kubernetes' defaults for what it leaves out
 * @param scaleDown       {@code behavior.scaleDown}, likewise
 * @param formula         {@code scalingModifiers.formula}
 * @param target          {@code scalingModifiers.target}
 * @param triggers        the triggers by name
 * @param partitions      the {@code --partitions} of {@code hal9 topics} in the Deployment's init
 *                        container, else {@code maxReplicas}
 * @param readinessPeriodSeconds the {@code readinessProbe.periodSeconds} of the Deployment's
 *                        container (Kubernetes' default 10 when unset): a ready process is seen
 *                        ready at the next probe, up to this much later
 */
public record ScalingManifest(String name, int pollingSeconds, int minReplicas, int maxReplicas, double upTolerance,
        double downTolerance,
        Rules scaleUp, Rules scaleDown, String formula, double target, Map<String, Trigger> triggers,
        int partitions, int readinessPeriodSeconds) {

    /** One entry of {@code spec.triggers}: its type ({@code kafka}, {@code prometheus}, ...) and metadata. */
    public record Trigger(String name, String type, Map<String, String> metadata) {

        public double threshold() {
            String value = metadata.getOrDefault("lagThreshold", metadata.get("threshold"));
            if (value == null) {
                throw new IllegalArgumentException("trigger " + name + " has no lagThreshold or threshold");
            }
            return Double.parseDouble(value);
        }
    }

    public ScalingManifest {
        triggers = Map.copyOf(triggers);
    }

    /** The manifests {@code kubectl kustomize dir} renders. */
    public static List<JsonNode> render(Path dir) {
        try {
            Process process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).start();
            process.getOutputStream().close();
            byte[] errors;
            String out;
            try (var stdout = process.getInputStream(); var stderr = process.getErrorStream()) {
                out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
                errors = stderr.readAllBytes();
            }
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalArgumentException("kubectl kustomize " + dir + " failed: "
                        + new String(errors, StandardCharsets.UTF_8).strip());
            }
            return parse(out);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run kubectl kustomize " + dir + " (" + e.getMessage()
                    + "); render the manifests yourself and pass them with --manifests FILE", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering " + dir, e);
        }
    }

    /** The YAML documents of a rendered manifest stream. */
    public static List<JsonNode> parse(String yaml) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = mapper.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not YAML manifests: " + e.getMessage(), e);
        }
        return docs;
    }

    /** The autoscaling of the ScaledObject named {@code name} (e.g. {@code hal9-l2}) among {@code docs}. */
    public static ScalingManifest of(List<JsonNode> docs, String name) {
        JsonNode scaled = find(docs, "ScaledObject", name);
        if (scaled == null) {
            throw new IllegalArgumentException("no ScaledObject named " + name + " in the manifests");
        }
        JsonNode spec = scaled.path("spec");
        JsonNode advanced = spec.path("advanced");
        JsonNode behavior = advanced.path("horizontalPodAutoscalerConfig").path("behavior");
        JsonNode modifiers = advanced.path("scalingModifiers");
        if (!modifiers.hasNonNull("formula")) {
            throw new IllegalArgumentException("ScaledObject " + name + " has no scalingModifiers.formula");
        }
        Map<String, Trigger> triggers = new LinkedHashMap<>();
        for (JsonNode trigger : spec.path("triggers")) {
            Map<String, String> metadata = new LinkedHashMap<>();
            trigger.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
            String triggerName = trigger.path("name").asText(trigger.path("type").asText());
            triggers.put(triggerName, new Trigger(triggerName, trigger.path("type").asText(), metadata));
        }
        int max = spec.path("maxReplicaCount").asInt(100);
        JsonNode deployment = find(docs, "Deployment", spec.path("scaleTargetRef").path("name").asText(name));
        return new ScalingManifest(name, spec.path("pollingInterval").asInt(30), spec.path("minReplicaCount").asInt(0),
                max, tolerance(behavior.path("scaleUp").path("tolerance"), name),
                tolerance(behavior.path("scaleDown").path("tolerance"), name),
                rules(behavior.path("scaleUp"), Rules.defaultScaleUp()),
                rules(behavior.path("scaleDown"), Rules.defaultScaleDown()),
                modifiers.path("formula").asText(), modifiers.path("target").asDouble(1.0), triggers,
                partitions(deployment, max), readinessPeriod(deployment));
    }

    /**
     * A direction's {@code tolerance}, a Kubernetes quantity ({@code 0.02}, {@code "0.02"} or
     * {@code 20m}); the HPA's default when absent.
     */
    private static double tolerance(JsonNode node, String name) {
        if (node.isMissingNode() || node.isNull()) {
            return HorizontalPodAutoscaler.DEFAULT_TOLERANCE;
        }
        String text = node.asText().strip();
        try {
            double value = text.endsWith("m") ? Double.parseDouble(text.substring(0, text.length() - 1)) / 1000
                    : Double.parseDouble(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("ScaledObject " + name + ": a behavior tolerance must be a quantity >= 0 "
                + "such as 0.05 or 50m, got " + text);
    }

    /** A direction's rules; what the manifest leaves out keeps Kubernetes' default. */
    private static Rules rules(JsonNode node, Rules defaults) {
        if (node.isMissingNode()) {
            return defaults;
        }
        int window = node.path("stabilizationWindowSeconds").asInt(defaults.stabilizationWindowSeconds());
        List<Policy> policies = defaults.policies();
        if (node.has("policies")) {
            policies = new ArrayList<>();
            for (JsonNode policy : node.path("policies")) {
                policies.add(new Policy(PolicyType.valueOf(policy.path("type").asText().toUpperCase()),
                        policy.path("value").asInt(), policy.path("periodSeconds").asInt()));
            }
        }
        SelectPolicy select = node.has("selectPolicy")
                ? SelectPolicy.valueOf(node.path("selectPolicy").asText().toUpperCase()) : defaults.selectPolicy();
        return new Rules(window, policies, select);
    }

    /** {@code --partitions N} of the init container running {@code topics}, else {@code fallback}. */
    private static int partitions(JsonNode deployment, int fallback) {
        if (deployment == null) {
            return fallback;
        }
        for (JsonNode container : deployment.path("spec").path("template").path("spec").path("initContainers")) {
            JsonNode args = container.path("args");
            for (int i = 0; i + 1 < args.size(); i++) {
                if (args.get(i).asText().equals("--partitions")) {
                    return Integer.parseInt(args.get(i + 1).asText());
                }
            }
        }
        return fallback;
    }

    /** The first container's {@code readinessProbe.periodSeconds}; Kubernetes' default is 10. */
    private static int readinessPeriod(JsonNode deployment) {
        if (deployment == null) {
            return 10;
        }
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        return containers.path(0).path("readinessProbe").path("periodSeconds").asInt(10);
    }

    private static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(doc -> doc.path("kind").asText().equals(kind)
                        && doc.path("metadata").path("name").asText().equals(name))
                .findFirst().orElse(null);
    }
}
