package io.hal9.neurons;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a neuron of one layer is: its layer and role, the neuron's name, the model it asks, the
 * token limit of an answer (thinking included: the current models think adaptively, and their
 * thinking tokens count against it), the effort it asks for ({@code output_config.effort}; empty
 * for the model's own default, or for a model that takes none), and its system prompt with that
 * prompt's version.
 *
 * <p>{@link #defaults(String)} gives HAL9's bundled layers: L2 Implementation (concrete action, fast
 * model), L3 Operational (design) and L4 Tactical (plans). {@link #of(String, Prompts.Prompt)} gives
 * any layer with a prompt from elsewhere (a prompt file): a bundled layer keeps its role, model and
 * limit; any other layer (e.g. an L5 added to the chain) gets the role {@value #CUSTOM_ROLE}, the
 * neuron name of its layer in lower case ({@code l5}) and L4's model, limit and effort
 * ({@value #CUSTOM_MODEL}, {@value #CUSTOM_MAX_TOKENS} tokens, {@value #CUSTOM_EFFORT}).
 * Configuration may change them with {@link #withModel}, {@link #withMaxTokens} and
 * {@link #withEffort}.
 *
 * <p>Why these defaults: L2 acts on a 10-second horizon and answers with concrete steps, so it asks
 * the fastest current model (Claude Haiku 5.5) at low effort; L3 splits work into components, a
 * design task, so it asks Claude Sonnet 5.5 at medium effort; L4 plans, the deepest task, so it asks
 * Claude Sonnet 5.5 at high effort (Sonnet's own default). Opus 5.5 would cost twice as much per
 * token as Sonnet 5.5 for L4 and answer slower (the model catalog's prices and latency). The
 * limits leave room for adaptive thinking before the answer: an answer of a few hundred tokens
 * after up to a few thousand of thinking.
 */
public record LayerProfile(String layer, String role, String neuron, String model, long maxTokens,
        String effort, String promptVersion, String systemPrompt) {

    /** The layers with a bundled profile and prompt, in signal order. */
    public static final List<String> KNOWN_LAYERS = List.of("L2", "L3", "L4");

    /** Role of a layer without a bundled profile. */
    public static final String CUSTOM_ROLE = "Custom";
    /** Model of a layer without a bundled profile: L4's, since added layers usually plan above it. */
    public static final String CUSTOM_MODEL = "claude-sonnet-5-5";
    /** Max output tokens of a layer without a bundled profile: L4's. */
    public static final long CUSTOM_MAX_TOKENS = 16_384;
    /** Effort of a layer without a bundled profile: L4's. */
    public static final String CUSTOM_EFFORT = "high";

    private record Bundled(String role, String model, long maxTokens, String effort) {
    }

    private static final Map<String, Bundled> BUNDLED = Map.of(
            "L2", new Bundled("Implementation", "claude-haiku-5-5", 4_096, "low"),
            "L3", new Bundled("Operational", "claude-sonnet-5-5", 8_192, "medium"),
            "L4", new Bundled("Tactical", "claude-sonnet-5-5", 16_384, "high"));

    public LayerProfile {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(neuron, "neuron");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(effort, "effort");
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
     * The profile of any layer with the given system prompt: a bundled layer's role, model, limit
     * and effort, or for any other layer role {@value #CUSTOM_ROLE}, {@value #CUSTOM_MODEL},
     * {@value #CUSTOM_MAX_TOKENS} tokens and {@value #CUSTOM_EFFORT} effort.
     */
    public static LayerProfile of(String layer, Prompts.Prompt prompt) {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(prompt, "prompt");
        Bundled bundled = BUNDLED.getOrDefault(layer, new Bundled(CUSTOM_ROLE, CUSTOM_MODEL, CUSTOM_MAX_TOKENS,
                CUSTOM_EFFORT));
        return new LayerProfile(layer, bundled.role(), neuronName(layer), bundled.model(), bundled.maxTokens(),
                bundled.effort(), prompt.version(), prompt.text());
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
        return new LayerProfile(layer, role, neuron, newModel, maxTokens, effort, promptVersion, systemPrompt);
    }

    public LayerProfile withMaxTokens(long newMaxTokens) {
        return new LayerProfile(layer, role, neuron, model, newMaxTokens, effort, promptVersion, systemPrompt);
    }

    /** The same profile asking for {@code newEffort} ({@code output_config.effort}); empty: the model's default. */
    public LayerProfile withEffort(String newEffort) {
        return new LayerProfile(layer, role, neuron, model, maxTokens, newEffort, promptVersion, systemPrompt);
    }
}
