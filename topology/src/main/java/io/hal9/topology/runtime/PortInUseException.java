package io.hal9.topology.runtime;

/**
 * A TCP port that HAL9 Streams was told to listen on is already taken by another process.
 *
 * <p>Thrown before anything is started, so nothing needs to be cleaned up. The message names what
 * wanted the port, the host and the port, e.g. {@code Kafka port 9092 on 127.0.0.1 is already in use}.
 */
public final class PortInUseException extends IllegalStateException {

    private final String host;
    private final int port;

    PortInUseException(String what, String host, int port, Throwable cause) {
        super(what + " port " + port + " on " + host + " is already in use", cause);
        this.host = host;
        this.port = port;
    }

    /** The host (address) the port was checked on. */
    public String host() {
        return host;
    }

    /** The port that is taken. */
    public int port() {
        return port;
    }
}
