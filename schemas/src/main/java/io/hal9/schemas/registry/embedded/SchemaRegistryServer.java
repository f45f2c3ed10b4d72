package io.hal9.schemas.registry.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded, in-memory schema registry speaking the Confluent Schema Registry REST API, so
 * producers and consumers in any language that use Confluent's serializers can exchange HAL9
 * records. State lives only as long as the server.
 *
 * <p>Endpoints (Avro only; responses are {@code application/vnd.schemaregistry.v1+json}):
 * <ul>
 *   <li>{@code GET /} → {@code {}}; {@code GET /schemas/types} → {@code ["AVRO"]}</li>
 *   <li>{@code GET /subjects}; {@code GET /subjects/{s}/versions}</li>
 *   <li>{@code GET /subjects/{s}/versions/{n|latest}} → {@code {subject,id,version,schema}};
 *       {@code .../schema} → the schema alone</li>
 *   <li>{@code POST /subjects/{s}/versions} {@code {"schema":"..."}} → {@code {"id":N}}: an identical
 *       schema returns its existing id; ids are global; a schema incompatible with the subject's
 *       earlier versions under its compatibility level → 409</li>
 *   <li>{@code POST /subjects/{s}} → the version holding the schema, or 404 / 40403</li>
 *   <li>{@code GET /schemas/ids/{id}} → {@code {"schema":"..."}}</li>
 *   <li>{@code POST /compatibility/subjects/{s}/versions/{n|latest}} →
 *       {@code {"is_compatible":bool,"messages":[...]}}</li>
 *   <li>{@code GET|PUT /config} and {@code GET|PUT /config/{s}}: levels NONE, BACKWARD (default),
 *       BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE. A subject without
 *       its own level answers 404 / 40408 unless asked with {@code ?defaultToGlobal=true}.</li>
 * </ul>
 * Errors are {@code {"error_code":N,"message":"..."}} with Confluent's codes: 40401 unknown subject,
 * 40402 unknown version, 40403 unknown schema, 409 incompatible, 42201 invalid schema (also any
 * schemaType other than AVRO), 42202 invalid version, 42203 invalid compatibility level.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    /** Content type of every response. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final SchemaStore store = new SchemaStore();
    private final AtomicLong requests = new AtomicLong();
    private final String url;

    private SchemaRegistryServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
        InetSocketAddress address = server.getAddress();
        InetAddress ip = address.getAddress();
        String host = ip.isAnyLocalAddress() ? "127.0.0.1" : ip.getHostAddress();
        this.url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Starts a registry listening on {@code host}:{@code port}; port 0 picks a free port. */
    public static SchemaRegistryServer start(String host, int port) {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for the schema registry", e);
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, runnable -> {
            Thread thread = new Thread(runnable, "schema-registry-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        SchemaRegistryServer registry = new SchemaRegistryServer(http, executor);
        http.createContext("/", registry::handle);
        http.setExecutor(executor);
        http.start();
        LOG.info("schema registry listening on {}", registry.url);
        return registry;
    }

    /** The port the registry listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The registry's base URL, e.g. {@code http://127.0.0.1:8081}. */
    public String url() {
        return url;
    }

    /** How many HTTP requests the registry has received since it started. */
    public long requestCount() {
        return requests.get();
    }

    /** Stops listening and discards every schema. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        LOG.info("schema registry on {} stopped", url);
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            int status = 200;
            Object body;
            try {
                body = route(exchange);
            } catch (RegistryError e) {
                status = e.httpStatus;
                body = error(e.errorCode, e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("schema registry failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 500;
                body = error(50001, "Error in the backend data store: " + e);
            }
            // Only GET /subjects/{s}/versions/{v}/schema answers a bare schema rather than a JSON wrapper.
            byte[] bytes = body instanceof String schema
                    ? schema.getBytes(StandardCharsets.UTF_8)
                    : JSON.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Object route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        List<String> path = segments(exchange.getRequestURI().getRawPath());
        int size = path.size();
        String head = size == 0 ? "" : path.get(0);
        if (size == 0) {
            requireMethod(method, "GET");
            return Map.of();
        }
        switch (head) {
            case "subjects":
                if (size == 1) {
                    requireMethod(method, "GET");
                    return store.subjects();
                }
                String subject = path.get(1);
                if (size == 2) {
                    requireMethod(method, "POST");
                    return versionBody(store.lookup(subject, readSchema(exchange)));
                }
                if (size == 3 && path.get(2).equals("versions")) {
                    if (method.equals("POST")) {
                        return Map.of("id", store.register(subject, readSchema(exchange)).id());
                    }
                    requireMethod(method, "GET");
                    return store.versions(subject);
                }
                if (size == 4 && path.get(2).equals("versions")) {
                    requireMethod(method, "GET");
                    return versionBody(store.version(subject, path.get(3)));
                }
                if (size == 5 && path.get(2).equals("versions") && path.get(4).equals("schema")) {
                    requireMethod(method, "GET");
                    return store.version(subject, path.get(3)).schema();
                }
                break;
            case "schemas":
                if (size == 2 && path.get(1).equals("types")) {
                    requireMethod(method, "GET");
                    return List.of("AVRO");
                }
                if (size == 3 && path.get(1).equals("ids")) {
                    requireMethod(method, "GET");
                    return Map.of("schema", store.schemaById(parseId(path.get(2))).toString());
                }
                break;
            case "compatibility":
                if (size == 5 && path.get(1).equals("subjects") && path.get(3).equals("versions")) {
                    requireMethod(method, "POST");
                    List<String> problems = store.compatibilityProblems(path.get(2), path.get(4), readSchema(exchange));
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("is_compatible", problems.isEmpty());
                    if (!problems.isEmpty()) {
                        answer.put("messages", problems);
                    }
                    return answer;
                }
                break;
            case "config":
                if (size == 1) {
                    if (method.equals("PUT")) {
                        CompatibilityLevel level = readLevel(exchange);
                        store.globalLevel(level);
                        return Map.of("compatibility", level.name());
                    }
                    requireMethod(method, "GET");
                    return Map.of("compatibilityLevel", store.globalLevel().name());
                }
                if (size == 2) {
                    String configSubject = path.get(1);
                    if (method.equals("PUT")) {
                        CompatibilityLevel level = readLevel(exchange);
                        store.subjectLevel(configSubject, level);
                        return Map.of("compatibility", level.name());
                    }
                    requireMethod(method, "GET");
                    boolean defaultToGlobal = String.valueOf(exchange.getRequestURI().getQuery())
                            .contains("defaultToGlobal=true");
                    Optional<CompatibilityLevel> own = store.subjectLevel(configSubject);
                    CompatibilityLevel level = (defaultToGlobal && own.isEmpty() ? Optional.of(store.globalLevel()) : own)
                            .orElseThrow(() -> new RegistryError(404, 40408, "Subject '" + configSubject
                                    + "' does not have subject-level compatibility configured"));
                    return Map.of("compatibilityLevel", level.name());
                }
                break;
            default:
                break;
        }
        throw new RegistryError(404, 404, "HTTP 404 Not Found: " + method + " " + exchange.getRequestURI().getPath());
    }

    private static Map<String, Object> versionBody(SchemaStore.Version version) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("subject", version.subject());
        body.put("version", version.version());
        body.put("id", version.id());
        body.put("schema", version.schema());
        return body;
    }

    private static Map<String, Object> error(int errorCode, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", errorCode);
        body.put("message", message);
        return body;
    }

    private static void requireMethod(String actual, String expected) {
        if (!actual.equals(expected)) {
            throw new RegistryError(405, 405, "HTTP 405 Method Not Allowed: use " + expected);
        }
    }

    private static int parseId(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryError.schemaNotFound(text);
        }
    }

    private static JsonNode readBody(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readAllBytes();
        }
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw RegistryError.invalidSchema("the request body must be a JSON object");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw new RegistryError(400, 400, "Unrecognized request body: " + e.getOriginalMessage());
        }
    }

    private static Schema readSchema(HttpExchange exchange) throws IOException {
        JsonNode body = readBody(exchange);
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw RegistryError.invalidSchema("schemaType " + type + " is not supported: this registry holds AVRO only");
        }
        JsonNode references = body.get("references");
        if (references != null && references.isArray() && !references.isEmpty()) {
            throw RegistryError.invalidSchema("schema references are not supported");
        }
        JsonNode text = body.get("schema");
        if (text == null || !text.isTextual() || text.textValue().isBlank()) {
            throw RegistryError.invalidSchema("the request has no \"schema\" string");
        }
        try {
            return new Schema.Parser().parse(text.textValue());
        } catch (AvroRuntimeException e) {
            throw RegistryError.invalidSchema(e.getMessage());
        }
    }

    private static CompatibilityLevel readLevel(HttpExchange exchange) throws IOException {
        JsonNode body = readBody(exchange);
        return CompatibilityLevel.parse(body.path("compatibility").asText(null));
    }

    private static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        Arrays.stream(rawPath.split("/"))
                .filter(segment -> !segment.isEmpty())
                .map(segment -> URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8))
                .forEach(segments::add);
        return segments;
    }
}
