package io.hal9.neurons.models;

import java.time.LocalDate;
import java.util.Locale;
import java.util.Optional;

/**
 * What the {@link ModelCatalog} says of one model on one day: unknown (not in the catalog), or its
 * lifecycle there, with the replacement the catalog names.
 *
 * @param model       the model asked for
 * @param entry       its catalog entry; empty when the catalog does not know it
 * @param lifecycle   its state on the day asked about; empty when unknown
 * @param replacement the entry of the model that replaces it, when the catalog names one
 * @param suggestion  for an unknown model, the known name closest in spelling (a likely typo)
 */
public record ModelVerdict(String model, Optional<CatalogEntry> entry, Optional<Lifecycle> lifecycle,
        Optional<CatalogEntry> replacement, Optional<String> suggestion) {

    static ModelVerdict unknown(String model, Optional<String> suggestion) {
        return new ModelVerdict(model, Optional.empty(), Optional.empty(), Optional.empty(), suggestion);
    }

    /** Whether a layer may start with this model: the catalog knows it and the API still answers it. */
    public boolean usable() {
        return lifecycle.filter(Lifecycle::answers).isPresent();
    }

    /** Whether the model still answers but has a retirement date. */
    public boolean deprecated() {
        return lifecycle.filter(state -> state == Lifecycle.DEPRECATED).isPresent();
    }

    /** The retirement date, when one is announced. */
    public Optional<LocalDate> retires() {
        return entry.flatMap(CatalogEntry::retires);
    }

    /**
     * One line for a setting that names a model a layer cannot start with, e.g.
     * {@code hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 (Claude Sonnet 4.5); replacement:
     * claude-sonnet-5-5}; empty when the model is usable.
     */
    public Optional<String> refusal(String setting) {
        if (usable()) {
            return Optional.empty();
        }
        StringBuilder line = new StringBuilder(setting).append('=').append(model).append(": ");
        if (entry.isEmpty()) {
            line.append("unknown model (not in the model catalog");
            suggestion.ifPresent(name -> line.append("; did you mean ").append(name).append('?'));
            line.append(')');
            return Optional.of(line.toString());
        }
        CatalogEntry known = entry.get();
        line.append("retired");
        known.retires().ifPresent(date -> line.append(" on ").append(date));
        line.append(" (").append(known.displayName()).append(')');
        line.append(replacement.map(r -> "; replacement: " + r.id()).orElse("; the catalog names no replacement"));
        return Optional.of(line.toString());
    }

    /**
     * A warning for a model that still answers but retires soon, or is legacy: e.g.
     * {@code hal9.l2.model=claude-haiku-4-5: legacy (Claude Haiku 4.5); replacement: claude-haiku-5-5}.
     */
    public Optional<String> warning(String setting) {
        if (!usable() || lifecycle.get() == Lifecycle.ACTIVE) {
            return Optional.empty();
        }
        CatalogEntry known = entry.get();
        StringBuilder line = new StringBuilder(setting).append('=').append(model).append(": ")
                .append(lifecycle.get().name().toLowerCase(Locale.ROOT));
        known.retires().ifPresent(date -> line.append(", retires on ").append(date));
        line.append(" (").append(known.displayName()).append(')');
        replacement.ifPresent(r -> line.append("; replacement: ").append(r.id()));
        return Optional.of(line.toString());
    }
}
