package io.hal9.connectors.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The connector configurations HAL9 ships, and the files a user keeps of their own.
 *
 * <p>A configuration file is exactly the body a Kafka Connect worker's REST API takes on
 * {@code POST /connectors}: {@code {"name": "...", "config": {"key": "value", ...}}}. HAL9's own
 * files live in {@code connectors/config/} of the source tree and, byte for byte the same, on the
 * classpath under {@value #RESOURCE_DIR}, so {@code hal9 connectors apply}, the demo and the tests
 * all register the same files. They carry the values of the docker-compose stack (PostgreSQL at
 * {@code postgres:5432}, the registry at {@code schema-registry:8081}, the password from the
 * worker's environment through {@code ${env:HAL9_SINK_DB_PASSWORD}}); other environments override
 * them with {@link #override}.
 */
public final class ConnectorConfigs {

    /** Where the bundled files are on the classpath. */
    public static final String RESOURCE_DIR = "io/hal9/connectors/config/";
    /** {@code hal9.results} → table {@code hal9_results}. */
    public static final String RESULTS_SINK = "hal9-results-sink";
    /** {@code hal9.dlq} → table {@code hal9_dead_letters}. */
    public static final String DEAD_LETTERS_SINK = "hal9-dead-letters-sink";
    /** The bundled files, in the order they are registered. */
    public static final List<String> BUNDLED_FILES = List.of(RESULTS_SINK + ".json", DEAD_LETTERS_SINK + ".json");

    /** The JDBC URL of the sink's database. */
    public static final String CONNECTION_URL = "connection.url";
    public static final String CONNECTION_USERNAME = "connection.username";
    public static final String CONNECTION_PASSWORD = "connection.password";
    /** The schema registry the converter reads writer schemas from. */
    public static final String REGISTRY_URL = "value.converter.schema.registry.url";
    /** The topic a sink reads. */
    public static final String TOPICS = "topics";
    /** The table a sink writes. */
    public static final String TABLE = "collection.name.format";
    /** The topic Connect writes records to that it could not convert or transform. */
    public static final String DLQ_TOPIC = "errors.deadletterqueue.topic.name";
    public static final String DLQ_REPLICATION_FACTOR = "errors.deadletterqueue.topic.replication.factor";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConnectorConfigs() {
    }

    /** HAL9's connector configurations from the classpath, in {@link #BUNDLED_FILES} order. */
    public static List<ConnectorConfig> bundled() {
        List<ConnectorConfig> configs = new ArrayList<>();
        for (String file : BUNDLED_FILES) {
            configs.add(parse(bundledText(file), RESOURCE_DIR + file));
        }
        return configs;
    }

    /** The text of one bundled file, as it is on the classpath. */
    public static String bundledText(String file) {
        String resource = RESOURCE_DIR + file;
        try (InputStream in = ConnectorConfigs.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("connector configuration " + resource + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** Every {@code *.json} file in {@code dir}, by file name. */
    public static List<ConnectorConfig> fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("connector configuration directory " + dir + " does not exist");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no *.json connector configuration in " + dir);
        }
        List<ConnectorConfig> configs = new ArrayList<>();
        for (Path file : files) {
            try {
                configs.add(parse(Files.readString(file), file.toString()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return configs;
    }

    /**
     * Parses one file: an object with a string {@code name} and an object {@code config} of
     * scalar values (numbers and booleans become their text, as the REST API stores them).
     *
     * @param source names the file in errors
     * @throws IllegalArgumentException naming the file and what is wrong
     */
    public static ConnectorConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected {\"name\": ..., \"config\": {...}}");
        }
        JsonNode name = root.get("name");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw new IllegalArgumentException(source + ": \"name\" must be the connector's name");
        }
        JsonNode config = root.get("config");
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException(source + ": \"config\" must be an object of settings");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : config.properties()) {
            JsonNode value = entry.getValue();
            if (!value.isValueNode() || value.isNull()) {
                throw new IllegalArgumentException(source + ": setting " + entry.getKey() + " must be a string");
            }
            settings.put(entry.getKey(), value.asText());
        }
        String inner = settings.remove("name");
        if (inner != null && !inner.equals(name.asText())) {
            throw new IllegalArgumentException(source + ": config.name (" + inner + ") differs from name ("
                    + name.asText() + ")");
        }
        return new ConnectorConfig(name.asText(), settings);
    }

    /**
     * Applies {@code settings} of the form {@code key=value} (to every connector) or
     * {@code connector:key=value} (to that connector only), in order.
     *
     * @throws IllegalArgumentException for a setting without {@code =} or naming an unknown connector
     */
    public static List<ConnectorConfig> override(List<ConnectorConfig> configs, List<String> settings) {
        List<ConnectorConfig> result = new ArrayList<>(configs);
        for (String setting : settings) {
            int eq = setting.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("setting '" + setting + "' is not key=value or connector:key=value");
            }
            String target = setting.substring(0, eq);
            String value = setting.substring(eq + 1);
            int colon = target.indexOf(':');
            String connector = colon < 0 ? null : target.substring(0, colon);
            String key = colon < 0 ? target : target.substring(colon + 1);
            if (key.isBlank()) {
                throw new IllegalArgumentException("setting '" + setting + "' has no key");
            }
            boolean matched = false;
            for (int i = 0; i < result.size(); i++) {
                if (connector == null || result.get(i).name().equals(connector)) {
                    result.set(i, result.get(i).with(key, value));
                    matched = true;
                }
            }
            if (!matched) {
                throw new IllegalArgumentException("setting '" + target + "=...' names connector " + connector
                        + ", which is not among " + result.stream().map(ConnectorConfig::name).toList());
            }
        }
        return List.copyOf(result);
    }

    /** {@link #override(List, List)} with a map of {@code key} or {@code connector:key} to value. */
    public static List<ConnectorConfig> override(List<ConnectorConfig> configs, Map<String, String> settings) {
        List<String> list = new ArrayList<>();
        settings.forEach((key, value) -> list.add(key + "=" + value));
        return override(configs, list);
    }

    /** The configuration named {@code name}. */
    public static ConnectorConfig named(List<ConnectorConfig> configs, String name) {
        return configs.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no connector configuration named " + name));
    }
}
