package io.hal9.topology.cli.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Signals to publish, read from JSON lines: one object per line with a {@code content} string and
 * optionally {@code key}, {@code features} (name → number) and {@code metadata} (name → string).
 * Blank lines and lines starting with {@code #} are skipped.
 *
 * @param key      the record key to publish with (generated when absent)
 * @param content  the signal content
 * @param features activation features
 * @param metadata signal metadata
 */
public record DemoInput(String key, String content, Map<String, Double> features, Map<String, String> metadata) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BUNDLED = "/io/hal9/topology/cli/demo/signals.jsonl";

    /**
     * The {@code count} signals to publish: the inputs in order, repeated with a variant number
     * once they run out (so every fresh signal has its own content), of which an evenly spread
     * share {@code duplicateRatio} repeat an earlier signal's content (chosen with a fixed seed).
     */
    public static List<DemoInput> plan(List<DemoInput> inputs, int count, double duplicateRatio) {
        List<DemoInput> planned = new ArrayList<>(count);
        java.util.Random random = new java.util.Random(9);
        int fresh = 0;
        for (int i = 0; i < count; i++) {
            boolean duplicate = i > 0 && Math.floor((i + 1) * duplicateRatio) > Math.floor(i * duplicateRatio);
            if (duplicate) {
                DemoInput earlier = planned.get(random.nextInt(planned.size()));
                planned.add(new DemoInput(null, earlier.content(), earlier.features(), earlier.metadata()));
                continue;
            }
            DemoInput base = inputs.get(fresh % inputs.size());
            int round = fresh / inputs.size();
            planned.add(round == 0 ? base : new DemoInput(base.key(), base.content() + " (variant " + (round + 1) + ")",
                    base.features(), base.metadata()));
            fresh++;
        }
        return planned;
    }

    /** The bundled sample tasks. */
    public static List<DemoInput> bundled() {
        try (InputStream in = DemoInput.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled sample signals " + BUNDLED + " are missing from the build");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled sample signals");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read bundled sample signals: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a JSON-lines file.
     *
     * @throws IllegalArgumentException naming the file and line of the first bad line
     */
    public static List<DemoInput> read(Path file) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("--input " + file + ": no such readable file");
        }
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), "--input " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--input " + file + ": " + e.getMessage(), e);
        }
    }

    static List<DemoInput> parse(String text, String source) {
        List<DemoInput> inputs = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new java.io.StringReader(text))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                inputs.add(parseLine(trimmed, source + " line " + number));
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException(source + ": no signals (expected JSON lines with a \"content\" field)");
        }
        return inputs;
    }

    private static DemoInput parseLine(String line, String where) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object with a \"content\" string");
        }
        JsonNode content = node.get("content");
        if (content == null || !content.isTextual()) {
            throw new IllegalArgumentException(where + ": missing \"content\" string");
        }
        Map<String, Double> features = new HashMap<>();
        JsonNode f = node.path("features");
        if (!f.isMissingNode()) {
            if (!f.isObject()) {
                throw new IllegalArgumentException(where + ": \"features\" must be an object of numbers");
            }
            f.fields().forEachRemaining(e -> {
                if (!e.getValue().isNumber()) {
                    throw new IllegalArgumentException(where + ": feature \"" + e.getKey() + "\" must be a number");
                }
                features.put(e.getKey(), e.getValue().asDouble());
            });
        }
        Map<String, String> metadata = new HashMap<>();
        JsonNode m = node.path("metadata");
        if (!m.isMissingNode()) {
            if (!m.isObject()) {
                throw new IllegalArgumentException(where + ": \"metadata\" must be an object of strings");
            }
            m.fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        }
        JsonNode key = node.get("key");
        return new DemoInput(key == null || key.isNull() ? null : key.asText(), content.asText(), features, metadata);
    }
}
