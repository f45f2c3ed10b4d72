package io.hal9.topology.layer;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.models.Prices;

/**
 * What a call cost, by the model its response names: the model catalog's prices, unless
 * {@code hal9.claude.prices.usd.per.mtok} gives the model (or its alias) prices of its own. The
 * Messages API answers with the snapshot that served the call ({@code claude-haiku-4-5-20251001}),
 * not always the name asked for ({@code claude-haiku-4-5}); an entry of the setting is found by the
 * exact id first, then by the id without a trailing {@code -YYYYMMDD} date, and the catalog knows
 * ids, aliases and their snapshots. Input written to the prompt cache costs the model's 5-minute or
 * 1-hour write price by the lifetime the response reports, input read from it the read price.
 */
public final class ClaudePrices {

    private static final Pattern DATED = Pattern.compile("(.+)-\\d{8}");

    private final ModelCatalog catalog;
    private final Map<String, Prices> overrides;

    /**
     * @param catalog   the model catalog, whose prices apply to every model it knows
     * @param overrides model → {input, output} US dollars per million tokens (cache and batch prices
     *                  at Anthropic's usual multiples of them), or {input, output, 5-minute cache write,
     *                  cache read}
     */
    public ClaudePrices(ModelCatalog catalog, Map<String, double[]> overrides) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        Map<String, Prices> table = new HashMap<>();
        overrides.forEach((model, price) -> {
            Prices usual = Prices.fromInputOutput(price[0], price[1]);
            table.put(model, price.length >= 4 ? new Prices(price[0], price[1], price[2], usual.cacheWrite1h(),
                    price[3], usual.batchInput(), usual.batchOutput()) : usual);
        });
        this.overrides = Map.copyOf(table);
    }

    /** The bundled catalog's prices, without overrides. */
    public static ClaudePrices catalog() {
        return new ClaudePrices(ModelCatalog.bundled(), Map.of());
    }

    /** The prices of {@code model}: its own override, its alias's, else the catalog's. */
    public Optional<Prices> of(String model) {
        Prices exact = overrides.get(model);
        if (exact != null) {
            return Optional.of(exact);
        }
        Optional<Prices> aliased = alias(model).map(overrides::get);
        if (aliased.isPresent()) {
            return aliased;
        }
        return catalog.find(model).map(entry -> entry.prices());
    }

    /** What {@code reply}'s call cost in US dollars (0 for a model without a price): tokens of every kind. */
    public double cost(NeuronReply reply) {
        return of(reply.model()).map(prices -> prices.cost(reply.inputTokens(), reply.outputTokens(),
                reply.cacheWrite5mInputTokens(), reply.cacheWrite1hInputTokens(), reply.cacheReadInputTokens()))
                .orElse(0.0);
    }

    /** {@code claude-sonnet-4-5} for {@code claude-sonnet-4-5-20250929}; empty for an id without a date. */
    static Optional<String> alias(String model) {
        Matcher dated = DATED.matcher(model);
        return dated.matches() ? Optional.of(dated.group(1)) : Optional.empty();
    }
}
