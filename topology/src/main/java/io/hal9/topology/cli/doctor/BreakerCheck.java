package io.hal9.topology.cli.doctor;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code breaker}: each layer's circuit breaker and neuron, from the same {@code /health}.
 *
 * <p>Per layer: breaker CLOSED is OK, HALF_OPEN WARN, OPEN FAIL; neuron KEY_REJECTED is FAIL.
 * One line for all layers, with the worst verdict.
 */
public final class BreakerCheck implements Check {

    static final String NAME = "breaker";

    private final HealthProbe probe;

    public BreakerCheck(HealthProbe probe) {
        this.probe = probe;
    }

    @Override
    public Result run() {
        HealthProbe.Answer answer = probe.answer();
        if (answer.kind() != HealthProbe.Kind.HAL9) {
            return Result.warn(NAME, "not checked: no HAL9 /health to read", "see the admin line");
        }
        Status worst = Status.OK;
        List<String> parts = new ArrayList<>();
        boolean keyRejected = false;
        boolean open = false;
        for (JsonNode layer : answer.health().path("layers")) {
            String breaker = layer.path("breaker").asText("?");
            String neuron = layer.path("neuron").asText("?");
            Status status = switch (breaker) {
                case "CLOSED" -> Status.OK;
                case "OPEN" -> Status.FAIL;
                default -> Status.WARN;
            };
            open |= status != Status.OK;
            String part = layer.path("layer").asText("?") + " " + breaker;
            if ("KEY_REJECTED".equals(neuron)) {
                status = Status.FAIL;
                keyRejected = true;
                part += " (key rejected)";
            }
            worst = worst.worst(status);
            parts.add(part);
        }
        if (parts.isEmpty()) {
            return Result.ok(NAME, "this process runs no layers");
        }
        String hint = keyRejected ? "check ANTHROPIC_API_KEY"
                : open ? "Claude calls are failing: see the log and hal9_claude_request_duration_seconds{outcome}" : null;
        return new Result(worst, NAME, String.join(", ", parts), hint);
    }
}
