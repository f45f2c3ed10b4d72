package io.hal9.topology.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.hal9.neurons.Prompts;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A layer's system prompt from {@code hal9.<layer>.prompt.file}: read at start-up, or a message naming key and path. */
class PromptFilesTest {

    private static final String L3_KEY = "hal9.l3.prompt.file";
    private static final String L5_KEY = "hal9.l5.prompt.file";

    @TempDir
    Path dir;

    @Test
    void shouldReadTheVersionAndTextOfAPromptFile() throws IOException {
        Path file = write("L5.md", "version: 2026-12-01.1\nYou are a HAL9 L5 Strategic neuron.\nSay where the work goes.\n");

        Prompts.Prompt prompt = chainWithL5(file.toString()).layerPrompt("L5");

        assertThat(prompt).isEqualTo(new Prompts.Prompt("L5", "2026-12-01.1",
                "You are a HAL9 L5 Strategic neuron.\nSay where the work goes."));
    }

    @Test
    void shouldReplaceTheBundledPromptOfALayer() throws IOException {
        Path file = write("L3.md", "version: ops-7\nYou are a HAL9 L3 Operational neuron. Answer in one line.\n");

        Prompts.Prompt prompt = Hal9Config.of(Map.of(L3_KEY, file.toString())).layerPrompt("L3");

        assertThat(prompt.version()).isEqualTo("ops-7").isNotEqualTo(Prompts.load("L3").version());
        assertThat(prompt.text()).isEqualTo("You are a HAL9 L3 Operational neuron. Answer in one line.");
    }

    @Test
    void shouldUseTheBundledPromptWhenNoFileIsSet() {
        assertThat(Hal9Config.of(Map.of()).layerPrompt("L3")).isEqualTo(Prompts.load("L3"));
    }

    @Test
    void shouldNameKeyAndPathOfAMissingFile() {
        String missing = dir.resolve("nowhere/L5.md").toString();

        assertThatThrownBy(() -> chainWithL5(missing).layerPrompt("L5"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(L5_KEY).hasMessageContaining(missing).hasMessageContaining("no such prompt file");
    }

    @Test
    void shouldNameKeyAndPathOfADirectory() {
        assertThatThrownBy(() -> chainWithL5(dir.toString()).layerPrompt("L5"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(L5_KEY).hasMessageContaining(dir.toString()).hasMessageContaining("directory");
    }

    @Test
    void shouldNameKeyAndPathOfAFileWithoutVersionHeader() throws IOException {
        Path file = write("L5.md", "You are a HAL9 L5 Strategic neuron.\n");

        assertThatThrownBy(() -> chainWithL5(file.toString()).layerPrompt("L5"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(L5_KEY).hasMessageContaining(file.toString())
                .hasMessageContaining("must start with a 'version: <v>' line")
                .hasMessageContaining("You are a HAL9 L5 Strategic neuron.");
    }

    @Test
    void shouldNameKeyAndPathOfAnInvalidVersion() throws IOException {
        Path file = write("L5.md", "version: next week\nYou are a HAL9 L5 Strategic neuron.\n");

        assertThatThrownBy(() -> chainWithL5(file.toString()).layerPrompt("L5"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(L5_KEY).hasMessageContaining(file.toString())
                .hasMessageContaining("invalid version 'next week'");
    }

    @Test
    void shouldNameKeyAndPathOfAFileWithAnEmptyBody() throws IOException {
        Path file = write("L3.md", "version: 3\n\n   \n");

        assertThatThrownBy(() -> Hal9Config.of(Map.of(L3_KEY, file.toString())).layerPrompt("L3"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(L3_KEY).hasMessageContaining(file.toString()).hasMessageContaining("is empty");
    }

    @Test
    void shouldNameKeyAndPathOfAFileThatIsNotUtf8() throws IOException {
        Path file = dir.resolve("L5.md");
        Files.write(file, new byte[] {'v', 'e', 'r', 's', 'i', 'o', 'n', ':', ' ', '1', '\n', (byte) 0xC3, (byte) 0x28});

        assertThatThrownBy(() -> chainWithL5(file.toString()).layerPrompt("L5"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(L5_KEY).hasMessageContaining(file.toString()).hasMessageContaining("UTF-8");
    }

    private static Hal9Config chainWithL5(String promptFile) {
        return Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L3,L4,L5", L5_KEY, promptFile));
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }
}
