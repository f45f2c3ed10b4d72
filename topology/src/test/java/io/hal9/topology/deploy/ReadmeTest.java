package io.hal9.topology.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

    @Test
    void shouldNameEveryJavaPackageInTheLayoutSectionAndNoOther() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String layout = readme.substring(readme.indexOf("## Layout"), readme.indexOf("## Tests"));
        String tree = layout.substring(layout.indexOf("```\n") + 4, layout.indexOf("```", layout.indexOf("```\n") + 4));

        Map<String, Set<String>> documented = new TreeMap<>();
        String module = null;
        for (String line : tree.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String path = line.strip().split("\\s+")[0];
            if (!line.startsWith(" ")) {
                module = path.substring(0, path.length() - 1);
                documented.put(module, new TreeSet<>(Set.of("")));
            } else {
                documented.get(module).add(path.substring(0, path.length() - 1));
            }
        }

        Map<String, Set<String>> actual = new TreeMap<>();
        for (String name : documented.keySet()) {
            Path base = ROOT.resolve(name + "/src/main/java/io/hal9/" + name);
            try (Stream<Path> files = Files.walk(base)) {
                actual.put(name, files.filter(f -> f.toString().endsWith(".java"))
                        .map(f -> base.relativize(f.getParent()).toString())
                        .collect(Collectors.toCollection(TreeSet::new)));
            }
        }
        actual.get("schemas").add("v1"); // generated from the .avsc files at build time
        // a module's own top-level package is named by its line even when it holds no class
        documented.forEach((name, packages) -> {
            if (!actual.get(name).contains("")) {
                packages.remove("");
            }
        });
        assertThat(documented).isEqualTo(actual);
    }
}
