package io.hal9.neurons;

import java.util.List;
import java.util.Objects;

/**
 * What a neuron of one layer is: its layer and role, the neuron's name, the model it asks, the
 * token limit of an answer, and its system prompt with that prompt's version.
 *
 * <p>{@link #defaults(String)} gives HAL9's layers: L2 Implementation (concrete action, fast model),
 * L3 Operational (design) and L4 Tactical (plans). Configuration may change the model or limit
 * with {@link #withModel} and {@link #withMaxTokens}.
 */
public record LayerProfile(String layer, String role, String neuron, String model, long maxTokens,
        String promptVersion, String systemPrompt) {

    /** The layers that have defaults, in signal order. */
    public static final List<String> KNOWN_LAYERS = List.of("L2", "L3", "L4");

    public LayerProfile {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(neuron, "neuron");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(promptVersion, "promptVersion");
        Objects.requireNonNull(systemPrompt, "systemPrompt");
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be positive, got " + maxTokens);
        }
    }

    /**
     * The default profile of a layer, with its system prompt loaded from {@link Prompts}.
     *
     * @throws IllegalArgumentException for a layer other than L2, L3 or L4
     */
    public static LayerProfile defaults(String layer) {
        if (layer == null) {
            throw new IllegalArgumentException("unknown layer null; known layers: " + KNOWN_LAYERS);
        }
        return switch (layer) {
            case "L2" -> of("L2", "Implementation", "l2-implementation", "claude-haiku-4-5", 1024);
            case "L3" -> of("L3", "Operational", "l3-operational", "claude-sonnet-4-5", 2048);
            case "L4" -> of("L4", "Tactical", "l4-tactical", "claude-sonnet-4-5", 2048);
            default -> throw new IllegalArgumentException(
                    "unknown layer '" + layer + "'; known layers: " + KNOWN_LAYERS);
        };
    }

    private static LayerProfile of(String layer, String role, String neuron, String model, long maxTokens) {
        Prompts.Prompt prompt = Prompts.load(layer);
        return new LayerProfile(layer, role, neuron, model, maxTokens, prompt.version(), prompt.text());
    }

    public LayerProfile withModel(String newModel) {
        return new LayerProfile(layer, role, neuron, newModel, maxTokens, promptVersion, systemPrompt);
    }

    public LayerProfile withMaxTokens(long newMaxTokens) {
        return new LayerProfile(layer, role, neuron, model, newMaxTokens, promptVersion, systemPrompt);
    }
}
