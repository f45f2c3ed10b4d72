package io.hal9.schemas.registry.embedded;

import java.util.Locale;

/**
 * Confluent's compatibility levels: which earlier versions of a subject a new schema is checked
 * against, and in which direction. BACKWARD means consumers on the new schema read data written
 * with the old one; FORWARD the reverse; FULL both. The transitive levels check every earlier
 * version, the others only the latest.
 */
enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    final boolean newReadsOld;
    final boolean oldReadsNew;
    final boolean transitive;

    CompatibilityLevel(boolean newReadsOld, boolean oldReadsNew, boolean transitive) {
        this.newReadsOld = newReadsOld;
        this.oldReadsNew = oldReadsNew;
        this.transitive = transitive;
    }

    static CompatibilityLevel parse(String text) {
        if (text == null) {
            throw RegistryError.invalidCompatibilityLevel("null");
        }
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw RegistryError.invalidCompatibilityLevel(text);
        }
    }
}
