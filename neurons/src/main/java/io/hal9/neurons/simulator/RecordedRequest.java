package io.hal9.neurons.simulator;

import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request the {@link ClaudeSimulator} received on {@code /v1/messages}: method, path, headers
 * (names in lower case, first value of each) and the body parsed as JSON ({@code null} when the
 * body was not JSON).
 */
public record RecordedRequest(String method, String path, Map<String, String> headers, JsonNode body) {

    public RecordedRequest {
        headers = Map.copyOf(headers);
    }

    /** The value of a header, looked up case-insensitively. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
    }
}
