package io.hal9.connectors.converter;

import java.net.URI;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link Hal9AvroConverter}. In a connector or worker configuration the keys take
 * the converter's prefix, e.g. {@code value.converter.schema.registry.url}.
 */
public final class Hal9AvroConverterConfig extends AbstractConfig {

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "schema.registry.url";
    public static final String SCHEMA_REGISTRY_URL_DOC = "Base URL of the schema registry (Confluent REST API) that "
            + "holds the writer schemas of the topic, e.g. http://schema-registry:8081. One URL, no list. Required: "
            + "set it to the registry the producers of the topic use.";

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    public static final boolean AUTO_REGISTER_SCHEMAS_DEFAULT = true;
    public static final String AUTO_REGISTER_SCHEMAS_DOC = "Whether writing Connect data (a source connector, or "
            + "any use of fromConnectData) registers the record's Avro schema under <topic>-value (<topic>-key for a "
            + "key converter). Set it to false when schemas are registered only by a release pipeline: the record's "
            + "schema must then be the latest version of the subject, and any other schema fails the record.";

    static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new RegistryUrl(),
                    Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
            .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, AUTO_REGISTER_SCHEMAS_DEFAULT,
                    Importance.MEDIUM, AUTO_REGISTER_SCHEMAS_DOC);

    /** Parses and validates {@code originals}; a missing or invalid key fails with a {@link ConfigException}. */
    public Hal9AvroConverterConfig(Map<String, ?> originals) {
        super(CONFIG_DEF, originals, false);
    }

    /** The registry's base URL, stripped of surrounding blanks. */
    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL_CONFIG).strip();
    }

    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG);
    }

    /** Accepts one absolute http(s) URL with a host. */
    private static final class RegistryUrl implements ConfigDef.Validator {

        @Override
        public void ensureValid(String name, Object value) {
            String url = value == null ? "" : value.toString().strip();
            if (url.isEmpty()) {
                throw new ConfigException(name, value,
                        "must name the schema registry, e.g. http://schema-registry:8081");
            }
            if (url.contains(",")) {
                throw new ConfigException(name, value, "must be one URL, not a list");
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, "is not a URL: " + e.getMessage());
            }
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw new ConfigException(name, value,
                        "must be an http or https URL with a host, e.g. http://schema-registry:8081");
            }
        }

        @Override
        public String toString() {
            return "an http(s) URL";
        }
    }
}
