package io.hal9.topology.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The admin HTTP server every HAL9 process runs ({@code hal9.admin.port}).
 *
 * <ul>
 *   <li>{@code GET /health}: JSON naming the service, version, pid and the state of each layer,
 *       so a probe never mistakes another program on the port for HAL9. 200 when every layer is
 *       running, 503 otherwise.</li>
 *   <li>{@code GET /metrics}: Prometheus text.</li>
 * </ul>
 */
public final class AdminServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;

    private AdminServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts the server.
     *
     * @throws PortInUseException when the port is taken
     */
    public static AdminServer start(String host, int port, Supplier<Health> health, PrometheusMeterRegistry metrics) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (BindException e) {
            throw new PortInUseException("admin", host, port, e);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the admin server on " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "hal9-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/health", exchange -> {
            if (!"/health".equals(exchange.getRequestURI().getPath())) {
                send(exchange, 404, "application/json", "{\"error\":\"not found\"}");
                return;
            }
            Health current = health.get();
            send(exchange, current.up() ? 200 : 503, "application/json", JSON.writeValueAsString(current));
        });
        server.createContext("/metrics", exchange ->
                send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.createContext("/", exchange -> send(exchange, 404, "application/json",
                "{\"error\":\"not found\",\"endpoints\":[\"/health\",\"/metrics\"]}"));
        server.start();
        return new AdminServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
