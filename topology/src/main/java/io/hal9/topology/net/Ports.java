package io.hal9.topology.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * TCP port checks for the listeners HAL9 Streams opens (embedded broker, admin HTTP).
 *
 * <p>{@link #requireFree} turns "address already in use" deep inside a server's start-up into a
 * clear error before anything is started; {@link #freePort} picks an ephemeral port for a listener
 * whose port must be known before it binds (such as a Kafka advertised listener).
 */
public final class Ports {

    private Ports() {
    }

    /**
     * Fails when {@code port} cannot be bound on {@code host} right now.
     *
     * <p>The check binds a server socket and releases it at once. It keeps the JDK's default
     * {@code SO_REUSEADDR}, the same one Kafka's and the JDK HTTP server's listeners bind with: on
     * Linux a port with a listener counts as taken, while a port that only has connections in
     * {@code TIME_WAIT} (left by a server that just stopped) counts as free, as it is for the server.
     * Port 0 (pick any) always passes.
     *
     * @param what names the listener in the message, e.g. {@code "Kafka"} or {@code "Admin HTTP"}
     * @throws PortInUseException when the port is taken
     * @throws IllegalArgumentException when the port is outside 0..65535
     */
    public static void requireFree(String what, String host, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(what + " port " + port + " is outside 0..65535");
        }
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new PortInUseException(what, host, port, e);
        }
    }

    /**
     * A port that was free on the loopback interface a moment ago. Another process may take it
     * before the caller binds it; listeners that can bind port 0 themselves should do so instead.
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free TCP port on the loopback interface", e);
        }
    }
}
