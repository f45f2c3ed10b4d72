package io.hal9.topology.net;

/**
 * A TCP port that HAL9 Streams was told to listen on is already taken by another process.
 *
 * <p>Thrown before anything is started, so nothing needs to be cleaned up. The message names what
 * wanted the port, the host, the port and who holds it (see {@link PortHolders}), e.g.
 * {@code Kafka port 9092 on 127.0.0.1 is already in use, held by pid 1234 (python3 -m http.server 9092)}.
 */
public final class PortInUseException extends IllegalStateException {

    private final String host;
    private final int port;
    private final transient PortHolders.Lookup holder;

    public PortInUseException(String what, String host, int port, Throwable cause) {
        this(what, host, port, cause, PortHolders.lookup(port));
    }

    private PortInUseException(String what, String host, int port, Throwable cause, PortHolders.Lookup holder) {
        super(what + " port " + port + " on " + host + " is already in use, " + holder.describe(), cause);
        this.host = host;
        this.port = port;
        this.holder = holder;
    }

    /** The host (address) the port was checked on. */
    public String host() {
        return host;
    }

    /** The port that is taken. */
    public int port() {
        return port;
    }

    /** Who held the port when this was thrown: a process, one that cannot be inspected, or nobody found. */
    public PortHolders.Lookup holder() {
        return holder;
    }
}
