package io.hal9.topology.cli.doctor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.topology.node.admin.Health;

/**
 * {@code breaker}: each layer's circuit breaker and neuron, from the same {@code /health} (one entry
 * per layer: its lanes share the breaker).
 *
 * <p>Per layer: breaker CLOSED is OK, HALF_OPEN WARN, OPEN FAIL, any other state WARN; a neuron
 * Claude refuses (KEY_REJECTED, BILLING_BLOCKED, MODEL_NOT_FOUND) is FAIL. A layer whose breaker is
 * not closed, or that Claude refuses, is followed by
 * its last failed Claude call as {@code /health} gives it ({@code lastFailure}: category, message,
 * retry-after), so the line says why. One line for all layers, with the worst verdict. An application without a
 * breaker ({@value Health#NONE}: the game, which calls Claude only through the layers) is healthy
 * as far as this check goes and is left out of the line.
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
        List<String> withoutBreaker = new ArrayList<>();
        boolean keyRejected = false;
        boolean billingBlocked = false;
        boolean modelNotFound = false;
        boolean failing = false;
        List<String> unknown = new ArrayList<>();
        for (JsonNode layer : oneEntryPerLayer(answer.health().path("layers"))) {
            String name = layer.path("layer").asText("?");
            String breaker = layer.path("breaker").asText("?");
            if (Health.NONE.equals(breaker)) {
                withoutBreaker.add(name);
                continue;
            }
            Status status = switch (breaker) {
                case "CLOSED" -> Status.OK;
                case "OPEN" -> Status.FAIL;
                default -> Status.WARN;
            };
            if ("OPEN".equals(breaker) || "HALF_OPEN".equals(breaker)) {
                failing = true;
            } else if (status != Status.OK) {
                unknown.add(name + " " + breaker);
            }
            String part = name + " " + breaker;
            String neuron = layer.path("neuron").asText("?");
            String refusal = switch (neuron) {
                case "KEY_REJECTED" -> "key rejected";
                case "BILLING_BLOCKED" -> "billing blocked";
                case "MODEL_NOT_FOUND" -> "model not found";
                default -> null;
            };
            boolean rejected = refusal != null;
            if (rejected) {
                status = Status.FAIL;
                keyRejected |= neuron.equals("KEY_REJECTED");
                billingBlocked |= neuron.equals("BILLING_BLOCKED");
                modelNotFound |= neuron.equals("MODEL_NOT_FOUND");
                part += " (" + refusal + ")";
            }
            String lastFailure = layer.path("lastFailure").asText("");
            if ((status != Status.OK || rejected) && !lastFailure.isBlank()) {
                part += " (last failure " + lastFailure + ")";
            }
            worst = worst.worst(status);
            parts.add(part);
        }
        if (parts.isEmpty()) {
            return Result.ok(NAME, "this process runs no layers" + (withoutBreaker.isEmpty() ? ""
                    : " (" + String.join(", ", withoutBreaker) + " calls Claude only through the layers)"));
        }
        String hint = keyRejected ? "check ANTHROPIC_API_KEY"
                : billingBlocked ? "check the account's credit balance and spend limit in the Claude Console"
                : modelNotFound ? "check the layer's model (hal9.<layer>.model)"
                : failing ? "Claude calls are failing: see the log and hal9_claude_request_duration_seconds{outcome}"
                : !unknown.isEmpty() ? "unexpected breaker state " + String.join(", ", unknown)
                        + ": see resilience4j_circuitbreaker_state" : null;
        return new Result(worst, NAME, String.join(", ", parts), hint);
    }

    /**
     * One entry of each layer: its lanes share the breaker, so the first lane's entry, unless
     * Claude refuses another lane (its {@code neuron} is not {@code OK}).
     */
    private static Collection<JsonNode> oneEntryPerLayer(JsonNode entries) {
        Map<String, JsonNode> byLayer = new LinkedHashMap<>();
        for (JsonNode entry : entries) {
            byLayer.merge(entry.path("layer").asText("?"), entry, (first, other) ->
                    "OK".equals(first.path("neuron").asText("OK")) && !"OK".equals(other.path("neuron").asText("OK"))
                            && !Health.NONE.equals(other.path("neuron").asText()) ? other : first);
        }
        return byLayer.values();
    }
}
