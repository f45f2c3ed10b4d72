package io.hal9.connectors.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One connector as a Kafka Connect worker's REST API takes it: its name and its configuration
 * (string keys and values, in file order). Immutable: {@link #with} returns a changed copy.
 *
 * <p>{@link #toString()} names the connector only: configurations hold credentials.
 */
public record ConnectorConfig(String name, Map<String, String> config) {

    public ConnectorConfig {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a connector needs a name");
        }
        config = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(config, "config")));
    }

    /** The value of {@code key}, or null. */
    public String get(String key) {
        return config.get(key);
    }

    /** A copy with {@code key} set to {@code value}. */
    public ConnectorConfig with(String key, String value) {
        Map<String, String> changed = new LinkedHashMap<>(config);
        changed.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return new ConnectorConfig(name, changed);
    }

    /** A copy with every entry of {@code settings} set. */
    public ConnectorConfig withAll(Map<String, String> settings) {
        Map<String, String> changed = new LinkedHashMap<>(config);
        changed.putAll(settings);
        return new ConnectorConfig(name, changed);
    }

    /** The configuration as the worker stores it: with {@code name} among the keys. */
    public Map<String, String> withName() {
        Map<String, String> full = new LinkedHashMap<>(config);
        full.put("name", name);
        return full;
    }

    @Override
    public String toString() {
        return "ConnectorConfig[" + name + ", " + config.size() + " settings]";
    }
}
