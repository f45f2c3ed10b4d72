package io.hal9.neurons.simulator;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The simulator's deterministic answers: the layer and role come from the system prompt's first
 * line ("You are a HAL9 L3 Operational neuron."), and the answer applies that role to the content.
 * The same system prompt and content always give the same text.
 */
final class SimulatedAnswers {

    private static final Pattern ROLE_LINE = Pattern.compile("You are a HAL9 (\\S+) (\\S+) neuron");
    private static final int QUOTED_CHARS = 120;
    private static final int SUBJECT_WORDS = 6;
    private static final int SUBJECT_CHARS = 40;

    private SimulatedAnswers() {
    }

    static String answer(String system, String content) {
        String firstLine = system == null ? "" : system.strip().lines().findFirst().orElse("");
        Matcher role = ROLE_LINE.matcher(firstLine);
        boolean named = role.find();
        String layer = named ? role.group(1) : "L?";
        String roleName = named ? role.group(2) : "Neuron";
        String quoted = shorten(content);
        String subject = subject(content);
        return answerFor(layer, roleName, quoted, subject) + " [ref " + reference(content) + "]";
    }

    /** A short fingerprint of the whole content, so that different requests get different answers. */
    private static String reference(String content) {
        return String.format("%08x", content.hashCode());
    }

    private static String answerFor(String layer, String roleName, String quoted, String subject) {
        return switch (roleName.toLowerCase(Locale.ROOT)) {
            case "implementation" -> layer + " Implementation: concrete next steps for \"" + quoted + "\": "
                    + "1) write the code for " + subject + " "
                    + "2) run it against a small example "
                    + "3) add a test that checks " + subject;
            case "operational" -> layer + " Operational: split \"" + quoted + "\" into 3 work items: "
                    + "1) component: define the interface and data of " + subject + " "
                    + "2) task: build " + subject + " behind that interface "
                    + "3) task: test and wire " + subject + " into the pipeline";
            case "tactical" -> layer + " Tactical: plan for \"" + quoted + "\": "
                    + "1) strategy: deliver " + subject + " in small verifiable steps "
                    + "2) order: design first, then build, then roll out "
                    + "3) risks: unclear scope, load, dependencies; checkpoint after each phase";
            default -> layer + " " + roleName + ": considered \"" + quoted + "\" and has no role-specific answer";
        };
    }

    /** Characters per token in the simulator's estimates. */
    static final int CHARS_PER_TOKEN = 4;

    /** Tokens of {@code text}, estimated as its characters ÷ 4 rounded up, at least 1. */
    static long estimateTokens(String text) {
        return Math.max(1, (text.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);
    }

    private static String shorten(String content) {
        String flat = content.strip().replaceAll("\\s+", " ").replace("\"", "'");
        return flat.length() <= QUOTED_CHARS ? flat : flat.substring(0, QUOTED_CHARS - 3) + "...";
    }

    private static String subject(String content) {
        String words = Arrays.stream(content.strip().split("\\s+"))
                .map(w -> w.replaceAll("[^\\p{L}\\p{N}_-]", ""))
                .filter(w -> !w.isEmpty())
                .limit(SUBJECT_WORDS)
                .collect(Collectors.joining(" "));
        if (words.length() > SUBJECT_CHARS) {
            words = words.substring(0, SUBJECT_CHARS).strip() + "...";
        }
        return words.isEmpty() ? "the request" : "'" + words.toLowerCase(Locale.ROOT) + "'";
    }
}
