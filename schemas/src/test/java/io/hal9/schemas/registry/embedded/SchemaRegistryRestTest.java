package io.hal9.schemas.registry.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry as a client in another language sees it: plain HTTP and JSON text. */
class SchemaRegistryRestTest {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String GREETING_V1 =
            "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Greeting\\\",\\\"fields\\\":"
                    + "[{\\\"name\\\":\\\"text\\\",\\\"type\\\":\\\"string\\\"}]}\"}";
    /** Adds a defaulted field: backward compatible. */
    private static final String GREETING_V2 =
            "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Greeting\\\",\\\"fields\\\":"
                    + "[{\\\"name\\\":\\\"text\\\",\\\"type\\\":\\\"string\\\"},"
                    + "{\\\"name\\\":\\\"lang\\\",\\\"type\\\":\\\"string\\\",\\\"default\\\":\\\"en\\\"}]}\"}";
    /** Adds a required field: not backward compatible. */
    private static final String GREETING_REQUIRED_LANG =
            "{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Greeting\\\",\\\"fields\\\":"
                    + "[{\\\"name\\\":\\\"text\\\",\\\"type\\\":\\\"string\\\"},"
                    + "{\\\"name\\\":\\\"lang\\\",\\\"type\\\":\\\"string\\\"}]}\"}";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private SchemaRegistryServer registry;

