package io.hal9.schemas.serde;

import io.hal9.schemas.v1.Signal;
import java.util.Arrays;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Makes Avro trust the HAL9 contract classes ({@code io.hal9.schemas.v1}).
 *
 * <p>Avro 1.12 refuses to instantiate classes outside packages named in the system property
 * {@code org.apache.avro.SERIALIZABLE_PACKAGES}, which it reads once, when its class validator is
 * first loaded. Loading this class appends the contract package to that property and, in case Avro
 * had already read the property before, also widens Avro's global validator. The serde classes load
 * it in their static initializers, so every JVM that uses them can read HAL9 records.
 */
public final class AvroTrust {

    static final String PROPERTY = "org.apache.avro.SERIALIZABLE_PACKAGES";
    static final String CONTRACT_PACKAGE = Signal.class.getPackageName();

    static {
        String current = System.getProperty(PROPERTY);
        boolean listed = current != null && Arrays.stream(current.split(","))
                .map(String::strip)
                .anyMatch(entry -> entry.equals(CONTRACT_PACKAGE) || entry.equals("*"));
        if (!listed) {
            System.setProperty(PROPERTY,
                    current == null || current.isBlank() ? CONTRACT_PACKAGE : current + "," + CONTRACT_PACKAGE);
        }
        ClassSecurityPredicate global = ClassSecurityValidator.getGlobal();
        if (!global.isTrusted(Signal.class)) {
            ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(global,
                    type -> type.getName().startsWith(CONTRACT_PACKAGE + ".")));
        }
    }

    private AvroTrust() {
    }

    /** Does nothing itself; calling it guarantees the static initializer above has run. */
    public static void ensure() {
        // Intentionally empty: class initialization does the work.
    }
}
