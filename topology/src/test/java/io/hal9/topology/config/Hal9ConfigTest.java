package io.hal9.topology.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class Hal9ConfigTest {

    @Test
    void shouldUseDocumentedDefaults() {
        Hal9Config config = Hal9Config.of(Map.of());

        assertThat(config.layersChain()).containsExactly("L2", "L3", "L4");
        assertThat(config.getInt(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG)).isEqualTo(30_000);
        assertThat(config.getString(Hal9Config.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(config.getString(Hal9Config.TOPIC_RESULTS_CONFIG)).isEqualTo("hal9.results");
    }

    @Test
    void shouldReadTheEnvironmentAndLetExplicitSettingsWin() {
        Hal9Config config = Hal9Config.load(Map.of(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG, "1000"),
                Map.of("HAL9_CLAUDE_TIMEOUT_MS", "5000", "HAL9_LAYERS_CHAIN", "L2,L4"));

        assertThat(config.getInt(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG)).isEqualTo(1000);
        assertThat(config.layersChain()).containsExactly("L2", "L4");
    }

    @Test
    void shouldPassKafkaEnvironmentVariablesToTheClients() {
        Hal9Config config = Hal9Config.load(Map.of(),
                Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "PATH", "/usr/bin"));

        assertThat(config.kafkaProperties()).containsOnly(Map.entry("security.protocol", "SASL_SSL"));
    }

    @Test
    void shouldNameTheKeyOfAnInvalidValue() {
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_CLAUDE_TIMEOUT_MS", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.claude.timeout.ms");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.ADMIN_PORT_CONFIG, 70_000)))
                .hasMessageContaining("hal9.admin.port");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, "localhost:8081")))
                .hasMessageContaining("hal9.schema.registry.url").hasMessageContaining("http://");
    }

    @Test
    void shouldRefuseAPendingLimitBelowTheInFlightCap() {
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 512,
                Hal9Config.NEURON_MAX_PENDING_CONFIG, 100)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.neuron.max.pending").hasMessageContaining("hal9.neuron.max.in.flight");
    }

    @Test
    void shouldRejectUnknownLayersAndUnknownHal9Keys() {
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L9")))
                .hasMessageContaining("hal9.layers.chain").hasMessageContaining("L9");
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_CLAUDE_TIMEOUT", "5")))
                .hasMessageContaining("hal9.claude.timeout").hasMessageContaining("unknown");
    }

    @Test
    void shouldMapKeysAndEnvironmentNamesBothWays() {
        for (String key : List.of(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG, Hal9Config.SCHEMA_REGISTRY_URL_CONFIG)) {
            assertThat(Hal9Config.envToKey(Hal9Config.keyToEnv(key))).isEqualTo(key);
        }
        assertThat(Hal9Config.keyToEnv("hal9.claude.timeout.ms")).isEqualTo("HAL9_CLAUDE_TIMEOUT_MS");
    }
}
