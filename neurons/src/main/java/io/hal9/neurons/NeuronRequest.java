package io.hal9.neurons;

import java.util.Objects;

/**
 * One question to a neuron: the layer profile (system prompt, model, limits) and the signal
 * content that becomes the single user message.
 */
public record NeuronRequest(LayerProfile profile, String content) {

    public NeuronRequest {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(content, "content");
    }
}
