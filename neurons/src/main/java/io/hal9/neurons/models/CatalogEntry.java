package io.hal9.neurons.models;

import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One Claude model as the {@link ModelCatalog} knows it.
 *
 * @param id                 the model id requests name (e.g. {@code claude-sonnet-5-5}, or a dated
 *                           snapshot such as {@code claude-haiku-4-5-20251001})
 * @param aliases            other names the API accepts for it (e.g. {@code claude-haiku-4-5})
 * @param displayName        its name in Anthropic's docs
 * @param lifecycle          its state as the catalog was written; see {@link #lifecycleOn(LocalDate)}
 * @param retires            the day from which the API answers it with 404, when one is announced
 * @param replacement        the model Anthropic names as its successor, if any
 * @param contextWindow      input and output tokens of one request, at most
 * @param maxOutputTokens    the largest {@code max_tokens} the model takes
 * @param thinking           how it thinks before answering
 * @param efforts            the {@code output_config.effort} values it accepts; empty when it takes none
 * @param defaultEffort      the effort it uses when the request names none, if it takes efforts
 * @param samplingParameters whether it accepts {@code temperature}, {@code top_p} and {@code top_k}
 * @param tokenizerFactor    tokens it counts for a text, relative to the tokenizer of the 4.x models
 *                           (1.0 for those; about 1.3 for the 5.x models)
 * @param minCacheableTokens the shortest prompt prefix, in tokens, that its prompt cache stores
 * @param prices             what its tokens cost
 * @param latency            how long its answers take
 * @param sources            the pages its figures were read from
 */
public record CatalogEntry(String id, List<String> aliases, String displayName, Lifecycle lifecycle,
        Optional<LocalDate> retires, Optional<String> replacement, long contextWindow, long maxOutputTokens,
        Thinking thinking, List<String> efforts, Optional<String> defaultEffort, boolean samplingParameters,
        double tokenizerFactor, long minCacheableTokens, Prices prices, LatencyProfile latency,
        List<String> sources) {

    public CatalogEntry {
        Objects.requireNonNull(id, "id");
        aliases = List.copyOf(aliases);
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(lifecycle, "lifecycle");
        Objects.requireNonNull(retires, "retires");
        Objects.requireNonNull(replacement, "replacement");
        Objects.requireNonNull(thinking, "thinking");
        efforts = List.copyOf(efforts);
        Objects.requireNonNull(defaultEffort, "defaultEffort");
        Objects.requireNonNull(prices, "prices");
        Objects.requireNonNull(latency, "latency");
        sources = List.copyOf(sources);
    }

    /** Every name of the model: its id, then its aliases. */
    public List<String> names() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(id), aliases.stream()).toList();
    }

    /**
     * Its state on {@code day}: {@link Lifecycle#RETIRED} from its retirement date on, whatever the
     * catalog said when it was written; otherwise the catalog's state.
     */
    public Lifecycle lifecycleOn(LocalDate day) {
        if (lifecycle == Lifecycle.RETIRED || retires.filter(date -> !day.isBefore(date)).isPresent()) {
            return Lifecycle.RETIRED;
        }
        return lifecycle;
    }

    /** Whether requests may name an {@code output_config.effort}. */
    public boolean takesEffort() {
        return !efforts.isEmpty();
    }

    /** Tokens this model counts for a text of {@code chars} characters, at about 4 characters per 4.x token. */
    public long estimateTokens(long chars) {
        return Math.max(1, (long) Math.ceil(Math.ceil(chars / 4.0) * tokenizerFactor));
    }
}
