package io.hal9.neurons;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a neuron of one layer is: its layer and role, the neuron's name, the model it asks, the
 * token limit of an answer, and its system prompt with that prompt's version.
 *
 * <p>{@link #defaults(String)} gives HAL9's bundled layers: L2 Implementation (concrete action, fast
 * model), L3 Operational (design) and L4 Tactical (plans). {@link #of(String, Prompts.Prompt)} gives
 * any layer with a prompt from elsewhere (a prompt file): a bundled layer keeps its role, model and
 * limit; any other layer (e.g. an L5 added to the chain) gets the role {@value #CUSTOM_ROLE}, the
 * neuron name of its layer in lower case ({@code l5}) and L4's model and limit
 * ({@value #CUSTOM_MODEL}, {@value #CUSTOM_MAX_TOKENS} tokens). Configuration may change the model
 * or limit with {@link #withModel} and {@link #withMaxTokens}.
 */
public record LayerProfile(String layer, String role, String neuron, String model, long maxTokens,
        String promptVersion, String systemPrompt) {

    /** The layers with a bundled profile and prompt, in signal order. */
    public static final List<String> KNOWN_LAYERS = List.of("L2", "L3", "L4");

    /** Role of a layer without a bundled profile. */
    public static final String CUSTOM_ROLE = "Custom";
    /** Model of a layer without a bundled profile: L4's, since added layers usually plan above it. */
    public static final String CUSTOM_MODEL = "claude-sonnet-4-5";
    /** Max output tokens of a layer without a bundled profile: L4's. */
    public static final long CUSTOM_MAX_TOKENS = 2048;

    private record Bundled(String role, String model, long maxTokens) {
    }

    private static final Map<String, Bundled> BUNDLED = Map.of(
            "L2", new Bundled("Implementation", "claude-haiku-4-5", 1024),
            "L3", new Bundled("Operational", "claude-sonnet-4-5", 2048),
            "L4", new Bundled("Tactical", "claude-sonnet-4-5", 2048));

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
     * The default profile of a bundled layer, with its system prompt loaded from {@link Prompts}.
     *
     * @throws IllegalArgumentException for a layer other than L2, L3 or L4
     */
    public static LayerProfile defaults(String layer) {
        if (layer == null || !BUNDLED.containsKey(layer)) {
            throw new IllegalArgumentException("unknown layer '" + layer + "'; known layers: " + KNOWN_LAYERS);
        }
        return of(layer, Prompts.load(layer));
    }

    /**
     * The profile of any layer with the given system prompt: a bundled layer's role, model and
     * limit, or for any other layer role {@value #CUSTOM_ROLE}, {@value #CUSTOM_MODEL} and
     * {@value #CUSTOM_MAX_TOKENS} tokens.
     */
    public static LayerProfile of(String layer, Prompts.Prompt prompt) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(prompt, "prompt");
        Bundled bundled = BUNDLED.getOrDefault(layer, new Bundled(CUSTOM_ROLE, CUSTOM_MODEL, CUSTOM_MAX_TOKENS));
        return new LayerProfile(layer, bundled.role(), neuronName(layer), bundled.model(), bundled.maxTokens(),
                prompt.version(), prompt.text());
    }

    /**
     * The name of a layer's neuron, known without its prompt: {@code l3-operational} for a bundled
     * layer, the layer in lower case ({@code l5}) for any other.
     */
    public static String neuronName(String layer) {
        Objects.requireNonNull(layer, "layer");
        String id = layer.toLowerCase(Locale.ROOT);
        Bundled bundled = BUNDLED.get(layer);
        return bundled == null ? id : id + "-" + bundled.role().toLowerCase(Locale.ROOT);
    }

    public LayerProfile withModel(String newModel) {
        return new LayerProfile(layer, role, neuron, newModel, maxTokens, promptVersion, systemPrompt);
    }

    public LayerProfile withMaxTokens(long newMaxTokens) {
        return new LayerProfile(layer, role, neuron, model, newMaxTokens, promptVersion, systemPrompt);
    }
}
