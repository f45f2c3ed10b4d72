package io.hal9.neurons;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The system prompt of each layer: the bundled ones read from the classpath, and the format every
 * prompt file follows.
 *
 * <p>Each bundled prompt lives in {@code io/hal9/neurons/prompts/<LAYER>.md}; its first line is
 * {@code version: <version>} and the rest is the prompt text, whose first line names the neuron
 * ("You are a HAL9 L3 Operational neuron."). A prompt given as a file outside the jar has the same
 * format and is read with {@link #parse(String, String)}. The version is part of the cache key, so
 * a changed prompt must get a new version.
 */
public final class Prompts {

    private static final String VERSION_HEADER = "version:";
    /** A version is one word: letters, digits, '.', '_', '-', '+', e.g. {@code 2026-11-27.1}. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");
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
     * Loads the bundled prompt of a layer ("L2", "L3", "L4").
     *
     * @throws IllegalArgumentException when no prompt exists for the layer or its header is missing
     */
    public static Prompt load(String layer) {
        Objects.requireNonNull(layer, "layer");
        return LOADED.computeIfAbsent(layer, Prompts::read);
    }

    private static Prompt read(String layer) {
        String resource = resource(layer);
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

    private static String resource(String layer) {
        return "prompts/" + layer + ".md";
    }

    /**
     * Parses a prompt file: a first line {@code version: <version>} (one word of letters, digits,
     * '.', '_', '-', '+'), then the prompt text, which must not be empty. A UTF-8 byte order mark
     * and Windows line ends are accepted.
     *
     * @throws IllegalArgumentException saying what is wrong, when the header is missing or invalid
     *                                  or the text is empty
     */
    public static Prompt parse(String layer, String file) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(file, "file");
        String normalized = file.replace("\r\n", "\n");
        if (normalized.startsWith("\uFEFF")) {
            normalized = normalized.substring(1);
        }
        int endOfHeader = normalized.indexOf('\n');
        String header = (endOfHeader < 0 ? normalized : normalized.substring(0, endOfHeader)).strip();
        if (!header.startsWith(VERSION_HEADER)) {
            throw new IllegalArgumentException("the system prompt of layer " + layer
                    + " must start with a 'version: <v>' line, found: '" + abbreviate(header) + "'");
        }
        String version = header.substring(VERSION_HEADER.length()).strip();
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("the system prompt of layer " + layer + " has an invalid version '"
                    + abbreviate(version) + "' (one word of letters, digits, '.', '_', '-', '+', e.g. 2026-11-27.1)");
        }
        String text = endOfHeader < 0 ? "" : normalized.substring(endOfHeader + 1).strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the system prompt of layer " + layer
                    + " is empty: the prompt text must follow the 'version: " + version + "' line");
        }
        return new Prompt(layer, version, text);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
