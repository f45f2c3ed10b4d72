package io.hal9.topology.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.hal9.topology.cli.ConfigCommand;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.node.ModelCheck;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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

    @Test
    void shouldListEveryCommandOfTheExecutableInTheLayout() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String commands = readme.substring(readme.indexOf("the command line (`bin/hal9`: "));
        commands = commands.substring(0, commands.indexOf(')'));

        for (String name : Hal9.commandLine().getSubcommands().keySet()) {
            if (!name.equals("help")) {
                assertThat(commands).as(name).contains("`" + name + "`");
            }
        }
    }

    @Test
    void shouldShowHal9ModelsAsItPrintsTheCatalog() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        String command = "$ bin/hal9 models --on 2026-12-07 --set hal9.l3.model=claude-sonnet-4-5\n";
        String sample = readme.substring(readme.indexOf(command) + command.length());
        sample = sample.substring(0, sample.indexOf("```"));

        StringWriter out = new StringWriter();
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        assertThat(cli.execute("models", "--on", "2026-12-07", "--set", "hal9.l3.model=claude-sonnet-4-5")).isZero();
        List<String> printed = out.toString().lines().toList();
        List<String> shown = sample.lines().filter(line -> !line.equals("...")).toList();
        assertThat(shown).hasSizeGreaterThan(3);
        assertThat(printed).containsAll(shown);
    }

    @Test
    void shouldQuoteTheStartUpRefusalsAsTheModelCheckWordsThem() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Hal9Config config = Hal9Config.of(Map.of("hal9.l3.model", "claude-sonnet-4-5",
                "hal9.l4.model", "claude-sonet-5-5"));
        ModelCheck.Report report = ModelCheck.of(config, null, Clock.fixed(
                Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC)).check(List.of("L3", "L4"));

        assertThat(report.refusals()).hasSize(2);
        assertThat(readme).contains(String.join("\n", report.refusals().stream().map(line -> "hal9: " + line).toList()));
    }
}
