package io.hal9.neurons.simulator;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.Thinking;

/**
 * What a Messages request may ask of its model, as the catalog entry says and the API enforces
 * (migration guides of Haiku 5.5 and Sonnet 5.5): sampling parameters, thinking and effort; and how
 * much the answer thinks. Adaptive models think unless told not to ({@code disabled},
 * {@code between_tools}) and refuse {@code enabled}; adaptive-on-request models (the 4.6 models)
 * think with {@code adaptive}, or {@code enabled} with a budget; extended-thinking models only with
 * {@code enabled} and a budget.
 */
final class ModelRules {

    /** The only {@code temperature} a model without sampling parameters takes. */
    static final double FIXED_TEMPERATURE = 1.0;
    /** The only {@code top_p} a model without sampling parameters takes. */
    static final double FIXED_TOP_P = 0.99;
    /** The smallest {@code thinking.budget_tokens} of extended thinking. */
    static final long MIN_BUDGET_TOKENS = 1024;

    private ModelRules() {
    }

    /** How an answer thinks: its thinking tokens (0: no thinking block) and whether it shows a summary. */
    record Thought(long tokens, boolean summarized) {

        static final Thought NONE = new Thought(0, false);

        boolean thinks() {
            return tokens > 0;
        }
    }

    /** The request's thinking, or the 400 message that rejects it. */
    record Checked(Optional<String> rejection, Thought thought) {

        static Checked rejected(String message) {
            return new Checked(Optional.of(message), Thought.NONE);
        }

        static Checked thinking(Thought thought) {
            return new Checked(Optional.empty(), thought);
        }
    }

    static Checked check(JsonNode request, CatalogEntry entry) {
        if (!entry.samplingParameters()) {
            Optional<String> sampling = sampling(request);
            if (sampling.isPresent()) {
                return Checked.rejected(sampling.get());
            }
        }
        JsonNode outputConfig = present(request.get("output_config"));
        JsonNode effortNode = outputConfig == null ? null : present(outputConfig.get("effort"));
        String effort = null;
        if (effortNode != null) {
            if (!entry.takesEffort()) {
                return Checked.rejected("`output_config.effort` is not supported for this model.");
            }
            effort = effortNode.asText();
            if (!effortNode.isTextual() || !entry.efforts().contains(effort)) {
                return Checked.rejected("output_config.effort: '" + effortNode.asText() + "' is not one of "
                        + String.join(", ", entry.efforts()));
            }
        }
        if (effort == null) {
            effort = entry.defaultEffort().orElse(SimulatedThinking.FALLBACK_EFFORT);
        }
        return thinking(request, entry, effort);
    }

    private static Optional<String> sampling(JsonNode request) {
        JsonNode temperature = present(request.get("temperature"));
        JsonNode topP = present(request.get("top_p"));
        if (present(request.get("top_k")) != null) {
            return Optional.of(notSupported("top_k"));
        }
        if (temperature != null && !(temperature.isNumber() && temperature.doubleValue() == FIXED_TEMPERATURE)) {
            return Optional.of(notSupported("temperature"));
        }
        if (topP != null && !(topP.isNumber() && topP.doubleValue() == FIXED_TOP_P)) {
            return Optional.of(notSupported("top_p"));
        }
        if (temperature != null && topP != null) {
            return Optional.of("`temperature` and `top_p` cannot both be specified for this model. Please use only one.");
        }
        return Optional.empty();
    }

    private static Checked thinking(JsonNode request, CatalogEntry entry, String effort) {
        JsonNode thinking = present(request.get("thinking"));
        Thinking kind = entry.thinking();
        if (thinking == null) {
            return Checked.thinking(kind.onByDefault() ? new Thought(SimulatedThinking.tokens(effort), false)
                    : Thought.NONE);
        }
        JsonNode type = thinking.get("type");
        if (!thinking.isObject() || type == null || !type.isTextual()) {
            return Checked.rejected("thinking.type: Field required");
        }
        JsonNode display = present(thinking.get("display"));
        if (display != null && !("summarized".equals(display.asText()) || "omitted".equals(display.asText()))) {
            return Checked.rejected("thinking.display: Input should be 'summarized' or 'omitted'");
        }
        boolean summarized = display != null && "summarized".equals(display.asText());
        return switch (type.asText()) {
            case "adaptive" -> switch (kind) {
                case ADAPTIVE, ADAPTIVE_ON_REQUEST ->
                        Checked.thinking(new Thought(SimulatedThinking.tokens(effort), summarized));
                case EXTENDED -> Checked.rejected("\"thinking.type.adaptive\" is not supported for this model. Use "
                        + "\"thinking.type.enabled\" and \"thinking.budget_tokens\" to control thinking behavior.");
                case NONE -> Checked.rejected("thinking is not supported for this model.");
            };
            case "enabled" -> switch (kind) {
                case ADAPTIVE -> Checked.rejected("\"thinking.type.enabled\" is not supported for this model. Use "
                        + "\"thinking.type.adaptive\" and \"output_config.effort\" to control thinking behavior.");
                // the 4.6 models still take a budget, as the 4.5 models do
                case ADAPTIVE_ON_REQUEST, EXTENDED -> budget(thinking, request.get("max_tokens").asLong(), summarized);
                case NONE -> Checked.rejected("thinking is not supported for this model.");
            };
            case "disabled", "between_tools" -> Checked.thinking(Thought.NONE);
            default -> Checked.rejected("thinking.type: Input tag '" + type.asText() + "' found using 'type' does not "
                    + "match any of the expected tags: 'adaptive', 'between_tools', 'disabled', 'enabled'");
        };
    }

    private static Checked budget(JsonNode thinking, long maxTokens, boolean summarized) {
        JsonNode budget = thinking.get("budget_tokens");
        if (budget == null || !budget.isIntegralNumber()) {
            return Checked.rejected("thinking.enabled.budget_tokens: Field required");
        }
        if (budget.asLong() < MIN_BUDGET_TOKENS) {
            return Checked.rejected("thinking.enabled.budget_tokens: Input should be greater than or equal to "
                    + MIN_BUDGET_TOKENS);
        }
        if (budget.asLong() >= maxTokens) {
            return Checked.rejected("`max_tokens` must be greater than `thinking.budget_tokens`.");
        }
        return Checked.thinking(new Thought(budget.asLong(), summarized));
    }

    private static String notSupported(String parameter) {
        return "`" + parameter + "` is not supported for this model.";
    }

    /** The node, or {@code null} when it is missing or JSON {@code null}. */
    private static JsonNode present(JsonNode node) {
        return node == null || node.isNull() ? null : node;
    }
}
