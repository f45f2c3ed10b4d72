package io.hal9.neurons;

import java.util.Map;
import java.util.Objects;

/**
 * One question to a neuron: the layer profile (system prompt, model, limits), the signal content
 * that becomes the single user message, and the signal's numeric features.
 *
 * <p>Features are not sent to Claude (the content is); they are part of the cache key of a
 * {@link io.hal9.neurons.resilience.CachedNeuronClient}, so two signals with the same content but
 * different features are answered separately. The map is copied; names and values must not be {@code null}.
 */
public record NeuronRequest(LayerProfile profile, String content, Map<String, Double> features) {

    public NeuronRequest {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(features, "features");
        features = Map.copyOf(features);
    }

    /** A request without features. */
    public NeuronRequest(LayerProfile profile, String content) {
        this(profile, content, Map.of());
    }
}
