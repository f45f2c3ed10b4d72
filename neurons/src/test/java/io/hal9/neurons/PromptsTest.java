package io.hal9.neurons;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PromptsTest {

    @ParameterizedTest
    @CsvSource({"L2, Implementation", "L3, Operational", "L4, Tactical"})
    void shouldLoadEachLayerWithAVersionAndItsRoleLine(String layer, String role) {
        Prompts.Prompt prompt = Prompts.load(layer);

        assertThat(prompt.layer()).isEqualTo(layer);
        assertThat(prompt.version()).matches("\\d{4}-\\d{2}-\\d{2}\\.\\d+");
        assertThat(prompt.text().lines().findFirst())
                .contains("You are a HAL9 " + layer + " " + role + " neuron.");
        assertThat(prompt.text()).doesNotContain("version:");
        assertThat(prompt.text().lines().count()).isBetween(5L, 15L);
    }

    @Test
    void shouldRejectAnUnknownLayer() {
        assertThatThrownBy(() -> Prompts.load("L9")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("L9");
    }

    @Test
    void shouldRejectAPromptWithoutVersionHeader() {
        assertThatThrownBy(() -> Prompts.parse("L2", "You are a HAL9 L2 Implementation neuron."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version");
    }
}
