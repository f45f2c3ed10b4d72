package io.hal9.neurons.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The simulator's prompt cache, as the API keeps it (platform.claude.com, "Prompt caching"): per API
 * key, model and exact prefix, an entry lives for its TTL (5 minutes or 1 hour) from its last use;
 * a request whose prefix is in the cache reads it, any other writes it.
 *
 * <p>Threading notes: {@link #lookup} and {@link #store} are called from the simulator's handler
 * threads at once; the map is concurrent, and two requests racing with the same new prefix both
 * write it, as two requests sent at once to the API both do.
 */
final class PromptCache {

    static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    static final Duration ONE_HOUR = Duration.ofHours(1);

    /** Where a request's cache breakpoint puts its prefix: the system prompt text up to it, and the TTL. */
    record Breakpoint(String prefix, Duration ttl) {

        boolean oneHour() {
            return ttl.equals(ONE_HOUR);
        }
    }

    /** What a request's {@code cache_control} asks for, or the 400 message that rejects it. */
    record Asked(Optional<Breakpoint> breakpoint, Optional<String> rejection) {

        static final Asked NOTHING = new Asked(Optional.empty(), Optional.empty());

        static Asked rejected(String message) {
            return new Asked(Optional.empty(), Optional.of(message));
        }
    }

    private record Key(String apiKey, String model, String prefix) {
    }

    private final Map<Key, Instant> expiries = new ConcurrentHashMap<>();

    /**
     * The breakpoint of a request: a top-level {@code cache_control} (automatic caching) caches the whole
     * system prompt; a {@code cache_control} on a system content block caches the blocks up to it (the
     * last such block counts). No system prompt or no {@code cache_control}: nothing is cached.
     */
    static Asked asked(JsonNode request) {
        JsonNode system = request.get("system");
        JsonNode automatic = request.get("cache_control");
        Optional<String> bad = invalid(automatic, "cache_control");
        if (bad.isPresent()) {
            return Asked.rejected(bad.get());
        }
        Breakpoint found = null;
        if (system != null && system.isArray()) {
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < system.size(); i++) {
                JsonNode block = system.get(i);
                JsonNode text = block.get("text");
                if (text != null && text.isTextual()) {
                    if (prefix.length() > 0) {
                        prefix.append('\n');
                    }
                    prefix.append(text.asText());
                }
                JsonNode control = block.get("cache_control");
                Optional<String> badBlock = invalid(control, "system." + i + ".cache_control");
                if (badBlock.isPresent()) {
                    return Asked.rejected(badBlock.get());
                }
                if (present(control)) {
                    found = new Breakpoint(prefix.toString(), ttl(control));
                }
            }
            if (present(automatic)) {
                found = new Breakpoint(prefix.toString(), ttl(automatic));
            }
        } else if (system != null && system.isTextual() && present(automatic)) {
            found = new Breakpoint(system.asText(), ttl(automatic));
        }
        if (found == null || found.prefix().isEmpty()) {
            return Asked.NOTHING;
        }
        return new Asked(Optional.of(found), Optional.empty());
    }

    /** Whether {@code apiKey}'s cache holds {@code prefix} for {@code model} at {@code now}. */
    boolean lookup(String apiKey, String model, String prefix, Instant now) {
        Key key = new Key(apiKey, model, prefix);
        Instant expiry = expiries.get(key);
        if (expiry == null) {
            return false;
        }
        if (!now.isBefore(expiry)) {
            expiries.remove(key, expiry);
            return false;
        }
        return true;
    }

    /** Writes or refreshes the entry: it lives {@code ttl} from {@code now}, or longer if it already did. */
    void store(String apiKey, String model, Breakpoint breakpoint, Instant now) {
        Instant expiry = now.plus(breakpoint.ttl());
        expiries.merge(new Key(apiKey, model, breakpoint.prefix()), expiry, (a, b) -> a.isAfter(b) ? a : b);
    }

    private static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }

    private static Duration ttl(JsonNode control) {
        JsonNode ttl = control.get("ttl");
        return ttl != null && "1h".equals(ttl.asText()) ? ONE_HOUR : FIVE_MINUTES;
    }

    private static Optional<String> invalid(JsonNode control, String field) {
        if (!present(control)) {
            return Optional.empty();
        }
        JsonNode type = control.get("type");
        if (!control.isObject() || type == null || !"ephemeral".equals(type.asText())) {
            return Optional.of(field + ".type: Input should be 'ephemeral'");
        }
        JsonNode ttl = control.get("ttl");
        if (ttl != null && !ttl.isNull() && !("5m".equals(ttl.asText()) || "1h".equals(ttl.asText()))) {
            return Optional.of(field + ".ttl: Input should be '5m' or '1h'");
        }
        return Optional.empty();
    }
}
