package io.hal9.topology.cli.common;

import java.util.HashMap;
import java.util.Map;

import io.hal9.topology.config.Hal9Config;

import picocli.CommandLine.Option;

/**
 * The options every command that talks to a running cluster shares: where Kafka and the schema
 * registry are, and any other setting as {@code --set key=value}. Flags win over the environment.
 */
public final class ClusterOptions {

    @Option(names = "--bootstrap-servers", description = "Kafka brokers (hal9.bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Schema registry URL (hal9.schema.registry.url).")
    String registryUrl;

    @Option(names = "--set", description = "Any setting as key=value, e.g. --set hal9.claude.timeout.ms=20000.")
    Map<String, String> settings = new HashMap<>();

    /** The settings given on the command line, as {@link Hal9Config#load} takes them. */
    public Map<String, Object> explicit() {
        Map<String, Object> explicit = new HashMap<>(settings);
        putIfSet(explicit, Hal9Config.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        putIfSet(explicit, Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        return explicit;
    }

    /** The configuration: these options over the environment over the defaults. */
    public Hal9Config load() {
        return Hal9Config.load(explicit(), System.getenv());
    }

    /** Puts {@code value} under {@code key} unless it is null (a flag that was not given). */
    public static void putIfSet(Map<String, Object> settings, String key, Object value) {
        if (value != null) {
            settings.put(key, value);
        }
    }
}
