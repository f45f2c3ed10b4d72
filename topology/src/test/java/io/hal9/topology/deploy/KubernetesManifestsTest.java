package io.hal9.topology.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.resilience.BreakerNeuronClient;
import io.hal9.neurons.resilience.CacheSettings;
import io.hal9.neurons.resilience.CachedNeuronClient;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Lane;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.layer.LayerStage;
import io.hal9.topology.node.AutoscaleMetrics;
import io.hal9.topology.node.ForecastSampler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders {@code k8s/} with {@code kubectl kustomize} and checks the manifests against the
 * application itself: consumer groups, topics, admin port and probe paths, drain time, exported
 * metric names, and KEDA's own ScaledObject schema (vendored in {@code k8s/crds/}).
 */
class KubernetesManifestsTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> LAYERS = List.of("L2", "L3", "L4");
    /** Kafka Streams' close after the drain, as docs/operations/shutdown.md budgets it. */
    private static final long STREAMS_CLOSE_MS = 20_000;

    private static List<JsonNode> docs;
    private static Hal9Config config;
    private static Topics topics;

    @BeforeAll
    static void render() throws Exception {
        docs = kustomize(REPO.resolve("k8s"));
        config = Hal9Config.of(Map.of());
        topics = new Topics(config, new HttpSchemaRegistryClient(config.schemaRegistryUrl()));
    }

    /** {@code kubectl kustomize DIR}, as documents. */
    private static List<JsonNode> kustomize(Path dir) throws Exception {
        Process process = new ProcessBuilder("kubectl", "kustomize", dir.toString())
                .redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String yaml = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("kubectl kustomize %s: %s", dir, yaml).isZero();
        List<JsonNode> rendered = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    rendered.add(doc);
                }
            }
        }
        return rendered;
    }

    private static JsonNode find(String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.path("metadata").path("name").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the render"));
    }

    private static List<JsonNode> all(String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    private static String resourceName(String layer) {
        return LayerSpec.of(layer, config).applicationId();
    }

    private static JsonNode trigger(JsonNode scaledObject, String type, String name) {
        List<JsonNode> found = new ArrayList<>();
        scaledObject.path("spec").path("triggers").forEach(t -> {
            if (type.equals(t.path("type").asText()) && name.equals(t.path("name").asText())) {
                found.add(t);
            }
        });
        assertThat(found).as("%s trigger %s", type, name).hasSize(1);
        return found.get(0);
    }

    private static JsonNode trigger(JsonNode scaledObject, String type) {
        return triggers(scaledObject, type).get(0);
    }

    private static List<JsonNode> triggers(JsonNode scaledObject, String type) {
        List<JsonNode> found = new ArrayList<>();
        scaledObject.path("spec").path("triggers").forEach(t -> {
            if (type.equals(t.path("type").asText())) {
                found.add(t);
            }
        });
        assertThat(found).as("%s triggers", type).isNotEmpty();
        return found;
    }

    @Test
    void everyLayerHasDeploymentScaledObjectPdbAndVpa() {
        for (String layer : LAYERS) {
            String name = resourceName(layer);
            String label = layer.toLowerCase(java.util.Locale.ROOT);
            JsonNode deployment = find("Deployment", name);
            assertThat(deployment.path("metadata").path("labels").path("app.kubernetes.io/name").asText())
                    .isEqualTo("hal9-streams");
            assertThat(deployment.path("metadata").path("labels").path("hal9.io/layer").asText()).isEqualTo(label);
            JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").get(0);
            assertThat(container.path("args").toString()).isEqualTo("[\"run\",\"--layer\",\"" + layer + "\"]");
            assertThat(find("ScaledObject", name).path("spec").path("scaleTargetRef").path("name").asText())
                    .isEqualTo(name);
            JsonNode pdb = find("PodDisruptionBudget", name).path("spec");
            assertThat(pdb.path("minAvailable").asInt()).isEqualTo(3);
            // a NotReady pod must not block a node drain (docs/operations/kubernetes.md)
            assertThat(pdb.path("unhealthyPodEvictionPolicy").asText()).isEqualTo("AlwaysAllow");
            JsonNode spread = deployment.path("spec").path("template").path("spec").path("topologySpreadConstraints");
            assertThat(spread).as("topology spread of %s", name).hasSize(2);
            spread.forEach(constraint -> {
                assertThat(constraint.path("whenUnsatisfiable").asText()).isEqualTo("ScheduleAnyway");
                assertThat(constraint.path("labelSelector").path("matchLabels").path("hal9.io/layer").asText())
                        .isEqualTo(label);
            });
            JsonNode vpa = find("VerticalPodAutoscaler", name);
            assertThat(vpa.path("apiVersion").asText()).isEqualTo("autoscaling.k8s.io/v1");
            assertThat(vpa.path("spec").path("updatePolicy").path("updateMode").asText()).isEqualTo("Off");
        }
        assertThat(find("PriorityClass", "hal9-critical")).isNotNull();
    }

    @Test
    void kafkaTriggersWatchEachLaneOfTheLayerByItsOwnConsumerGroupAndTopic() {
        for (String layer : LAYERS) {
            JsonNode scaledObject = find("ScaledObject", resourceName(layer));
            String formula = scaledObject.path("spec").path("advanced").path("scalingModifiers").path("formula")
                    .asText();
            for (Lane lane : config.lanes()) {
                String name = "kafka_lag" + (lane == Lane.NORMAL ? "" : "_" + lane.label());
                JsonNode kafka = trigger(scaledObject, "kafka", name).path("metadata");
                assertThat(kafka.path("consumerGroup").asText()).as(name)
                        .isEqualTo(LayerSpec.of(layer, lane, config).applicationId());
                assertThat(kafka.path("topic").asText()).as(name).isEqualTo(topics.inputName(layer, lane));
                assertThat(kafka.path("offsetResetPolicy").asText()).isEqualTo("earliest");
                assertThat(kafka.path("allowIdleConsumers").asText()).isEqualTo("false");
                assertThat(Integer.parseInt(kafka.path("lagThreshold").asText())).isPositive();
                // every lane's lag counts, the high lane's most (docs/concepts/lanes.md)
                assertThat(formula).contains(name);
            }
            assertThat(formula).contains("(kafka_lag + 4 * kafka_lag_high + kafka_lag_bulk / 2) / 300");
        }
    }

    /** The init container of a layer's pod that runs {@code hal9 topics}. */
    private static JsonNode topicsInitContainer(String layer) {
        List<JsonNode> found = new ArrayList<>();
        find("Deployment", resourceName(layer)).path("spec").path("template").path("spec").path("initContainers")
                .forEach(c -> {
                    if ("topics".equals(c.path("args").path(0).asText())) {
                        found.add(c);
                    }
                });
        assertThat(found).as("an init container running `hal9 topics` in %s", layer).hasSize(1);
        return found.get(0);
    }

    @Test
    void maxReplicasFitThePartitionsTheTopicsStepCreates() {
        for (String layer : LAYERS) {
            JsonNode args = topicsInitContainer(layer).path("args");
            int partitions = -1;
            for (int i = 0; i < args.size() - 1; i++) {
                if ("--partitions".equals(args.get(i).asText())) {
                    partitions = Integer.parseInt(args.get(i + 1).asText());
                }
            }
            assertThat(partitions).as("--partitions of `hal9 topics` in %s", layer).isPositive();
            JsonNode spec = find("ScaledObject", resourceName(layer)).path("spec");
            assertThat(spec.path("minReplicaCount").asInt()).isEqualTo(5);
            assertThat(spec.path("maxReplicaCount").asInt()).isEqualTo(50).isLessThanOrEqualTo(partitions);
        }
    }

    @Test
    void probesUseTheAdminServersPathsAndPort() {
        for (String layer : LAYERS) {
            JsonNode pod = find("Deployment", resourceName(layer)).path("spec").path("template").path("spec");
            JsonNode container = pod.path("containers").get(0);
            Map<String, Integer> ports = new java.util.HashMap<>();
            container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
            assertThat(ports).containsEntry("admin", Hal9Config.ADMIN_PORT_DEFAULT);
            Map<String, String> paths = Map.of("livenessProbe", "/health/live", "readinessProbe", "/health/ready",
                    "startupProbe", "/health/live");
            paths.forEach((probe, path) -> {
                JsonNode get = container.path(probe).path("httpGet");
                assertThat(get.path("path").asText()).as("%s of %s", probe, layer).isEqualTo(path);
                JsonNode port = get.path("port");
                int number = port.isInt() ? port.asInt() : ports.getOrDefault(port.asText(), -1);
                assertThat(number).as("%s port of %s", probe, layer).isEqualTo(Hal9Config.ADMIN_PORT_DEFAULT);
            });
            assertThat(pod.path("priorityClassName").asText()).isEqualTo("hal9-critical");
            assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
        }
    }

    @Test
    void gracePeriodExceedsTheDrainPlusStreamsClose() {
        for (String layer : LAYERS) {
            long graceMs = find("Deployment", resourceName(layer)).path("spec").path("template").path("spec")
                    .path("terminationGracePeriodSeconds").asLong() * 1000;
            assertThat(graceMs).isGreaterThan(Hal9Config.SHUTDOWN_DRAIN_MS_DEFAULT + STREAMS_CLOSE_MS);
        }
    }

    @Test
    void theApiKeyComesOnlyFromASecretReference() {
        List<JsonNode> envs = new ArrayList<>();
        docs.forEach(doc -> doc.findValues("env").forEach(list -> list.forEach(envs::add)));
        List<JsonNode> keys = envs.stream().filter(e -> "ANTHROPIC_API_KEY".equals(e.path("name").asText())).toList();
        assertThat(keys).hasSize(LAYERS.size());
        for (JsonNode key : keys) {
            assertThat(key.has("value")).as("literal ANTHROPIC_API_KEY").isFalse();
            assertThat(key.path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo("hal9-anthropic");
            assertThat(key.path("valueFrom").path("secretKeyRef").path("key").asText()).isEqualTo("api-key");
        }
        for (JsonNode secret : all("Secret")) {
            assertThat(secret.path("data").isEmpty() && secret.path("stringData").isEmpty())
                    .as("Secret %s carries data", secret.path("metadata").path("name").asText()).isTrue();
        }
        all("ConfigMap").forEach(cm -> assertThat(cm.path("data").toString()).doesNotContainIgnoringCase("sk-ant"));
    }

    @Test
    void everyMetricAPrometheusTriggerQueriesIsExportedByTheApplication() {
        String scrape = scrapeOfALayer("L2");
        Pattern metric = Pattern.compile("\\bhal9_[a-z0-9_]+");
        Set<String> queried = new TreeSet<>();
        for (String layer : LAYERS) {
            find("ScaledObject", resourceName(layer)).path("spec").path("triggers").forEach(t -> {
                if ("prometheus".equals(t.path("type").asText())) {
                    String query = t.path("metadata").path("query").asText();
                    assertThat(query).contains("layer=\"" + layer + "\"");
                    Matcher m = metric.matcher(query);
                    while (m.find()) {
                        queried.add(m.group());
                    }
                }
            });
        }
        assertThat(queried).contains("hal9_signals_processed_total", "hal9_circuit_breaker_open",
                "hal9_claude_throttled_total", "hal9_claude_request_duration_seconds_count");
        for (String name : queried) {
            assertThat(Pattern.compile("(?m)^" + Pattern.quote(name) + "[{ ]").matcher(scrape).find())
                    .as("%s is not in the application's scrape", name).isTrue();
        }
    }

    @Test
    void scaledObjectsGateLagOnTheBreakerAndOnClaudeThrottlingAndScaleAsSpecified() {
        for (String layer : LAYERS) {
            JsonNode spec = find("ScaledObject", resourceName(layer)).path("spec");
            JsonNode modifiers = spec.path("advanced").path("scalingModifiers");
            String formula = modifiers.path("formula").asText();
            Set<String> names = new TreeSet<>();
            spec.path("triggers").forEach(t -> names.add(t.path("name").asText()));
            assertThat(names).contains("kafka_lag", "signals_per_second", "breaker_open_ratio", "claude_throttled_share",
                    "cpu");
            // a JVM's footprint is not load: memory would hold replicas up (docs/operations/kubernetes.md)
            assertThat(names).doesNotContain("memory");
            assertThat(formula).contains("breaker_open_ratio >= 0.1 || claude_throttled_share >= 0.05 ?", "kafka_lag",
                    "signals_per_second");
            // the gated branch (before ':'), taken while the breaker is open or Claude refuses calls for
            // capacity, must not mention lag: more pods would not help
            assertThat(trigger(find("ScaledObject", resourceName(layer)), "prometheus", "claude_throttled_share")
                    .path("metadata").path("query").asText())
                    .contains("hal9_claude_throttled_total{layer=\"" + layer + "\"")
                    .contains("hal9_claude_request_duration_seconds_count{layer=\"" + layer + "\"");
            assertThat(formula.substring(formula.indexOf('?'), formula.indexOf(':'))).doesNotContain("kafka_lag")
                    .doesNotContain("desired_replicas");
            // the layer's forecast (docs/operations/autoscaling.md): one figure per layer, which every pod
            // exports, so the query takes the max, not the sum; it replaces the throughput term when known
            assertThat(names).contains("desired_replicas");
            assertThat(trigger(find("ScaledObject", resourceName(layer)), "prometheus", "desired_replicas")
                    .path("metadata").path("query").asText())
                    .startsWith("max(hal9_desired_replicas{layer=\"" + layer + "\"})");
            assertThat(formula.substring(formula.indexOf(':'))).contains("desired_replicas > 0 ? desired_replicas");
            JsonNode scaledObject = find("ScaledObject", resourceName(layer));
            assertThat(trigger(scaledObject, "cpu").path("metadata").path("value").asText()).isEqualTo("50");
            JsonNode behavior = spec.path("advanced").path("horizontalPodAutoscalerConfig").path("behavior");
            assertThat(behavior.path("scaleUp").path("stabilizationWindowSeconds").asInt()).isEqualTo(30);
            // scale up on a need 2 % above the replicas (docs/operations/autoscaling.md); down keeps the default
            assertThat(behavior.path("scaleUp").path("tolerance").asText()).isEqualTo("0.02");
            assertThat(behavior.path("scaleDown").has("tolerance")).isFalse();
            assertThat(behavior.path("scaleDown").path("stabilizationWindowSeconds").asInt()).isEqualTo(600);
            JsonNode policy = behavior.path("scaleDown").path("policies").get(0);
            assertThat(policy.path("type").asText()).isEqualTo("Percent");
            assertThat(policy.path("value").asInt()).isEqualTo(10);
            assertThat(policy.path("periodSeconds").asInt()).isEqualTo(300);
        }
    }

    @Test
    void kafkaTriggersNameKafkaByAClusterWideNameTheKedaOperatorCanResolve() {
        String layersKafka = find("ConfigMap", "hal9-config").path("data").path("HAL9_BOOTSTRAP_SERVERS").asText();
        for (JsonNode scaledObject : all("ScaledObject")) {
            String name = scaledObject.path("metadata").path("name").asText();
            String namespace = scaledObject.path("metadata").path("namespace").asText();
            for (JsonNode kafka : triggers(scaledObject, "kafka")) {
                String servers = kafka.path("metadata").path("bootstrapServers").asText();
                // the keda-operator pod resolves it in KEDA's namespace: a bare Service name ("kafka")
                // would be looked up there, not next to the layers
                for (String server : servers.split(",")) {
                    String host = server.strip().replaceFirst(":\\d+$", "");
                    assertThat(host).as("%s: bootstrap server %s", name, server).contains(".");
                    Matcher service = Pattern.compile("[a-z0-9-]+\\.([a-z0-9-]+)\\.svc(\\.cluster\\.local)?").matcher(host);
                    if (service.matches()) {
                        assertThat(service.group(1)).as("%s: namespace in %s", name, host).isEqualTo(namespace);
                    }
                }
                // the layers and KEDA watch the same Kafka
                assertThat(servers).as(name).isEqualTo(layersKafka);
            }
        }
    }

    @Test
    void noAutoscaledDeploymentSetsItsReplicas() {
        List<JsonNode> scaledObjects = all("ScaledObject");
        assertThat(scaledObjects).isNotEmpty();
        for (JsonNode scaledObject : scaledObjects) {
            String target = scaledObject.path("spec").path("scaleTargetRef").path("name").asText();
            // `kubectl apply -k` would reset the HPA's count to it at every apply
            assertThat(find("Deployment", target).path("spec").has("replicas"))
                    .as("spec.replicas of the autoscaled Deployment %s", target).isFalse();
        }
    }

    @Test
    void theTopicsStepCanBeAppliedAgainWithAnotherImage(@TempDir Path overlay) throws Exception {
        // the same base with another image, as an overlay would deploy the next release (kustomize
        // takes a base by relative path only)
        Files.writeString(overlay.resolve("kustomization.yaml"), "resources:\n  - " + overlay.relativize(REPO.resolve("k8s")) + "\n"
                + "images:\n  - name: hal9-streams\n    newTag: 9.9.9-next\n");
        List<JsonNode> next = kustomize(overlay);
        // a Job's pod template is immutable: a Job kept under its name with another template is refused
        // at apply (422), and a completed Job never runs again
        for (JsonNode job : all("Job")) {
            String name = job.path("metadata").path("name").asText();
            next.stream().filter(d -> "Job".equals(d.path("kind").asText())
                            && name.equals(d.path("metadata").path("name").asText()))
                    .forEach(again -> assertThat(again.path("spec").path("template"))
                            .as("Job %s applied again with another image", name)
                            .isEqualTo(job.path("spec").path("template")));
        }
        // every layer's pod creates the topics with its own image before the layer starts
        for (String layer : LAYERS) {
            JsonNode pod = find("Deployment", resourceName(layer)).path("spec").path("template").path("spec");
            JsonNode topicsStep = topicsInitContainer(layer);
            assertThat(topicsStep.path("image")).isEqualTo(pod.path("containers").get(0).path("image"));
            assertThat(topicsStep.path("envFrom")).isEqualTo(pod.path("containers").get(0).path("envFrom"));
        }
    }

    @Test
    void everyScaledObjectValidatesAgainstKedasCrdSchema() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectMapper json = new ObjectMapper();
        JsonNode crd = yaml.readTree(Files.readString(REPO.resolve("k8s/crds/keda.sh_scaledobjects.yaml")));
        JsonNode openApi = null;
        for (JsonNode version : crd.path("spec").path("versions")) {
            if ("v1alpha1".equals(version.path("name").asText())) {
                openApi = version.path("schema").path("openAPIV3Schema");
            }
        }
        assertThat(openApi).as("v1alpha1 schema in the CRD").isNotNull();
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                .getSchema(json.writeValueAsString(openApi), InputFormat.JSON);
        List<JsonNode> scaledObjects = all("ScaledObject");
        assertThat(scaledObjects).hasSize(LAYERS.size());
        for (JsonNode scaledObject : scaledObjects) {
            List<Error> errors = schema.validate(json.writeValueAsString(scaledObject), InputFormat.JSON);
            assertThat(errors).as("%s", scaledObject.path("metadata").path("name").asText()).isEmpty();
        }
        // the schema really bites: a trigger without metadata is refused
        JsonNode broken = json.readTree("{\"apiVersion\":\"keda.sh/v1alpha1\",\"kind\":\"ScaledObject\","
                + "\"metadata\":{\"name\":\"x\"},\"spec\":{\"scaleTargetRef\":{\"name\":\"x\"},"
                + "\"triggers\":[{\"type\":\"kafka\"}]}}");
        assertThat(schema.validate(json.writeValueAsString(broken), InputFormat.JSON)).isNotEmpty();
    }

    /** The Prometheus text of one layer's real meters: LayerMetrics, LayerStage and the breaker/cache clients. */
    static String scrapeOfALayer(String layer) {
        Hal9Config config = Hal9Config.of(Map.of());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        NeuronClient idle = new NeuronClient() {
            @Override
            public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
                return new CompletableFuture<>();
            }

            @Override
            public long requestCount() {
                return 0;
            }

            @Override
            public void close() {
            }
        };
        BreakerNeuronClient breaker = new BreakerNeuronClient(idle, Hal9Settings.breaker(config), layer);
        CachedNeuronClient cache = new CachedNeuronClient(breaker, new CacheSettings(true, Duration.ofMinutes(5),
                1 << 20), layer);
        breaker.bindMetrics(registry);
        cache.bindMetrics(registry);
        LayerStage.create(LayerSpec.of(layer, config), Hal9Settings.stage(config), Hal9Settings.capacity(config), cache,
                new LayerMetrics(registry, layer), registry);
        // the layer's replica forecast, as a process running it exports it
        AutoscaleMetrics.bind(registry, layer, () -> ForecastSampler.Figures.unknown(
                Hal9Settings.autoscale(config).lead(Optional.empty())));
        return registry.scrape();
    }
}
