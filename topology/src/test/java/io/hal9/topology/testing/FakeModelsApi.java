package io.hal9.topology.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Anthropic's Models API as far as the start-up model check reads it: {@code GET /v1/models/{id}}
 * answers what the test put for that id ({@link #model}, {@link #status}), 404
 * {@code not_found_error} for any other id, as the documented JSON. It records each request's
 * path and key header.
 */
public final class FakeModelsApi implements AutoCloseable {

    private record Reply(int status, String body) {
    }

    /** The reply of an id that never answers (until the server closes). */
    private static final Reply HANG = new Reply(0, "");

    private final HttpServer server;
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final List<String> keys = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private FakeModelsApi(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        // a thread per request: one that hangs must not hold up the next
        server.setExecutor(threads);
        server.start();
    }

    public static FakeModelsApi start() {
        try {
            return new FakeModelsApi(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * {@code id} answers as a model of {@code lifecycle} ({@code active}, {@code deprecated},
     * {@code retired}) retiring at {@code retiresAt} (RFC 3339, or null), under the id {@code answeredId}.
     */
    public FakeModelsApi model(String id, String answeredId, String displayName, String lifecycle, String retiresAt) {
        String retires = retiresAt == null ? "null" : "\"" + retiresAt + "\"";
        replies.put(id, new Reply(200, """
                {"type":"model","id":"%s","display_name":"%s","created_at":"2025-09-29T00:00:00Z",\
                "lifecycle":"%s","deprecated_at":null,"retires_at":%s,"max_input_tokens":200000,"max_tokens":64000}"""
                .formatted(answeredId, displayName, lifecycle, retires)));
        return this;
    }

    /** {@code id} answers {@code status} with an API error of {@code type}. */
    public FakeModelsApi status(String id, int status, String type) {
        replies.put(id, new Reply(status, """
                {"type":"error","error":{"type":"%s","message":"%s"}}""".formatted(type, type.replace('_', ' '))));
        return this;
    }

    /** {@code id} never answers: the request waits until the server closes. */
    public FakeModelsApi hang(String id) {
        replies.put(id, HANG);
        return this;
    }

    /** The paths asked, in order. */
    public List<String> paths() {
        return paths;
    }

    /** The key headers sent ({@code x-api-key}, or {@code authorization}). */
    public List<String> keys() {
        return keys;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        paths.add(path);
        String key = exchange.getRequestHeaders().getFirst("x-api-key");
        keys.add(key != null ? key : String.valueOf(exchange.getRequestHeaders().getFirst("authorization")));
        String prefix = "/v1/models/";
        Reply reply = path.startsWith(prefix) && "GET".equals(exchange.getRequestMethod())
                ? replies.getOrDefault(path.substring(prefix.length()), new Reply(404, """
                        {"type":"error","error":{"type":"not_found_error","message":"model: %s"}}"""
                        .formatted(path.substring(prefix.length()))))
                : new Reply(404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"Not found\"}}");
        if (reply == HANG) {
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(reply.status(), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
