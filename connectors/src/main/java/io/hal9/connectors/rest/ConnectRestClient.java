package io.hal9.connectors.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.connectors.config.ConnectorConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A client of a Kafka Connect worker's REST API (standalone or distributed), for what HAL9 needs:
 * register a connector configuration (create or update), read its status, delete it.
 *
 * <p>How to use: {@code new ConnectRestClient(URI.create("http://connect:8083"))}, then
 * {@link #apply} each configuration and {@link #awaitSettled} its status.
 *
 * <p>Failures: a worker that does not answer, or answers with an error, raises a
 * {@link ConnectRestException} with the HTTP status (0 for no answer) and the worker's message.
 * Configuration values never appear in messages: they hold credentials.
 */
public final class ConnectRestClient {

    /** How long one request may take. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(250);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;

    /** @param baseUrl the worker's REST URL, e.g. {@code http://connect:8083} */
    public ConnectRestClient(URI baseUrl) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        String scheme = baseUrl.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || baseUrl.getHost() == null) {
            throw new IllegalArgumentException("Connect URL must be http(s)://host:port, not " + baseUrl);
        }
        String text = baseUrl.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The worker's base URL. */
    public URI url() {
        return base;
    }

    /** What {@link #apply} did. */
    public enum Applied {
        CREATED, UPDATED;

        @Override
        public String toString() {
            return name().toLowerCase();
        }
    }

    /**
     * Creates the connector, or updates its configuration when it exists
     * ({@code PUT /connectors/{name}/config}).
     *
     * @throws ConnectRestException when the worker refuses it (e.g. 400 with the invalid settings)
     */
    public Applied apply(ConnectorConfig connector) {
        String body;
        try {
            body = JSON.writeValueAsString(connector.withName());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<String> response = send(HttpRequest.newBuilder(connectorUri(connector.name(), "config"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)), "register connector " + connector.name());
        return response.statusCode() == 201 ? Applied.CREATED : Applied.UPDATED;
    }

    /** The connector's status, or null when the worker does not know it. */
    public ConnectorStatus status(String name) {
        HttpResponse<String> response = sendAllowing404(HttpRequest.newBuilder(connectorUri(name, "status"))
                .header("Accept", "application/json").GET(), "read the status of connector " + name);
        if (response == null) {
            return null;
        }
        JsonNode root = json(response.body(), "status of connector " + name);
        JsonNode connector = root.path("connector");
        List<ConnectorStatus.Task> tasks = new ArrayList<>();
        for (JsonNode task : root.path("tasks")) {
            tasks.add(new ConnectorStatus.Task(task.path("id").asInt(), task.path("state").asText(),
                    firstLine(task.path("trace"))));
        }
        return new ConnectorStatus(name, connector.path("state").asText("UNKNOWN"), firstLine(connector.path("trace")),
                tasks);
    }

    /** Deletes the connector; nothing happens when the worker does not know it. */
    public void delete(String name) {
        sendAllowing404(HttpRequest.newBuilder(connectorUri(name, null)).DELETE(), "delete connector " + name);
    }

    /** The names of the connectors the worker runs. */
    public List<String> connectors() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("connectors"))
                .header("Accept", "application/json").GET(), "list connectors");
        List<String> names = new ArrayList<>();
        json(response.body(), "connector list").forEach(n -> names.add(n.asText()));
        return names;
    }

    /**
     * Polls the connector's status until it runs (connector and every task {@code RUNNING}), fails,
     * or {@code timeout} passes; returns the last status seen (null if the worker never knew it).
     */
    public ConnectorStatus awaitSettled(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ConnectorStatus status = status(name);
        while ((status == null || !(status.running() || status.failed())) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return status;
            }
            status = status(name);
        }
        return status;
    }

    private URI connectorUri(String name, String sub) {
        String path = "connectors/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
        return base.resolve(sub == null ? path : path + "/" + sub);
    }

    private HttpResponse<String> sendAllowing404(HttpRequest.Builder request, String what) {
        try {
            return send(request, what);
        } catch (ConnectRestException e) {
            if (e.httpStatus() == 404) {
                return null;
            }
            throw e;
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String what) {
        HttpResponse<String> response;
        try {
            response = http.send(request.timeout(REQUEST_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ConnectRestException(0, "cannot " + what + ": Kafka Connect at " + base + " does not answer ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectRestException(0, "interrupted while trying to " + what, e);
        }
        int status = response.statusCode();
        if (status / 100 != 2) {
            throw new ConnectRestException(status, "cannot " + what + ": Kafka Connect at " + base + " answered HTTP "
                    + status + errorMessage(response.body()), null);
        }
        return response;
    }

    private static String errorMessage(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonNode message = JSON.readTree(body).path("message");
            if (message.isTextual()) {
                return ": " + message.asText();
            }
        } catch (JsonProcessingException e) {
            // not Connect's error JSON: show the start of the body
        }
        String text = body.strip();
        return ": " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
    }

    private static JsonNode json(String body, String what) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ConnectRestException(0, "the " + what + " is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String firstLine(JsonNode trace) {
        if (!trace.isTextual() || trace.asText().isBlank()) {
            return null;
        }
        return trace.asText().lines().findFirst().orElse("").strip();
    }
}
