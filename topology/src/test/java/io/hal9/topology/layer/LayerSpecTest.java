package io.hal9.topology.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.Prompts;
import io.hal9.topology.config.Hal9Config;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerSpecTest {

    @TempDir
    Path dir;

    @Test
    void shouldResolveALayerAddedToTheChainFromItsPromptFile() throws IOException {
        Path l5 = Files.writeString(dir.resolve("L5.md"), "version: 9\nYou are a HAL9 L5 Strategic neuron.\n");
        Hal9Config config = Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L3,L4,L5",
                "hal9.l5.prompt.file", l5.toString(), "hal9.l5.model", "claude-opus-5-5"));

        LayerSpec spec = LayerSpec.of("L5", config);

        assertThat(spec.profile()).isEqualTo(new LayerProfile("L5", "Custom", "l5", "claude-opus-5-5", 16384, "high", "9",
                "You are a HAL9 L5 Strategic neuron."));
        assertThat(spec.nextLayer()).isEmpty();
        assertThat(spec.applicationId()).isEqualTo("hal9-l5");
        assertThat(spec.prefix()).isEqualTo("l5");
        // the layer before it addresses its signals to L5's neuron, without reading L5's prompt
        LayerSpec l4 = LayerSpec.of("L4", config);
        assertThat(l4.nextLayer()).isEqualTo(Optional.of("L5"));
        assertThat(l4.nextNeuron()).isEqualTo("l5");
        assertThat(l4.profile()).isEqualTo(LayerProfile.defaults("L4"));
    }

    @Test
    void shouldKeepABundledLayersModelAndLimitWithItsPromptFromAFile() throws IOException {
        Path l3 = Files.writeString(dir.resolve("L3.md"), "version: ops-2\nYou are a HAL9 L3 Operational neuron.\n");

        LayerSpec spec = LayerSpec.of("L3", Hal9Config.of(Map.of("hal9.l3.prompt.file", l3.toString())));

        assertThat(spec.profile().promptVersion()).isEqualTo("ops-2").isNotEqualTo(Prompts.load("L3").version());
        assertThat(spec.profile().systemPrompt()).isEqualTo("You are a HAL9 L3 Operational neuron.");
        assertThat(spec.profile()).extracting(LayerProfile::neuron, LayerProfile::model, LayerProfile::maxTokens)
                .containsExactly("l3-operational", "claude-sonnet-5-5", 8192L);
    }

    @Test
    void shouldTakeTheLayersEffortFromItsSetting() {
        LayerSpec spec = LayerSpec.of("L3", Hal9Config.of(Map.of("hal9.l3.effort", "xhigh")));

        assertThat(spec.profile().effort()).isEqualTo("xhigh");
        assertThat(LayerSpec.of("L3", Hal9Config.of(Map.of())).profile().effort()).isEqualTo("medium");
    }

    @Test
    void shouldRefuseAnEffortThatIsNoEffortNamingTheKey() {
        assertThatThrownBy(() -> Hal9Config.of(Map.of("hal9.l2.effort", "extreme")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.l2.effort").hasMessageContaining("extreme");
    }

    @Test
    void shouldDropTheDefaultEffortForAModelThatTakesNone() {
        LayerSpec spec = LayerSpec.of("L2", Hal9Config.of(Map.of("hal9.l2.model", "claude-haiku-4-5")));

        assertThat(spec.profile().effort()).isEmpty();
    }

    @Test
    void shouldRefuseAnEffortSetForAModelThatTakesNoneNamingTheKey() {
        Hal9Config config = Hal9Config.of(Map.of("hal9.l2.model", "claude-haiku-4-5", "hal9.l2.effort", "high"));

        assertThatThrownBy(() -> LayerSpec.of("L2", config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.l2.effort")
                .hasMessageContaining("claude-haiku-4-5 takes no effort");
    }

    @Test
    void shouldRefuseMaxTokensAboveTheModelsOutputLimitNamingTheKey() {
        Hal9Config config = Hal9Config.of(Map.of("hal9.l2.model", "claude-haiku-4-5", "hal9.l2.max.tokens", "100000"));

        assertThatThrownBy(() -> LayerSpec.of("L2", config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.l2.max.tokens")
                .hasMessageContaining("claude-haiku-4-5 answers with at most 64000 output tokens");
    }

    @Test
    void shouldFailNamingKeyAndPathWhenTheLayersPromptFileIsMissing() {
        String missing = dir.resolve("L5.md").toString();
        Hal9Config config = Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L3,L4,L5",
                "hal9.l5.prompt.file", missing));

        // a process that runs other layers does not need L5's file
        assertThat(LayerSpec.of("L4", config).nextNeuron()).isEqualTo("l5");
        assertThatThrownBy(() -> LayerSpec.of("L5", config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.l5.prompt.file").hasMessageContaining(missing);
    }
}
