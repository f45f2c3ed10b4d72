package io.hal9.neurons;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The system prompt of each layer, read from the classpath.
 *
 * <p>Each prompt lives in {@code io/hal9/neurons/prompts/<LAYER>.md}; its first line is
 * {@code version: <version>} and the rest is the prompt text, whose first line names the neuron
 * ("You are a HAL9 L3 Operational neuron."). The version is part of the cache key, so a changed
 * prompt must get a new version.
 */
public final class Prompts {

    private static final String VERSION_HEADER = "version:";
    private static final Map<String, Prompt> LOADED = new ConcurrentHashMap<>();

    private Prompts() {
    }

    /** A layer's system prompt and its version. */
    public record Prompt(String layer, String version, String text) {

        public Prompt {
            Objects.requireNonNull(layer, "layer");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * Loads the prompt of a layer ("L2", "L3", "L4").
     *
     * @throws IllegalArgumentException when no prompt exists for the layer or its header is missing
     */
    public static Prompt load(String layer) {
        Objects.requireNonNull(layer, "layer");
        return LOADED.computeIfAbsent(layer, Prompts::read);
    }

    private static Prompt read(String layer) {
        String resource = "prompts/" + layer + ".md";
        try (InputStream in = Prompts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no system prompt for layer '" + layer + "' (expected resource "
                        + "io/hal9/neurons/" + resource + ")");
            }
            return parse(layer, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the system prompt of layer " + layer, e);
        }
    }

    static Prompt parse(String layer, String file) {
        String normalized = file.replace("\r\n", "\n");
        int endOfHeader = normalized.indexOf('\n');
        String header = (endOfHeader < 0 ? normalized : normalized.substring(0, endOfHeader)).strip();
        if (!header.startsWith(VERSION_HEADER)) {
            throw new IllegalArgumentException("system prompt of layer " + layer
                    + " must start with a 'version: <v>' line, found: " + header);
        }
        String version = header.substring(VERSION_HEADER.length()).strip();
        String text = endOfHeader < 0 ? "" : normalized.substring(endOfHeader + 1).strip();
        if (version.isEmpty() || text.isEmpty()) {
            throw new IllegalArgumentException("system prompt of layer " + layer + " has an empty version or text");
        }
        return new Prompt(layer, version, text);
    }
}
