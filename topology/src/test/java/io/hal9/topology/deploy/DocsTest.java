package io.hal9.topology.deploy;

import static io.hal9.topology.deploy.DocPages.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.hal9.topology.cli.Hal9;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.node.ModelCheck;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The docs cannot go stale: generated sections equal their generators' output, every relative link
 * lands on a file and heading, every command they name exists, and what they quote from the code
 * is what the code prints.
 */
class DocsTest {

    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern COMMAND = Pattern.compile("bin/hal9 ([a-z][a-z-]*)");

    @Test
    void shouldHoldEveryGeneratedSectionAsItsGeneratorPrintsIt() {
        boolean write = Boolean.getBoolean("hal9.docs.write");
        for (DocPages.Section section : DocPages.sections()) {
            if (write) {
                DocPages.write(section);
            }
            assertThat(DocPages.current(section)).as(section.page() + ": " + section.name()
                    + " (mvn test -Dtest=DocsTest -Dhal9.docs.write=true writes it)")
                    .isEqualTo(section.generator().get());
        }
    }

    @Test
    void shouldDocumentEverySettingAsHal9ConfigPrintsIt() {
        String page = DocPages.read("docs/reference/configuration.md");

        for (String key : Hal9Config.definition().names()) {
            assertThat(page).contains("`" + key + "`").contains("`" + Hal9Config.keyToEnv(key) + "`");
        }
    }

    @Test
    void shouldLinkOnlyToFilesAndHeadingsThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            for (String target : links(Files.readString(page))) {
                if (target.matches("^[a-z]+:.*")) {
                    continue; // http:, https:, mailto:
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                String where = ROOT.relativize(page) + " → " + target;
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    broken.add(where + " (no such file)");
                } else if (anchor != null && !(resolved.toString().endsWith(".md") && anchors(resolved).contains(anchor))) {
                    broken.add(where + " (no such heading)");
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    @Test
    void shouldNameOnlyCommandsTheExecutableHas() throws IOException {
        Set<String> commands = Hal9.commandLine().getSubcommands().keySet();
        List<String> unknown = new ArrayList<>();
        for (Path page : pages()) {
            Matcher command = COMMAND.matcher(Files.readString(page));
            while (command.find()) {
                if (!commands.contains(command.group(1))) {
                    unknown.add(ROOT.relativize(page) + ": bin/hal9 " + command.group(1));
                }
            }
        }
        assertThat(unknown).isEmpty();
    }

    @Test
    void shouldHaveAnIndexThatLinksEveryPage() throws IOException {
        Set<String> linked = links(DocPages.read("docs/index.md")).stream()
                .map(target -> target.contains("#") ? target.substring(0, target.indexOf('#')) : target)
                .collect(Collectors.toSet());

        for (Path page : pages()) {
            String relative = ROOT.resolve("docs").relativize(page).toString();
            if (page.startsWith(ROOT.resolve("docs")) && !relative.equals("index.md")) {
                assertThat(linked).as("docs/index.md links " + relative).contains(relative);
            }
        }
    }

    @Test
    void shouldNameEveryJavaPackageInTheLayoutPageAndNoOther() throws IOException {
        String layout = DocPages.read("docs/reference/layout.md");
        layout = layout.substring(layout.indexOf("## Java packages"));
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
    void shouldListEveryCommandOfTheExecutableInTheLayout() {
        String layout = DocPages.read("docs/reference/layout.md");
        String commands = layout.substring(layout.indexOf("the command line (`bin/hal9`: "));
        commands = commands.substring(0, commands.indexOf(')'));

        for (String name : Hal9.commandLine().getSubcommands().keySet()) {
            if (!name.equals("help")) {
                assertThat(commands).as(name).contains("`" + name + "`");
            }
        }
    }

    @Test
    void shouldShowHal9ModelsAsItPrintsTheCatalog() {
        String page = DocPages.read("docs/concepts/models.md");
        String command = "$ bin/hal9 models --on 2026-12-07 --set hal9.l3.model=claude-sonnet-4-5\n";
        assertThat(page).contains(command);
        String sample = page.substring(page.indexOf(command) + command.length());
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
    void shouldQuoteTheStartUpRefusalsAsTheModelCheckWordsThem() {
        String page = DocPages.read("docs/concepts/models.md");
        Hal9Config config = Hal9Config.of(Map.of("hal9.l3.model", "claude-sonnet-4-5",
                "hal9.l4.model", "claude-sonet-5-5"));
        ModelCheck.Report report = ModelCheck.of(config, null, Clock.fixed(
                Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC)).check(List.of("L3", "L4"));

        assertThat(report.refusals()).hasSize(2);
        assertThat(page).contains(String.join("\n", report.refusals().stream().map(line -> "hal9: " + line).toList()));
    }

    @Test
    void shouldShowTheClientExamplesAsTheyAreInDocsExamples() {
        String page = DocPages.read("docs/getting-started.md");

        // ClientExamplesEndToEndTest runs these files
        assertThat(page).contains("```python\n" + DocPages.read("docs/examples/hal9_signal.py") + "```\n")
                .contains("```js\n" + DocPages.read("docs/examples/hal9-signal.mjs") + "```\n");
    }

    @Test
    void shouldKeepEveryPageShort() throws IOException {
        for (Path page : pages()) {
            long lines = Files.readString(page).lines().count();
            if (!DocPages.sections().stream().map(DocPages.Section::page).toList()
                    .contains(ROOT.relativize(page).toString())) {
                assertThat(lines).as(ROOT.relativize(page) + " lines").isLessThanOrEqualTo(400);
            }
        }
    }

    /** README.md and every page under docs/. */
    static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            // docs/examples holds code (and, after npm install, its node_modules), not pages
            files.filter(f -> f.toString().endsWith(".md") && !f.startsWith(ROOT.resolve("docs/examples")))
                    .sorted().forEach(pages::add);
        }
        return pages;
    }

    /** The link targets of a page, outside code blocks and code spans. */
    static List<String> links(String markdown) {
        List<String> targets = new ArrayList<>();
        Matcher link = LINK.matcher(prose(markdown).replaceAll("`[^`\n]*`", ""));
        while (link.find()) {
            targets.add(link.group(1));
        }
        return targets;
    }

    /** The anchors of a page's headings, as GitHub makes them (duplicates get -1, -2, ...). */
    static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(Files.readString(page)).lines().toList()) {
            if (line.matches("^#{1,6} .*")) {
                String slug = slug(line.replaceFirst("^#+ ", ""));
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
        }
        return anchors;
    }

    static String slug(String heading) {
        return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    /** The page without its fenced code blocks. */
    private static String prose(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.lines().toList()) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }
}
