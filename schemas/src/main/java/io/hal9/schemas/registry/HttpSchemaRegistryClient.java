package io.hal9.schemas.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A {@link SchemaRegistryClient} speaking Confluent's REST API over {@code java.net.http}.
 *
 * <p>Schemas fetched by id and ids returned for a (subject, schema) pair are cached for the life of
 * the client, so a serializer or deserializer on the hot path reaches the registry at most once per
 * schema. {@link #latest} and {@link #isCompatible} always ask the registry: their answers change.
 * Connect and request timeouts are 10 seconds. Instances are thread-safe.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    /** Content type of every request and response of the Confluent REST API. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();

    /** A client for the registry at {@code baseUrl}, e.g. {@code http://schema-registry:8081}. */
    public HttpSchemaRegistryClient(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("schema registry URL must not be empty");
        }
        String trimmed = baseUrl.strip();
        this.baseUrl = trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
        URI.create(this.baseUrl);
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /** The registry URL this client talks to, without a trailing slash. */
    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
        int id = requiredInt(answer, "id");
        idsBySubjectSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(requiredText(answer, "schema"), "schema id " + id);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public RegisteredSchema latest(String subject) {
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        int id = requiredInt(answer, "id");
        Schema schema = parse(requiredText(answer, "schema"), "latest version of subject " + subject);
        schemasById.putIfAbsent(id, schema);
        return new RegisteredSchema(subject, id, requiredInt(answer, "version"), schema);
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                schemaBody(schema));
        JsonNode verdict = answer.get("is_compatible");
        if (verdict == null || !verdict.isBoolean()) {
            throw malformed("is_compatible", answer);
        }
        return verdict.booleanValue();
    }

    private JsonNode send(String method, String path, String body) {
        URI uri = URI.create(baseUrl + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("Accept", CONTENT_TYPE);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " is unreachable ("
                    + method + " " + uri + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while calling the schema registry at " + baseUrl
                    + " (" + method + " " + uri + ")", e);
        }
        JsonNode answer = readJson(response.body());
        int status = response.statusCode();
        if (status / 100 != 2) {
            int errorCode = answer != null && answer.path("error_code").canConvertToInt()
                    ? answer.path("error_code").intValue() : status;
            String message = answer != null && answer.hasNonNull("message")
                    ? answer.get("message").asText() : response.body();
            throw new SchemaRegistryException("schema registry at " + baseUrl + " answered " + method + " " + path
                    + " with HTTP " + status + " (error_code " + errorCode + "): " + message, status, errorCode, message);
        }
        if (answer == null) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " answered " + method + " " + path
                    + " with a body that is not JSON: " + abbreviate(response.body()), status, 0);
        }
        return answer;
    }

    private static JsonNode readJson(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String schemaBody(Schema schema) {
        try {
            return JSON.writeValueAsString(Map.of("schema", schema.toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a schema as JSON", e);
        }
    }

    private Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " returned an unparsable schema for "
                    + what + ": " + e.getMessage(), e);
        }
    }

    private int requiredInt(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.canConvertToInt()) {
            throw malformed(field, answer);
        }
        return node.intValue();
    }

    private String requiredText(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.isTextual()) {
            throw malformed(field, answer);
        }
        return node.textValue();
    }

    private SchemaRegistryException malformed(String field, JsonNode answer) {
        return new SchemaRegistryException("schema registry at " + baseUrl + " answered without \"" + field
                + "\": " + abbreviate(answer.toString()), 200, 0);
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private record SubjectSchema(String subject, Schema schema) {
    }
}
