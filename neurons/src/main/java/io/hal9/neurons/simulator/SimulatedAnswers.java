package io.hal9.neurons.simulator;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulator's deterministic answers, written as the layer's role would answer: the layer and
 * role come from the system prompt's first line ("You are a HAL9 L3 Operational neuron."), the
 * subject from the content's first meaningful line (a previous layer's heading such as
 * {@code L4 Tactical:} stripped, so a chain of layers does not quote answers inside answers), and
 * the answer is a heading line, a numbered list for the role, and a {@code [ref xxxxxxxx]}
 * fingerprint of the whole content. The same system prompt and content always give the same text;
 * different contents give different texts.
 */
final class SimulatedAnswers {

    private static final Pattern ROLE_LINE = Pattern.compile("You are a HAL9 (\\S+) (\\S+) neuron");
    /** A layer's heading at the start of a line: {@code L4 Tactical:}. */
    private static final Pattern HEADING = Pattern.compile("^L[\\d?]+\\s+\\S+:\\s*");
    /** A list marker or a markdown heading at the start of a line. */
    private static final Pattern MARKER = Pattern.compile("^(#+|[-*\u2022]|\\d+[.)])\\s+");
    private static final Pattern MEANINGFUL = Pattern.compile("[\\p{L}\\p{N}]");
    private static final int SUBJECT_CHARS = 80;

    private SimulatedAnswers() {
    }

    /** The layer and role the system prompt's first line names; {@code L?} and {@code Neuron} without one. */
    record Role(String layer, String name) {

        static Role of(String system) {
            String firstLine = system == null ? "" : system.strip().lines().findFirst().orElse("");
            Matcher role = ROLE_LINE.matcher(firstLine);
            return role.find() ? new Role(role.group(1), role.group(2)) : new Role("L?", "Neuron");
        }

        String heading() {
            return layer + " " + name + ":";
        }
    }

    static String answer(String system, String content) {
        Role role = Role.of(system);
        String subject = subject(content);
        return role.heading() + " " + subject + "\n" + steps(role) + "[ref " + reference(content) + "]";
    }

    /** A short account of the thinking before {@link #answer}, for {@code thinking.display: summarized}. */
    static String thinkingSummary(String system, String content) {
        Role role = Role.of(system);
        String approach = switch (role.name().toLowerCase(Locale.ROOT)) {
            case "implementation" -> "list the concrete next steps";
            case "operational" -> "split it into work items";
            case "tactical" -> "plan it in phases and name the risks";
            default -> "answer it";
        };
        return "The request is about \"" + subject(content) + "\". As the " + role.layer() + " " + role.name()
                + " neuron I should " + approach + ", briefly.";
    }

    /** A short fingerprint of the whole content, so that different requests get different answers. */
    private static String reference(String content) {
        return String.format("%08x", content.hashCode());
    }

    private static String steps(Role role) {
        return switch (role.name().toLowerCase(Locale.ROOT)) {
            case "implementation" -> """
                    Next steps:
                    1. Write the code for it in the smallest change that works.
                    2. Run it against a small example and check the result by hand.
                    3. Add a test that checks it, and commit.
                    """;
            case "operational" -> """
                    Work items:
                    1. Component: define its interface and the data it needs.
                    2. Task: build it behind that interface.
                    3. Task: test it and wire it into the pipeline.
                    """;
            case "tactical" -> """
                    Plan:
                    1. Strategy: deliver it in small, verifiable steps.
                    2. Order: design first, then build, then roll out.
                    3. Risks: unclear scope, load and dependencies; checkpoint after each phase.
                    """;
            default -> "No role-specific answer: the system prompt names no HAL9 role.\n";
        };
    }

    /**
     * The content's subject: its first line with a letter or digit, without a layer's heading, a list
     * marker or surrounding quotes, its spaces collapsed, at most {@value #SUBJECT_CHARS} characters
     * (cut at a word, with {@code ...}); {@code the request} when there is none.
     */
    static String subject(String content) {
        Optional<String> line = content.lines()
                .map(SimulatedAnswers::withoutMarkup)
                .filter(candidate -> MEANINGFUL.matcher(candidate).find())
                .findFirst();
        return line.map(SimulatedAnswers::shorten).orElse("the request");
    }

    private static String withoutMarkup(String line) {
        String text = line.strip();
        String before;
        do {
            before = text;
            text = HEADING.matcher(text).replaceFirst("");
            text = MARKER.matcher(text).replaceFirst("").strip();
        } while (!text.equals(before));
        if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
            text = text.substring(1, text.length() - 1).strip();
        }
        return text.replaceAll("\\s+", " ").replace('"', '\'');
    }

    private static String shorten(String text) {
        if (text.length() <= SUBJECT_CHARS) {
            return text;
        }
        String cut = text.substring(0, SUBJECT_CHARS - 3);
        int space = cut.lastIndexOf(' ');
        if (space > SUBJECT_CHARS / 2) {
            cut = cut.substring(0, space);
        }
        return cut.strip() + "...";
    }
}
