package io.hal9.topology.layer;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The price table of {@code hal9.claude.prices.usd.per.mtok}, looked up by the model a response
 * names. The Messages API answers with the dated snapshot that served the call
 * ({@code claude-sonnet-4-5-20250929}), not the alias asked for ({@code claude-sonnet-4-5}), so a
 * model is found by its exact id first, then by that id without a trailing {@code -YYYYMMDD} date.
 */
public final class ClaudePrices {

    private static final Pattern DATED = Pattern.compile("(.+)-\\d{8}");

    /**
     * What a model costs, in US dollars per million tokens.
     *
     * @param input  input tokens
     * @param output output tokens
     */
    public record Price(double input, double output) {

        /** The cost of one call's tokens, in US dollars. */
        public double cost(long inputTokens, long outputTokens) {
            return (inputTokens * input + outputTokens * output) / 1_000_000.0;
        }
    }

    private final Map<String, Price> prices;

    /** @param prices model → {input, output} US dollars per million tokens */
    public ClaudePrices(Map<String, double[]> prices) {
        Map<String, Price> table = new HashMap<>();
        prices.forEach((model, price) -> table.put(model, new Price(price[0], price[1])));
        this.prices = Map.copyOf(table);
    }

    /** The price of {@code model}: its own entry, else its alias's (the id without its -YYYYMMDD date). */
    public Optional<Price> of(String model) {
        Price exact = prices.get(model);
        if (exact != null) {
            return Optional.of(exact);
        }
        return alias(model).map(prices::get);
    }

    /** True when the table has no entry at all. */
    public boolean isEmpty() {
        return prices.isEmpty();
    }

    /** {@code claude-sonnet-4-5} for {@code claude-sonnet-4-5-20250929}; empty for an id without a date. */
    static Optional<String> alias(String model) {
        Matcher dated = DATED.matcher(model);
        return dated.matches() ? Optional.of(dated.group(1)) : Optional.empty();
    }
}
