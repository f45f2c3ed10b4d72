package io.hal9.topology.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * The README stays a front page: the two commands CI runs, then links into {@code docs/}, whose
 * pages {@link DocsTest} keeps true.
 */
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
    void shouldStayAFrontPageThatLinksIntoTheDocs() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));

        assertThat(readme.lines().count()).isLessThanOrEqualTo(200);
        assertThat(DocsTest.links(readme)).contains("docs/index.md", "docs/getting-started.md");
    }
}
