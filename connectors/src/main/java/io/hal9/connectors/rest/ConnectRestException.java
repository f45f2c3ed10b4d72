package io.hal9.connectors.rest;

/**
 * A Kafka Connect worker did not answer, or refused a request. {@link #httpStatus()} is the HTTP
 * status, or 0 when no answer came (unreachable, timed out).
 */
public final class ConnectRestException extends RuntimeException {

    private final int httpStatus;

    public ConnectRestException(int httpStatus, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
    }

    /** The HTTP status of the worker's answer; 0 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }
}
