package io.hal9.neurons;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LayerProfileTest {

    @Test
    void shouldGiveHal9DefaultsPerLayer() {
        assertThat(LayerProfile.defaults("L2")).extracting(LayerProfile::role, LayerProfile::neuron,
                LayerProfile::model, LayerProfile::maxTokens, LayerProfile::effort)
                .containsExactly("Implementation", "l2-implementation", "claude-haiku-5-5", 4096L, "low");
        assertThat(LayerProfile.defaults("L3")).extracting(LayerProfile::role, LayerProfile::neuron,
                LayerProfile::model, LayerProfile::maxTokens, LayerProfile::effort)
                .containsExactly("Operational", "l3-operational", "claude-sonnet-5-5", 8192L, "medium");
        assertThat(LayerProfile.defaults("L4")).extracting(LayerProfile::role, LayerProfile::neuron,
                LayerProfile::model, LayerProfile::maxTokens, LayerProfile::effort)
                .containsExactly("Tactical", "l4-tactical", "claude-sonnet-5-5", 16384L, "high");
    }

    @Test
    void shouldDefaultToModelsTheCatalogCallsCurrentWithinTheirOutputLimit() {
        for (String layer : LayerProfile.KNOWN_LAYERS) {
            LayerProfile profile = LayerProfile.defaults(layer);
            io.hal9.neurons.models.CatalogEntry model = io.hal9.neurons.models.ModelCatalog.bundled()
                    .find(profile.model()).orElseThrow();

            assertThat(model.lifecycle()).as(layer).isEqualTo(io.hal9.neurons.models.Lifecycle.ACTIVE);
            assertThat(profile.maxTokens()).as(layer).isLessThanOrEqualTo(model.maxOutputTokens());
            assertThat(model.efforts()).as(layer).contains(profile.effort());
        }
    }

    @Test
    void shouldCarryTheLayersPromptAndVersion() {
        LayerProfile l3 = LayerProfile.defaults("L3");

        assertThat(l3.systemPrompt()).isEqualTo(Prompts.load("L3").text());
        assertThat(l3.promptVersion()).isEqualTo(Prompts.load("L3").version());
    }

    @Test
    void shouldRejectAnUnknownLayerNamingItAndTheKnownOnes() {
        assertThatThrownBy(() -> LayerProfile.defaults("L7"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("L7")
                .hasMessageContaining("L2").hasMessageContaining("L3").hasMessageContaining("L4");
    }

    @Test
    void shouldChangeOnlyModelMaxTokensOrEffort() {
        LayerProfile l2 = LayerProfile.defaults("L2");

        assertThat(l2.withModel("claude-opus-5-5")).isEqualTo(new LayerProfile("L2", "Implementation",
                "l2-implementation", "claude-opus-5-5", 4096, "low", l2.promptVersion(), l2.systemPrompt()));
        assertThat(l2.withMaxTokens(99).maxTokens()).isEqualTo(99);
        assertThat(l2.withMaxTokens(99).model()).isEqualTo("claude-haiku-5-5");
        assertThat(l2.withEffort("max")).isEqualTo(new LayerProfile("L2", "Implementation",
                "l2-implementation", "claude-haiku-5-5", 4096, "max", l2.promptVersion(), l2.systemPrompt()));
    }

    @Test
    void shouldGiveALayerWithoutBundledProfileL4sModelAndLimitAndItsOwnNeuronName() {
        Prompts.Prompt prompt = new Prompts.Prompt("L5", "7", "You are a HAL9 L5 Strategic neuron.");

        assertThat(LayerProfile.of("L5", prompt)).isEqualTo(new LayerProfile("L5", "Custom", "l5",
                "claude-sonnet-5-5", 16384, "high", "7", "You are a HAL9 L5 Strategic neuron."));
        assertThat(LayerProfile.neuronName("L5")).isEqualTo("l5");
    }

    @Test
    void shouldKeepABundledLayersRoleModelAndLimitWithAnotherPrompt() {
        Prompts.Prompt prompt = new Prompts.Prompt("L3", "ops-2", "You are a HAL9 L3 Operational neuron. Be brief.");

        assertThat(LayerProfile.of("L3", prompt)).isEqualTo(new LayerProfile("L3", "Operational", "l3-operational",
                "claude-sonnet-5-5", 8192, "medium", "ops-2", "You are a HAL9 L3 Operational neuron. Be brief."));
        assertThat(LayerProfile.neuronName("L3")).isEqualTo(LayerProfile.defaults("L3").neuron());
    }
}
