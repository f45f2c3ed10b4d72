package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.topology.config.Hal9Config;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which Messages API endpoint a process calls, depending on ANTHROPIC_API_KEY and the settings. */
class ClaudeEndpointTest {

    private ClaudeSimulator configuredApi;
    private ClaudeSimulator localSimulator;

    @BeforeEach
    void startEndpoints() {
        SimulatorOptions fast = SimulatorOptions.defaults().withLatency(Duration.ZERO);
        configuredApi = ClaudeSimulator.start("127.0.0.1", 0, fast);
        localSimulator = ClaudeSimulator.start("127.0.0.1", 0, fast);
    }

    @AfterEach
    void stopEndpoints() {
        configuredApi.close();
        localSimulator.close();
    }

    @Test
    void shouldCallTheSimulatorWhileNoKeyIsSet() throws Exception {
        Hal9Config config = config(localSimulator.baseUrl());

        askOnce(config, null);

        assertThat(localSimulator.requestCount()).isEqualTo(1);
        assertThat(configuredApi.requestCount()).isZero();
    }

    @Test
    void shouldCallTheConfiguredApiWithTheKeyOnceAKeyIsSet() throws Exception {
        Hal9Config config = config(localSimulator.baseUrl());

        askOnce(config, "sk-test-key");

        assertThat(configuredApi.requestCount()).isEqualTo(1);
        assertThat(configuredApi.lastRequest().orElseThrow().header("x-api-key")
                .or(() -> configuredApi.lastRequest().orElseThrow().header("authorization")).orElseThrow())
                .contains("sk-test-key");
        assertThat(localSimulator.requestCount()).isZero();
    }

    @Test
    void shouldRefuseAnthropicsApiWithoutKeyWhenNoSimulatorIsConfigured() {
        Hal9Config config = Hal9Config.of(Map.of());

        assertThatThrownBy(() -> Hal9Node.claudeClient(config, " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ANTHROPIC_API_KEY is not set");
    }

    @Test
    void shouldRejectASimulatorUrlThatIsNotHttp() {
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG, "claude-sim:8089")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG);
    }

    private Hal9Config config(String simulatorUrl) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(Hal9Config.CLAUDE_BASE_URL_CONFIG, configuredApi.baseUrl());
        settings.put(Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG, simulatorUrl);
        return Hal9Config.of(settings);
    }

    private static void askOnce(Hal9Config config, String apiKey) throws Exception {
        try (NeuronClient client = Hal9Node.claudeClient(config, apiKey)) {
            client.ask(new NeuronRequest(LayerProfile.defaults("L2"), "ping")).get();
        }
    }
}
