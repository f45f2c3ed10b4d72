package io.hal9.topology.config;

import java.util.Arrays;
import java.util.Locale;

import io.hal9.schemas.v1.Priority;

/**
 * A lane of the hierarchy: the topics a signal travels through, chosen by the producer by the topic
 * it writes to. Each layer reads every lane it runs with an application of its own (consumer group
 * {@code hal9-l2}, {@code hal9-l2-high}, {@code hal9-l2-bulk}), so a backlog in one lane never
 * holds up another; a derived signal stays in its lane at every layer, and records it in its
 * {@code priority}.
 *
 * <table>
 *   <caption>Lanes of layer L2 (default topic prefix and application id prefix)</caption>
 *   <tr><th>lane</th><th>input topic</th><th>application id</th></tr>
 *   <tr><td>{@link #HIGH}</td><td>{@code hal9.signals.l2.high}</td><td>{@code hal9-l2-high}</td></tr>
 *   <tr><td>{@link #NORMAL}</td><td>{@code hal9.signals.l2}</td><td>{@code hal9-l2}</td></tr>
 *   <tr><td>{@link #BULK}</td><td>{@code hal9.signals.l2.bulk}</td><td>{@code hal9-l2-bulk}</td></tr>
 * </table>
 */
public enum Lane {
    HIGH, NORMAL, BULK;

    /** Its name in settings, topics, metrics and command lines: {@code high}, {@code normal}, {@code bulk}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What a layer's input topic name ends with in this lane: {@code .high}, nothing, {@code .bulk}. */
    public String topicSuffix() {
        return this == NORMAL ? "" : "." + label();
    }

    /** What a layer's application id ends with in this lane: {@code -high}, nothing, {@code -bulk}. */
    public String applicationIdSuffix() {
        return this == NORMAL ? "" : "-" + label();
    }

    /** The value a signal of this lane records in its {@code priority}. */
    public Priority priority() {
        return Priority.valueOf(name());
    }

    /**
     * The lane named {@code label}, in any case.
     *
     * @throws IllegalArgumentException naming the lanes there are
     */
    public static Lane of(String label) {
        String name = label.trim().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(lane -> lane.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown lane '" + label.trim() + "': the lanes are "
                        + Arrays.stream(values()).map(Lane::label).toList()));
    }
}
