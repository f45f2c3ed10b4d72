package io.hal9.neurons.claude;

import java.util.Locale;

/**
 * Whether requests turn on Anthropic's automatic prompt caching, and with which lifetime
 * (platform.claude.com, "Prompt caching"): one top-level {@code cache_control} caches the request's
 * prefix up to its last cacheable block — here the layer's system prompt. A write costs 1.25× the
 * input price with a 5-minute lifetime and 2× with a 1-hour one; a read about 0.1× (the model
 * catalog has each model's prices). A prefix shorter than the model's minimum is not cached, so
 * the client sends the field only when the system prompt reaches it.
 */
public enum PromptCaching {
    /** No {@code cache_control}: every call pays the whole prompt at the input price. */
    OFF(""),
    /** {@code {"type":"ephemeral"}}: cached for 5 minutes, refreshed by every read. */
    FIVE_MINUTES("5m"),
    /** {@code {"type":"ephemeral","ttl":"1h"}}: cached for an hour, for prompts used less often than every 5 minutes. */
    ONE_HOUR("1h");

    private final String ttl;

    PromptCaching(String ttl) {
        this.ttl = ttl;
    }

    /** The {@code ttl} of the request's {@code cache_control}; empty for {@link #OFF}. */
    public String ttl() {
        return ttl;
    }

    /** {@code off}, {@code 5m} or {@code 1h}, as the setting spells it. */
    public static PromptCaching of(String value) {
        String lower = value.trim().toLowerCase(Locale.ROOT);
        for (PromptCaching caching : values()) {
            if (lower.equals(caching == OFF ? "off" : caching.ttl)) {
                return caching;
            }
        }
        throw new IllegalArgumentException("prompt caching must be off, 5m or 1h, got '" + value + "'");
    }

    @Override
    public String toString() {
        return this == OFF ? "off" : ttl;
    }
}
