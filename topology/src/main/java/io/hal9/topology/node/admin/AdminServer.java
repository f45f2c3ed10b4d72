package io.hal9.topology.node.admin;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.hal9.topology.net.PortInUseException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The admin HTTP server every HAL9 process runs ({@code hal9.admin.port}).
 *
 * <ul>
 *   <li>{@code GET /health}: JSON naming the service, version, pid and the state of each layer,
 *       so a probe never mistakes another program on the port for HAL9. 200 when every layer is
 *       running and Claude accepts the key, 503 otherwise.</li>
 *   <li>{@code GET /health/live}: 200 while the process and its stream threads are alive (no
 *       layer in {@code ERROR} or {@code NOT_RUNNING}); a liveness probe restarts it otherwise.</li>
 *   <li>{@code GET /health/ready}: 200 only when every layer runs and its neuron is usable; 503
 *       with the reason otherwise, so traffic and rollouts wait.</li>
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
            Health current = health.get();
            switch (exchange.getRequestURI().getPath()) {
                case "/health" -> send(exchange, current.up() ? 200 : 503, "application/json",
                        JSON.writeValueAsString(current));
                case "/health/live" -> probe(exchange, notAlive(current));
                case "/health/ready" -> probe(exchange, notReady(current));
                default -> send(exchange, 404, "application/json", "{\"error\":\"not found\"}");
            }
        });
        server.createContext("/metrics", exchange ->
                send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.createContext("/", exchange -> send(exchange, 404, "application/json",
                "{\"error\":\"not found\",\"endpoints\":[\"/health\",\"/health/live\",\"/health/ready\","
                        + "\"/metrics\"]}"));
        server.start();
        return new AdminServer(server, executor);
    }

    /** Why the process is not alive, or null: a layer whose Kafka Streams died. */
    static String notAlive(Health health) {
        return health.layers().stream()
                .filter(l -> "ERROR".equals(l.state()) || "NOT_RUNNING".equals(l.state()))
                .map(l -> l.layer() + " is " + l.state())
                .findFirst().orElse(null);
    }

    /** Why the process should get no work, or null. */
    public static String notReady(Health health) {
        if (health.closing()) {
            return "shutting down";
        }
        for (Health.LayerHealth layer : health.layers()) {
            if (!"RUNNING".equals(layer.state())) {
                return layer.layer() + " is " + layer.state();
            }
            String refused = switch (layer.neuron()) {
                case "KEY_REJECTED" -> "Claude rejects the API key";
                case "BILLING_BLOCKED" -> "Claude refuses the account's calls (billing or spend limit)";
                case "MODEL_NOT_FOUND" -> "Claude does not know the layer's model";
                default -> null;
            };
            if (refused != null) {
                return layer.layer() + ": " + refused
                        + (layer.lastFailure() == null ? "" : " (last failure " + layer.lastFailure() + ")");
            }
        }
        return health.up() ? null : "status " + health.status();
    }

    private static void probe(HttpExchange exchange, String problem) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service", Health.SERVICE);
        body.put("status", problem == null ? "UP" : "DOWN");
        if (problem != null) {
            body.put("reason", problem);
        }
        send(exchange, problem == null ? 200 : 503, "application/json", JSON.writeValueAsString(body));
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Serves {@code path} (and everything under it) with {@code handler} from now on. */
    public void handle(String path, HttpHandler handler) {
        server.createContext(path, handler);
    }

    /** Answers {@code exchange} with {@code body} as UTF-8 of {@code type}. */
    static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
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
