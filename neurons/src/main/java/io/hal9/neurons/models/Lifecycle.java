package io.hal9.neurons.models;

/**
 * Where a model stands in Anthropic's lifecycle (platform.claude.com, "Model deprecations"):
 * {@link #ACTIVE} is current; {@link #LEGACY} still answers but a newer model of its line is
 * current; {@link #DEPRECATED} still answers until its retirement date; {@link #RETIRED} answers
 * every request with 404 {@code not_found_error}.
 */
public enum Lifecycle {
    ACTIVE,
    LEGACY,
    DEPRECATED,
    RETIRED;

    /** Whether the API still answers requests for a model in this state. */
    public boolean answers() {
        return this != RETIRED;
    }
}
