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

    @Test
    void shouldReadAPromptFileWithBomAndWindowsLineEnds() {
        Prompts.Prompt prompt = Prompts.parse("L5", "\uFEFFversion: 2026-12-01.1\r\nYou are a HAL9 L5 Strategic neuron.\r\n"
                + "Decide where the work is going.\r\n");

        assertThat(prompt).isEqualTo(new Prompts.Prompt("L5", "2026-12-01.1",
                "You are a HAL9 L5 Strategic neuron.\nDecide where the work is going."));
    }

    @Test
    void shouldRejectAnInvalidVersionSayingWhatAVersionIs() {
        assertThatThrownBy(() -> Prompts.parse("L5", "version: \nYou are a HAL9 L5 Strategic neuron."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("L5").hasMessageContaining("invalid version ''");
        assertThatThrownBy(() -> Prompts.parse("L5", "version: one two\nYou are a HAL9 L5 Strategic neuron."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid version 'one two'").hasMessageContaining("one word");
    }

    @Test
    void shouldRejectAPromptWithoutText() {
        assertThatThrownBy(() -> Prompts.parse("L5", "version: 3\n  \n\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("L5").hasMessageContaining("is empty");
        assertThatThrownBy(() -> Prompts.parse("L5", "version: 3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is empty");
    }
}