    @BeforeEach
    void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void shouldAnswerRootWithEmptyObjectInRegistryContentType() throws Exception {
        HttpResponse<String> response = call("GET", "/", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{}");
        assertThat(response.headers().firstValue("Content-Type")).hasValue(CONTENT_TYPE);
    }

    @Test
    void shouldRegisterSchemaAndServeItById() throws Exception {
        HttpResponse<String> registered = call("POST", "/subjects/greetings-value/versions", GREETING_V1);
        int id = body(registered).get("id").intValue();

        JsonNode byId = body(call("GET", "/schemas/ids/" + id, null));

        assertThat(registered.statusCode()).isEqualTo(200);
        assertThat(byId.get("schema").asText())
                .isEqualTo("{\"type\":\"record\",\"name\":\"Greeting\",\"fields\":[{\"name\":\"text\",\"type\":\"string\"}]}");
    }

    @Test
    void shouldServeLatestVersionOfSubject() throws Exception {
        call("POST", "/subjects/greetings-value/versions", GREETING_V1);
        int v2 = body(call("POST", "/subjects/greetings-value/versions", GREETING_V2)).get("id").intValue();

        JsonNode latest = body(call("GET", "/subjects/greetings-value/versions/latest", null));

        assertThat(latest.get("subject").asText()).isEqualTo("greetings-value");
        assertThat(latest.get("version").intValue()).isEqualTo(2);
        assertThat(latest.get("id").intValue()).isEqualTo(v2);
        assertThat(latest.get("schema").asText()).contains("\"lang\"");
        assertThat(body(call("GET", "/subjects/greetings-value/versions", null)).toString()).isEqualTo("[1,2]");
        assertThat(body(call("GET", "/subjects", null)).toString()).isEqualTo("[\"greetings-value\"]");
    }

    @Test
    void shouldLookUpRegisteredSchemaInSubject() throws Exception {
        int id = body(call("POST", "/subjects/greetings-value/versions", GREETING_V1)).get("id").intValue();

        JsonNode found = body(call("POST", "/subjects/greetings-value", GREETING_V1));

        assertThat(found.get("id").intValue()).isEqualTo(id);
        assertThat(found.get("version").intValue()).isEqualTo(1);
    }

    @Test
    void shouldReturnExistingIdForIdenticalSchemaAcrossSubjects() throws Exception {
        int first = body(call("POST", "/subjects/greetings-value/versions", GREETING_V1)).get("id").intValue();
        int again = body(call("POST", "/subjects/greetings-value/versions", GREETING_V1)).get("id").intValue();
        int otherSubject = body(call("POST", "/subjects/replies-value/versions", GREETING_V1)).get("id").intValue();

        assertThat(again).isEqualTo(first);
        assertThat(otherSubject).isEqualTo(first);
        assertThat(body(call("GET", "/subjects/greetings-value/versions", null)).toString()).isEqualTo("[1]");
    }

    @Test
    void shouldAnswer40401ForUnknownSubject() throws Exception {
        assertError(call("GET", "/subjects/nobody-value/versions/latest", null), 404, 40401);
    }

    @Test
    void shouldAnswer40402ForUnknownVersion() throws Exception {
        call("POST", "/subjects/greetings-value/versions", GREETING_V1);

        assertError(call("GET", "/subjects/greetings-value/versions/7", null), 404, 40402);
    }

    @Test
    void shouldAnswer40403ForUnknownSchemaId() throws Exception {
        assertError(call("GET", "/schemas/ids/999", null), 404, 40403);
    }

    @Test
    void shouldAnswer40403WhenLookupFindsNoSuchSchemaInSubject() throws Exception {
        call("POST", "/subjects/greetings-value/versions", GREETING_V1);

        assertError(call("POST", "/subjects/greetings-value", GREETING_V2), 404, 40403);
    }

    @Test
    void shouldAnswer42201ForUnparsableSchema() throws Exception {
        assertError(call("POST", "/subjects/greetings-value/versions", "{\"schema\":\"{\\\"type\\\":\\\"recrod\\\"}\"}"),
                422, 42201);
    }

    @Test
    void shouldAnswer42201ForNonAvroSchemaType() throws Exception {
        assertError(call("POST", "/subjects/greetings-value/versions",
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}"), 422, 42201);
    }

    @Test
    void shouldAnswer409ForIncompatibleSchema() throws Exception {
        call("POST", "/subjects/greetings-value/versions", GREETING_V1);

        HttpResponse<String> refused = call("POST", "/subjects/greetings-value/versions", GREETING_REQUIRED_LANG);

        assertError(refused, 409, 409);
        assertThat(body(refused).get("message").asText()).startsWith(
                "Schema being registered is incompatible with an earlier schema for subject \"greetings-value\": ");
    }

    @Test
    void shouldExplainWhySchemaIsNotCompatible() throws Exception {
        call("POST", "/subjects/greetings-value/versions", GREETING_V1);

        JsonNode verdict = body(call("POST", "/compatibility/subjects/greetings-value/versions/latest",
                GREETING_REQUIRED_LANG));

        assertThat(verdict.get("is_compatible").booleanValue()).isFalse();
        assertThat(verdict.get("messages").get(0).asText()).contains("READER_FIELD_MISSING_DEFAULT_VALUE");
    }

    @Test
    void shouldDefaultToBackwardCompatibility() throws Exception {
        assertThat(body(call("GET", "/config", null)).toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }

    @Test
    void shouldAllowIncompatibleSchemaOnceSubjectLevelIsNone() throws Exception {
        call("POST", "/subjects/greetings-value/versions", GREETING_V1);

        HttpResponse<String> set = call("PUT", "/config/greetings-value", "{\"compatibility\":\"NONE\"}");
        HttpResponse<String> registered = call("POST", "/subjects/greetings-value/versions", GREETING_REQUIRED_LANG);

        assertThat(set.body()).isEqualTo("{\"compatibility\":\"NONE\"}");
        assertThat(body(call("GET", "/config/greetings-value", null)).toString())
                .isEqualTo("{\"compatibilityLevel\":\"NONE\"}");
        assertThat(registered.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldCheckForwardCompatibilityWhenLevelIsForward() throws Exception {
        call("PUT", "/config", "{\"compatibility\":\"FORWARD\"}");
        call("POST", "/subjects/greetings-value/versions", GREETING_V2);

        // Dropping the defaulted field is fine for old readers: they fill in "en".
        HttpResponse<String> dropped = call("POST", "/subjects/greetings-value/versions", GREETING_V1);

        assertThat(dropped.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldCheckEveryVersionWhenLevelIsTransitive() throws Exception {
        call("PUT", "/config/greetings-value", "{\"compatibility\":\"BACKWARD_TRANSITIVE\"}");
        call("POST", "/subjects/greetings-value/versions", GREETING_V1);
        call("POST", "/subjects/greetings-value/versions", GREETING_V2);
        // Requiring "lang" is fine against v2 (which has it) but not against v1.
        assertError(call("POST", "/subjects/greetings-value/versions", GREETING_REQUIRED_LANG), 409, 409);
    }

    @Test
    void shouldAnswer42203ForUnknownCompatibilityLevel() throws Exception {
        assertError(call("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
    }

    @Test
    void shouldAnswer40408ForSubjectWithoutOwnLevelUnlessDefaultingToGlobal() throws Exception {
        assertError(call("GET", "/config/greetings-value", null), 404, 40408);
        assertThat(body(call("GET", "/config/greetings-value?defaultToGlobal=true", null)).toString())
                .isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.url() + path))
                .header("Accept", CONTENT_TYPE);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode body(HttpResponse<String> response) throws Exception {
        return json.readTree(response.body());
    }

    private void assertError(HttpResponse<String> response, int status, int errorCode) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(body(response).get("error_code").intValue()).isEqualTo(errorCode);
        assertThat(body(response).get("message").asText()).isNotBlank();
    }
}
