package io.hal9.topology.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.hal9.topology.cli.ConfigCommand;
import io.hal9.topology.config.Hal9Config;

import org.junit.jupiter.api.Test;

/** The README cannot go stale: its commands and configuration table are checked against the code. */
class ReadmeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void shouldStartWithTheRunAndTestCommandsThatCiRuns() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String firstBlock = readme.substring(readme.indexOf("```") + 3, readme.indexOf("```", readme.indexOf("```") + 3));

        assertThat(firstBlock).contains("bin/hal9 demo").contains("mvn -B verify");
        assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("mvn -B verify").contains("bin/hal9 demo");
        assertThat(Files.isExecutable(ROOT.resolve("bin/hal9"))).isTrue();
    }

    @Test
    void shouldDocumentEverySettingAsHal9ConfigPrintsIt() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));

        // the table is the output of `bin/hal9 config --markdown`
        assertThat(readme).contains(ConfigCommand.markdownTable());
        for (String key : Hal9Config.definition().names()) {
            assertThat(readme).contains("`" + key + "`").contains("`" + Hal9Config.keyToEnv(key) + "`");
        }
    }
}
