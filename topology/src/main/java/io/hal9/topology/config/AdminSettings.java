package io.hal9.topology.config;

/**
 * The admin HTTP server ({@code hal9.admin.*}; built by {@link Hal9Settings#admin(Hal9Config)}).
 *
 * @param host           the address the server binds to
 * @param port           its port, 0 for a free one
 * @param advertisedHost the host other instances reach it on; empty: this machine's address
 */
public record AdminSettings(String host, int port, String advertisedHost) {
}
