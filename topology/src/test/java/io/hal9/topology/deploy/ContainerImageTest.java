package io.hal9.topology.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The two ways to build the image, the {@code Dockerfile} and Jib (profile {@code image} of
 * {@code topology/pom.xml}, run by {@code bin/build-image}), make the same container: same user,
 * JVM flags, state directory and entry command; and the Kubernetes pods run as that user. The
 * Jib image itself is built and started from its tarball by {@code bin/build-image --check} in CI.
 */
class ContainerImageTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    private static List<String> dockerfile;
    private static Element jib;

    @BeforeAll
    static void load() throws Exception {
        // the runtime stage: everything after the last FROM
        List<String> lines = Files.readAllLines(REPO.resolve("Dockerfile"));
        int lastFrom = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("FROM ")) {
                lastFrom = i;
            }
        }
        dockerfile = lines.subList(lastFrom, lines.size());
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(REPO.resolve("topology/pom.xml").toFile());
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if ("jib-maven-plugin".equals(text(plugin, "artifactId"))) {
                jib = (Element) plugin.getElementsByTagName("container").item(0);
            }
        }
        assertThat(jib).as("jib-maven-plugin <container> in topology/pom.xml").isNotNull();
    }

    @Test
    void shouldStartTheSameJvmWithTheSameFlagsInBothImages() {
        List<String> entrypoint = dockerInstruction("ENTRYPOINT");
        List<String> jvmFlags = new ArrayList<>();
        NodeList flags = jib.getElementsByTagName("jvmFlag");
        for (int i = 0; i < flags.getLength(); i++) {
            jvmFlags.add(flags.item(i).getTextContent().trim());
        }
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint.subList(1, entrypoint.indexOf("-jar"))).isEqualTo(jvmFlags);
        // heap from the container's memory limit, and no half-dead JVM after an OutOfMemoryError
        assertThat(jvmFlags).anyMatch(flag -> flag.startsWith("-XX:MaxRAMPercentage="))
                .contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(text(jib, "mainClass")).isEqualTo("io.hal9.topology.cli.Hal9");
        assertThat(dockerInstruction("CMD")).containsExactly(text(jib, "arg"));
    }

    @Test
    void shouldRunAsTheSameNonRootUserInBothImagesAndInKubernetes() throws IOException {
        String user = dockerLine("USER").split("\\s+", 2)[1];
        assertThat(user).isEqualTo(text(jib, "user")).doesNotStartWith("0");
        String uid = user.split(":")[0];
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(REPO.resolve("k8s/layer/layer.yaml").toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if ("Deployment".equals(doc.path("kind").asText())) {
                    assertThat(doc.at("/spec/template/spec/securityContext/runAsUser").asText()).isEqualTo(uid);
                }
            }
        }
    }

    @Test
    void shouldKeepStateInTheSameVolumeInBothImages() {
        Map<String, String> env = dockerEnvironment();
        String stateDir = env.get("HAL9_STATE_DIR");
        assertThat(stateDir).isNotNull();
        Map<String, String> jibEnv = new LinkedHashMap<>();
        NodeList environment = ((Element) jib.getElementsByTagName("environment").item(0)).getChildNodes();
        for (int i = 0; i < environment.getLength(); i++) {
            if (environment.item(i) instanceof Element variable) {
                jibEnv.put(variable.getTagName(), variable.getTextContent().trim());
            }
        }
        assertThat(jibEnv).isEqualTo(env);
        NodeList volumes = jib.getElementsByTagName("volume");
        List<String> jibVolumes = new ArrayList<>();
        for (int i = 0; i < volumes.getLength(); i++) {
            jibVolumes.add(volumes.item(i).getTextContent().trim());
        }
        assertThat(jibVolumes).containsExactlyInAnyOrderElementsOf(dockerInstruction("VOLUME")).contains(stateDir, "/tmp");
        assertThat(text(jib, "workingDirectory")).isEqualTo(dockerLine("WORKDIR").split("\\s+")[1]);
    }

    @Test
    void shouldUnpackNativeLibrariesOnTheStateVolumeNotOnANoexecTmp() {
        // Docker mounts a tmpfs /tmp noexec: a JNI library unpacked there cannot be loaded
        // (bin/check-image runs the image so); the state volume is mounted exec
        List<String> entrypoint = dockerInstruction("ENTRYPOINT");
        String stateDir = dockerEnvironment().get("HAL9_STATE_DIR");
        assertThat(entrypoint.subList(0, entrypoint.indexOf("-jar"))).contains("-Djava.io.tmpdir=" + stateDir);
        assertThat(dockerEnvironment()).containsEntry("ROCKSDB_SHAREDLIB_DIR", stateDir);
        assertThat(dockerInstruction("VOLUME")).contains(stateDir);
    }

    /** The runtime stage's {@code ENV KEY=VALUE ...}. */
    private static Map<String, String> dockerEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : dockerLine("ENV").replaceFirst("^ENV\\s+", "").trim().split("\\s+")) {
            String[] kv = pair.split("=", 2);
            assertThat(kv).as("ENV %s in KEY=VALUE form", pair).hasSize(2);
            env.put(kv[0], kv[1]);
        }
        return env;
    }

    private static String dockerLine(String instruction) {
        List<String> lines = dockerfile.stream().filter(l -> l.startsWith(instruction + " ")).toList();
        assertThat(lines).as("%s in the Dockerfile's runtime stage", instruction).hasSize(1);
        return lines.get(0);
    }

    private static List<String> dockerInstruction(String instruction) {
        Matcher m = Pattern.compile("^" + instruction + "\\s+(\\[.*])$").matcher(dockerLine(instruction));
        assertThat(m.matches()).as("%s in exec form", instruction).isTrue();
        try {
            List<String> args = new ArrayList<>();
            new ObjectMapper().readTree(m.group(1)).forEach(node -> args.add(node.asText()));
            return args;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }
}
