package io.hal9.topology.cli.doctor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hal9.topology.node.admin.Health;

/**
 * One {@code GET {url}/health}, made on first use and shared by the checks that read it
 * ({@link AdminCheck}, {@link BreakerCheck}).
 */
public final class HealthProbe {

    /** How the admin URL answered. */
    public enum Kind {
        /** JSON naming {@value Health#SERVICE}. */
        HAL9,
        /** The connection was refused: nothing listens. */
        REFUSED,
        /** Something answered, but not HAL9 (not JSON, or another service). */
        OTHER_PROGRAM,
        /** No answer within the timeout, or another I/O error. */
        NO_ANSWER
    }

    /**
     * @param kind   how it answered
     * @param url    the {@code /health} URL asked
     * @param port   its port
     * @param health the parsed JSON when {@link Kind#HAL9}, else {@code null}
     * @param detail what answered instead (server header, start of the body) or the error
     */
    public record Answer(Kind kind, URI url, int port, JsonNode health, String detail) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final URI healthUrl;
    private final Duration timeout;
    private Answer answer;

    public HealthProbe(String baseUrl, Duration timeout) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.baseUrl = base;
        this.healthUrl = URI.create(base + "/health");
        this.timeout = timeout;
    }

    /** The URL as given, without a trailing slash. */
    public String baseUrl() {
        return baseUrl;
    }

    public URI healthUrl() {
        return healthUrl;
    }

    /** The answer, fetched once. */
    public synchronized Answer answer() {
        if (answer == null) {
            answer = fetch();
        }
        return answer;
    }

    private Answer fetch() {
        int port = port(healthUrl);
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpRequest request = HttpRequest.newBuilder(healthUrl).timeout(timeout).GET().build();
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            return new Answer(Kind.REFUSED, healthUrl, port, null, String.valueOf(e.getMessage()));
        } catch (HttpTimeoutException e) {
            return new Answer(Kind.NO_ANSWER, healthUrl, port, null, "no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return new Answer(Kind.NO_ANSWER, healthUrl, port, null, e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(Kind.NO_ANSWER, healthUrl, port, null, "interrupted");
        }
        String body = response.body();
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.isObject() && Health.SERVICE.equals(json.path("service").asText())) {
                return new Answer(Kind.HAL9, healthUrl, port, json, null);
            }
        } catch (IOException notJson) {
            // another program: described below
        }
        return new Answer(Kind.OTHER_PROGRAM, healthUrl, port, null, describeStranger(response));
    }

    /** {@code HTTP 404, Server: SimpleHTTP/0.6 Python/3.12, body "<!DOCTYPE..."}. */
    private static String describeStranger(HttpResponse<String> response) {
        StringBuilder out = new StringBuilder("HTTP ").append(response.statusCode());
        response.headers().firstValue("Server").ifPresent(server -> out.append(", Server: ").append(server));
        String body = response.body().strip().replaceAll("\\s+", " ");
        if (!body.isEmpty()) {
            out.append(", body \"").append(body.length() > 60 ? body.substring(0, 60) + "..." : body).append('"');
        }
        return out.toString();
    }

    static int port(URI url) {
        if (url.getPort() != -1) {
            return url.getPort();
        }
        return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }
}
