package io.hal9.schemas.registry;

/**
 * A schema registry refused a request or could not be reached.
 *
 * <p>{@link #httpStatus()} is the HTTP status the registry answered with and {@link #errorCode()}
 * Confluent's finer {@code error_code} (for example 409 for an incompatible schema, 40401 for an
 * unknown subject, 40403 for an unknown schema). Both are 0 when no answer arrived at all
 * (registry unreachable, timed out, or interrupted). The message names the registry URL and
 * includes the registry's own message.
 */
public class SchemaRegistryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int httpStatus;
    private final int errorCode;
    private final String reason;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        this(message, httpStatus, errorCode, null);
    }

    /** @param reason the registry's own message (the {@code message} of its error answer), or null */
    public SchemaRegistryException(String message, int httpStatus, int errorCode, String reason) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
        this.reason = reason;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = 0;
        this.errorCode = 0;
        this.reason = null;
    }

    /** The HTTP status of the registry's answer, or 0 when there was no answer. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Confluent's {@code error_code} from the answer, or 0 when there was none. */
    public int errorCode() {
        return errorCode;
    }

    /**
     * Why the registry refused, in its own words (e.g. why a schema is incompatible); the whole
     * message when it gave none.
     */
    public String reason() {
        return reason != null ? reason : getMessage();
    }
}
