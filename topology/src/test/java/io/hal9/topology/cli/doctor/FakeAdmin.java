package io.hal9.topology.cli.doctor;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpServer;

/** An HTTP server on a free loopback port that answers every request with one fixed response. */
final class FakeAdmin implements AutoCloseable {

    private final HttpServer server;

    private FakeAdmin(HttpServer server) {
        this.server = server;
    }

    static FakeAdmin answering(int status, String contentType, String body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.getResponseHeaders().set("Server", "FakeServer/1.0");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return new FakeAdmin(server);
    }

    /**
     * A HAL9 /health body with one layer per {@code layers} entry {@code "L2 RUNNING OK CLOSED"}; what follows
     * a fifth space is the layer's {@code lastFailure}.
     */
    static FakeAdmin hal9(String status, String... layers) throws IOException {
        StringBuilder json = new StringBuilder("{\"service\":\"hal9-streams\",\"version\":\"0.1.0-SNAPSHOT\",\"pid\":1234,")
                .append("\"startedAt\":\"2026-11-27T10:00:00Z\",\"status\":\"").append(status).append("\",\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            String[] f = layers[i].split(" ", 5);
            json.append(i == 0 ? "" : ",").append("{\"layer\":\"").append(f[0]).append("\",\"applicationId\":\"hal9-")
                    .append(f[0].toLowerCase()).append("\",\"state\":\"").append(f[1]).append("\",\"neuron\":\"").append(f[2])
                    .append("\",\"breaker\":\"").append(f[3]).append("\",\"cacheHitRatio\":0.5,\"inFlight\":0,\"waiting\":0,\"lastFailure\":")
                    .append(f.length < 5 ? "null" : "\"" + f[4].replace("\"", "\\\"") + "\"").append('}');
        }
        json.append("]}");
        return answering("UP".equals(status) ? 200 : 503, "application/json", json.toString());
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
