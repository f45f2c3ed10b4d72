package io.hal9.topology.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.connectors.config.ConnectorConfig;
import io.hal9.connectors.config.ConnectorConfigs;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks {@code docker-compose.yml} and {@code compose/prometheus.yml} against the application:
 * every service command parses as a real {@code hal9} command line, every layer's environment is
 * accepted by {@link Hal9Config} exactly as at start-up, and the addresses the services use for
 * each other (Kafka, registry, simulator, admin port, Connect, PostgreSQL) are the ones the other
 * services listen on, including those in the connector configurations the stack registers.
 * {@code .ci/run} additionally validates the file with {@code docker-compose config -q}.
 */
class ComposeStackTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern METRIC = Pattern.compile("\\b(hal9|cache|kafka)_[a-z0-9_]+\\b");
    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Z0-9_]+)(:?-([^}]*))?}");

    private static Map<String, Object> services;
    private static List<String> layers;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        try (Reader reader = Files.newBufferedReader(REPO.resolve("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml().load(reader);
            services = (Map<String, Object>) compose.get("services");
        }
        layers = Hal9Config.of(Map.of()).layersChain();
    }

    @Test
    void shouldRunEveryLayerAsItsOwnServiceWithTheRunCommand() {
        for (String layer : layers) {
            Map<String, Object> service = service(layerService(layer));
            assertThat(command(service)).as(layer).containsExactly("run", "--layer", layer);
        }
        assertThat(services.keySet().stream().filter(name -> name.startsWith("hal9-l")))
                .containsExactlyInAnyOrderElementsOf(layers.stream().map(ComposeStackTest::layerService).toList());
    }

    @Test
    void shouldGiveEveryHal9ServiceACommandLineTheApplicationAccepts() {
        for (String name : hal9Services()) {
            List<String> command = command(service(name));
            assertThatCode(() -> Hal9.commandLine().parseArgs(command.toArray(String[]::new)))
                    .as("%s: hal9 %s", name, String.join(" ", command))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void shouldGiveEveryHal9ServiceASettingsEnvironmentThatStartsUp() {
        for (String name : hal9Services()) {
            Map<String, String> env = environment(service(name));
            // exactly what the process does at start-up: an unknown HAL9_* or a bad value fails here
            assertThatCode(() -> Hal9Config.load(Map.of(), env)).as(name).doesNotThrowAnyException();
        }
    }

    @Test
    void shouldPointTheLayersAtTheComposeKafkaRegistryAndSimulator() {
        Map<String, Object> kafka = service("kafka");
        String internal = Pattern.compile("INTERNAL://([^,]+)").matcher(
                environment(kafka).get("KAFKA_ADVERTISED_LISTENERS")).results().findFirst().orElseThrow().group(1);
        URI registry = URI.create(environment(service("schema-registry")).get("SCHEMA_REGISTRY_LISTENERS"));
        List<String> simulator = command(service("claude-sim"));
        String simulatorPort = simulator.get(simulator.indexOf("--port") + 1);

        for (String layer : layers) {
            Hal9Config config = Hal9Config.load(Map.of(), environment(service(layerService(layer))));
            assertThat(config.bootstrapServers()).as(layer).isEqualTo(internal);
            assertThat(URI.create(config.schemaRegistryUrl()))
                    .as(layer).hasHost("schema-registry").hasPort(registry.getPort());
            assertThat(URI.create(config.getString(Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG)))
                    .as(layer).hasHost("claude-sim").hasPort(Integer.parseInt(simulatorPort));
        }
        assertThat(environment(kafka).get("KAFKA_PROCESS_ROLES")).contains("broker").contains("controller");
        assertThat(kafka.get("image").toString()).startsWith("apache/kafka:");
        assertThat(kafka).containsKey("healthcheck");
        assertThat(service("schema-registry").get("image").toString()).startsWith("confluentinc/cp-schema-registry:");
    }

    @Test
    void shouldCreateTheTopicsTheLayersUseBeforeTheyStart() {
        Map<String, Object> topicsService = service("topics");
        List<String> command = command(topicsService);
        assertThat(command.get(0)).isEqualTo("topics");
        Hal9Config topicsConfig = Hal9Config.load(Map.of(), environment(topicsService));
        String partitions = command.get(command.indexOf("--partitions") + 1);
        for (String layer : layers) {
            Map<String, Object> service = service(layerService(layer));
            Hal9Config layerConfig = Hal9Config.load(Map.of(), environment(service));
            // the topics job names and sizes topics from the same settings the layers read
            for (String key : List.of(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG,
                    Hal9Config.TOPIC_RESULTS_CONFIG, Hal9Config.TOPIC_DLQ_CONFIG, Hal9Config.LAYERS_CHAIN_CONFIG)) {
                assertThat(topicsConfig.values().get(key)).as("%s %s", layer, key)
                        .isEqualTo(layerConfig.values().get(key));
            }
            assertThat(Hal9Settings.topics(layerConfig).partitions()).as(layer)
                    .isEqualTo(Integer.parseInt(partitions));
            assertThat(dependsOn(service)).as(layer).containsEntry("topics", "service_completed_successfully");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldRunTheLayersReadOnlyWithStateOnAVolumeAndTimeToDrain() {
        for (String layer : layers) {
            Map<String, Object> service = service(layerService(layer));
            assertThat(service.get("read_only")).as(layer).isEqualTo(true);
            assertThat((List<Object>) service.get("tmpfs")).as(layer).contains("/tmp");
            assertThat((List<?>) service.get("volumes")).as(layer)
                    .anySatisfy(volume -> assertThat(volume.toString()).endsWith(":/var/lib/hal9/state"));
            // 30 s drain + 20 s Kafka Streams close, as budgeted in docs/operations/shutdown.md
            long drainMs = ((Number) Hal9Config.load(Map.of(), environment(service)).values()
                    .get(Hal9Config.SHUTDOWN_DRAIN_MS_CONFIG)).longValue();
            assertThat(seconds(service.get("stop_grace_period").toString()) * 1000L).as(layer)
                    .isGreaterThan(drainMs + 20_000);
        }
    }

    @Test
    void shouldWriteEveryServicesDataIntoItsVolume() throws IOException {
        int checked = 0;
        for (String name : new TreeSet<>(services.keySet())) {
            Map<String, Object> service = service(name);
            List<String> mounts = namedVolumeMounts(service);
            if (mounts.isEmpty()) {
                continue;
            }
            // a volume that the service does not write to survives `down && up` while the data is lost
            for (String dir : dataDirs(name, service)) {
                assertThat(mounts).as("%s writes %s: inside one of its volumes", name, dir)
                        .anyMatch(mount -> dir.equals(mount) || dir.startsWith(mount + "/"));
            }
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(2 + layers.size());
    }

    /** Where the service's image keeps its data, given the service's environment. */
    private static List<String> dataDirs(String name, Map<String, Object> service) throws IOException {
        String image = service.get("image").toString();
        Map<String, String> env = environment(service);
        if (image.startsWith("apache/kafka:")) {
            // configured from KAFKA_* variables the image writes nothing but what they say: without
            // KAFKA_LOG_DIRS the log (and metadata log) dir is /tmp/kafka-logs
            List<String> dirs = new java.util.ArrayList<>(List.of(env.getOrDefault("KAFKA_LOG_DIRS", "/tmp/kafka-logs")
                    .split(",")));
            if (env.containsKey("KAFKA_METADATA_LOG_DIR")) {
                dirs.add(env.get("KAFKA_METADATA_LOG_DIR"));
            }
            return dirs;
        }
        if (image.startsWith("postgres:")) {
            // the image's PGDATA: /var/lib/postgresql/data up to 17, /var/lib/postgresql/<major>/docker from 18
            int major = Integer.parseInt(image.replaceFirst("^postgres:(\\d+).*$", "$1"));
            return List.of(env.getOrDefault("PGDATA",
                    major < 18 ? "/var/lib/postgresql/data" : "/var/lib/postgresql/" + major + "/docker"));
        }
        if (image.startsWith("hal9-streams:")) {
            return List.of(env.getOrDefault("HAL9_STATE_DIR", imageStateDir()));
        }
        throw new AssertionError(name + " (" + image + ") has a volume: say here where its image writes its data");
    }

    /** HAL9_STATE_DIR as the image sets it (the Dockerfile's runtime stage; ContainerImageTest keeps Jib's equal). */
    private static String imageStateDir() throws IOException {
        Matcher m = Pattern.compile("(?m)^ENV\\s.*\\bHAL9_STATE_DIR=(\\S+)").matcher(Files.readString(REPO.resolve("Dockerfile")));
        assertThat(m.find()).as("HAL9_STATE_DIR in the Dockerfile").isTrue();
        return m.group(1);
    }

    /** The container paths of the service's named volumes (not bind mounts of the repository's files). */
    private static List<String> namedVolumeMounts(Map<String, Object> service) {
        return ((List<?>) service.getOrDefault("volumes", List.of())).stream().map(String::valueOf)
                .map(volume -> volume.split(":"))
                .filter(parts -> parts.length >= 2 && !parts[0].startsWith(".") && !parts[0].startsWith("/")
                        && !parts[0].startsWith("~"))
                .map(parts -> parts[1])
                .toList();
    }

    @Test
    void shouldStartEveryServiceThatReadsTopicsAfterTheTopicsJob() {
        // the layers read their input topics; `connectors apply` starts the sinks that read the results
        // and dead letters. Before `topics` made them, a consumer would have the broker auto-create
        // them with one partition.
        assertThat(ConnectorConfigs.bundled()).allSatisfy(config -> assertThat(config.get(ConnectorConfigs.TOPICS)).isNotBlank());
        Set<String> readers = new TreeSet<>();
        for (String name : hal9Services()) {
            String role = command(service(name)).get(0);
            if (role.equals("run") || role.equals("connectors")) {
                readers.add(name);
            }
        }
        assertThat(readers).contains("connectors-apply").containsAll(layers.stream().map(ComposeStackTest::layerService).toList());
        for (String name : readers) {
            assertThat(dependsOn(service(name))).as(name).containsEntry("topics", "service_completed_successfully");
        }
    }

    @Test
    void shouldTakeTheApiKeyOnlyFromTheCallersEnvironment() throws IOException {
        for (String name : hal9Services()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = (Map<String, Object>) service(name).getOrDefault("environment", Map.of());
            Object key = raw.get("ANTHROPIC_API_KEY");
            if (key != null) {
                assertThat(key.toString()).as(name).matches("\\$\\{ANTHROPIC_API_KEY(:-)?}");
            }
        }
        assertThat(Files.readString(REPO.resolve("docker-compose.yml"))).doesNotContainPattern("sk-ant-[A-Za-z0-9]{8}");
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldScrapeEveryLayersAdminPortForMetrics() throws IOException {
        Map<String, Object> prometheus;
        try (Reader reader = Files.newBufferedReader(REPO.resolve("compose/prometheus.yml"))) {
            prometheus = new Yaml().load(reader);
        }
        Set<String> targets = new TreeSet<>();
        for (Object job : (List<?>) prometheus.get("scrape_configs")) {
            Map<String, Object> scrape = (Map<String, Object>) job;
            assertThat(scrape.getOrDefault("metrics_path", "/metrics")).isEqualTo("/metrics");
            for (Object group : (List<?>) scrape.get("static_configs")) {
                targets.addAll((List<String>) ((Map<String, Object>) group).get("targets"));
            }
        }
        Set<String> expected = new TreeSet<>();
        for (String layer : layers) {
            Map<String, Object> service = service(layerService(layer));
            int adminPort = Hal9Settings.admin(Hal9Config.load(Map.of(), environment(service))).port();
            expected.add(layerService(layer) + ":" + adminPort);
            assertThat((List<?>) service.get("ports")).as(layer)
                    .anySatisfy(port -> assertThat(port.toString()).endsWith(":" + adminPort));
        }
        assertThat(targets).isEqualTo(expected);
        assertThat(((List<?>) service("prometheus").get("volumes")).get(0).toString())
                .startsWith("./compose/prometheus.yml:");
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldChartOnlyMetricsALayerReallyExports() throws Exception {
        Map<String, Object> dashboard = new ObjectMapper().readValue(
                REPO.resolve("compose/grafana/dashboards/hal9.json").toFile(), Map.class);
        Set<String> charted = new TreeSet<>();
        for (Object panel : (List<?>) dashboard.get("panels")) {
            for (Object target : (List<?>) ((Map<String, Object>) panel).get("targets")) {
                Matcher m = METRIC.matcher(String.valueOf(((Map<String, Object>) target).get("expr")));
                while (m.find()) {
                    charted.add(m.group());
                }
            }
        }
        assertThat(charted).contains("hal9_signals_processed_total", "hal9_circuit_breaker_open", "cache_gets_total",
                "hal9_cache_store_lookups_total", "kafka_consumer_fetch_manager_records_lag_max");
        // the names a layer's registry really exports: its own meters, and Kafka Streams' client metrics
        String scrape = KubernetesManifestsTest.scrapeOfALayer("L2") + kafkaStreamsScrape();
        for (String metric : charted) {
            assertThat(scrape).as("a layer exports %s", metric).containsPattern("(?m)^" + metric + "[{ ]");
        }
        // Grafana loads it from the path its provisioning names, on the stack's Prometheus
        assertThat(((List<?>) service("grafana").get("volumes")).stream().map(String::valueOf))
                .contains("./compose/grafana/dashboards:/var/lib/grafana/dashboards:ro");
        assertThat(Files.readString(REPO.resolve("compose/grafana/provisioning/datasources/prometheus.yml")))
                .contains("url: http://prometheus:9090");
    }

    /** The Prometheus text of Kafka Streams' metrics for an application that was built but never started. */
    private static String kafkaStreamsScrape() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hal9-l2");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in").to("out");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams)) {
            metrics.bindTo(registry);
            return registry.scrape();
        }
    }

    @Test
    void shouldRegisterTheConnectorsOnTheConnectServiceOnceItIsHealthy() {
        Map<String, Object> apply = service("connectors-apply");
        List<String> command = command(apply);
        // a real hal9 command line (also checked for every hal9 service above), pointed at the worker
        assertThatCode(() -> Hal9.commandLine().parseArgs(command.toArray(String[]::new))).doesNotThrowAnyException();
        assertThat(command.subList(0, 2)).containsExactly("connectors", "apply");
        URI connectUrl = URI.create(command.get(command.indexOf("--connect-url") + 1));
        URI listener = URI.create(environment(service("connect")).get("CONNECT_LISTENERS"));
        assertThat(connectUrl).hasHost("connect").hasPort(listener.getPort());
        assertThat(services).containsKey(connectUrl.getHost());
        assertThat(apply.get("restart")).isEqualTo("no");
        assertThat(dependsOn(apply)).containsEntry("connect", "service_healthy");
        // the REST port the connectors-apply job and the host use is the one the worker listens on
        assertThat((List<?>) service("connect").get("ports"))
                .anySatisfy(port -> assertThat(port.toString()).endsWith(":" + listener.getPort()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldBuildTheConnectWorkerWithThePluginAndPointItAtKafka() throws IOException {
        Map<String, Object> connect = service("connect");
        Map<String, String> env = environment(connect);
        Map<String, Object> build = (Map<String, Object>) connect.get("build");
        Path dockerfile = REPO.resolve(build.get("context").toString()).resolve(build.get("dockerfile").toString());
        String text = Files.readString(dockerfile);
        // the plugin directory connectors/pom.xml assembles, on the plugin.path the worker is given
        assertThat(text).contains("connectors/target/plugin/").contains("FROM apache/kafka:");
        assertThat(text).contains(env.get("CONNECT_PLUGIN_PATH"));
        assertThat(Files.readString(REPO.resolve("connectors/pom.xml"))).contains("/plugin/hal9-connectors");
        String internal = Pattern.compile("INTERNAL://([^,]+)").matcher(
                environment(service("kafka")).get("KAFKA_ADVERTISED_LISTENERS")).results().findFirst().orElseThrow().group(1);
        assertThat(env.get("CONNECT_BOOTSTRAP_SERVERS")).isEqualTo(internal);
        for (String key : List.of("CONNECT_GROUP_ID", "CONNECT_CONFIG_STORAGE_TOPIC", "CONNECT_OFFSET_STORAGE_TOPIC",
                "CONNECT_STATUS_STORAGE_TOPIC")) {
            assertThat(env.get(key)).as(key).isNotBlank();
        }
        assertThat(connect).containsKey("healthcheck");
        assertThat(dependsOn(connect)).containsEntry("kafka", "service_healthy").containsEntry("postgres", "service_healthy");
        assertThat(service("postgres").get("image").toString()).startsWith("postgres:17");
        assertThat(service("postgres")).containsKey("healthcheck");
    }

    @Test
    void shouldPointTheRegisteredConnectorsAtTheComposePostgresRegistryAndTopics() {
        Map<String, String> postgres = environment(service("postgres"));
        Map<String, String> connect = environment(service("connect"));
        URI registry = URI.create(environment(service("schema-registry")).get("SCHEMA_REGISTRY_LISTENERS"));
        Hal9Config layerConfig = Hal9Config.load(Map.of(), environment(service(layerService(layers.get(0)))));
        Map<String, String> topics = Map.of(
                ConnectorConfigs.RESULTS_SINK, Hal9Settings.topics(layerConfig).results(),
                ConnectorConfigs.DEAD_LETTERS_SINK, Hal9Settings.topics(layerConfig).deadLetters());

        // connectors-apply registers the bundled files as they are (no --set, no --dir)
        assertThat(command(service("connectors-apply"))).doesNotContain("--set", "--dir");
        assertThat(ConnectorConfigs.bundled()).extracting(ConnectorConfig::name)
                .containsExactlyInAnyOrderElementsOf(topics.keySet());
        for (ConnectorConfig config : ConnectorConfigs.bundled()) {
            String name = config.name();
            URI jdbc = URI.create(config.get(ConnectorConfigs.CONNECTION_URL).substring("jdbc:".length()));
            assertThat(jdbc).as(name).hasScheme("postgresql").hasHost("postgres").hasPort(5432)
                    .hasPath("/" + postgres.get("POSTGRES_DB"));
            assertThat(services).containsKey(jdbc.getHost());
            assertThat(config.get(ConnectorConfigs.CONNECTION_USERNAME)).as(name).isEqualTo(postgres.get("POSTGRES_USER"));
            // the password: from the worker's environment through the env config provider, the same
            // variable and default the postgres service is given
            Matcher placeholder = Pattern.compile("\\$\\{env:([A-Z0-9_]+)}")
                    .matcher(config.get(ConnectorConfigs.CONNECTION_PASSWORD));
            assertThat(placeholder.matches()).as(name).isTrue();
            assertThat(connect.get(placeholder.group(1))).as(name).isNotNull().isEqualTo(postgres.get("POSTGRES_PASSWORD"));
            assertThat(rawEnvironment(service("connect")).get(placeholder.group(1)))
                    .isEqualTo(rawEnvironment(service("postgres")).get("POSTGRES_PASSWORD"));
            assertThat(connect.get("CONNECT_CONFIG_PROVIDERS")).isEqualTo("env");
            assertThat(connect.get("CONNECT_CONFIG_PROVIDERS_ENV_CLASS"))
                    .isEqualTo("org.apache.kafka.common.config.provider.EnvVarConfigProvider");
            assertThat(URI.create(config.get(ConnectorConfigs.REGISTRY_URL))).as(name)
                    .hasHost("schema-registry").hasPort(registry.getPort());
            assertThat(config.get(ConnectorConfigs.TOPICS)).as(name).isEqualTo(topics.get(name));
            // one broker in the stack: Connect's dead letter queue can have one replica only
            assertThat(config.get(ConnectorConfigs.DLQ_REPLICATION_FACTOR)).as(name).isEqualTo("1");
        }
        assertThat(ConnectorConfigs.named(ConnectorConfigs.bundled(), ConnectorConfigs.RESULTS_SINK)
                .get("transforms.rows.layers")).isEqualTo(String.join(",", layerConfig.layersChain()));
    }

    /** The service's environment as written in the file, before interpolation. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> rawEnvironment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) service.getOrDefault("environment", Map.of())).forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    private static List<String> hal9Services() {
        return services.entrySet().stream()
                .filter(e -> String.valueOf(((Map<?, ?>) e.getValue()).get("image")).startsWith("hal9-streams:"))
                .map(Map.Entry::getKey).sorted().toList();
    }

    private static String layerService(String layer) {
        return "hal9-" + layer.toLowerCase();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) {
        Object service = services.get(name);
        assertThat(service).as("service %s in docker-compose.yml", name).isNotNull();
        return (Map<String, Object>) service;
    }

    @SuppressWarnings("unchecked")
    private static List<String> command(Map<String, Object> service) {
        return ((List<Object>) service.get("command")).stream().map(String::valueOf).toList();
    }

    /** The service's environment as the container sees it, with {@code ${VAR:-default}} resolved to the default. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) service.getOrDefault("environment", Map.of())).forEach((key, value) -> {
            Matcher m = INTERPOLATION.matcher(String.valueOf(value));
            env.put(key, m.replaceAll(r -> Matcher.quoteReplacement(r.group(3) == null ? "" : r.group(3))));
        });
        return env;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> dependsOn(Map<String, Object> service) {
        Map<String, String> conditions = new HashMap<>();
        ((Map<String, Object>) service.get("depends_on")).forEach((name, spec) ->
                conditions.put(name, String.valueOf(((Map<String, Object>) spec).get("condition"))));
        return conditions;
    }

    private static long seconds(String duration) {
        Matcher m = Pattern.compile("(\\d+)s").matcher(duration);
        assertThat(m.matches()).as("duration %s", duration).isTrue();
        return Long.parseLong(m.group(1));
    }
}
