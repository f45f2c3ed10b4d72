package io.hal9.topology.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.hal9.neurons.Prompts;

import org.apache.kafka.common.config.ConfigException;

/**
 * Reads a layer's system prompt from the file named by {@code hal9.<layer>.prompt.file}: UTF-8, the
 * format of the bundled prompts ({@link Prompts#parse}). Every failure is a {@link ConfigException}
 * naming the key and the path, so a wrong prompt stops the process at start-up.
 */
final class PromptFiles {

    private PromptFiles() {
    }

    static Prompts.Prompt read(String layer, String key, String file) {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new ConfigException(key, file, "not a valid path: " + e.getMessage());
        }
        if (Files.isDirectory(path)) {
            throw new ConfigException(key, file, "is a directory, not a prompt file");
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(key, file, "no such prompt file");
        } catch (AccessDeniedException e) {
            throw new ConfigException(key, file, "the prompt file is not readable (permission denied)");
        } catch (CharacterCodingException e) {
            throw new ConfigException(key, file, "the prompt file is not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(key, file, "cannot read the prompt file: " + e);
        }
        try {
            return Prompts.parse(layer, text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, file, "not a prompt file: " + e.getMessage());
        }
    }
}
