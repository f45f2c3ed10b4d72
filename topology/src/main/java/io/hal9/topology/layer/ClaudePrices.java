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
 * Input tokens written to Anthropic's prompt cache cost {@value #CACHE_WRITE_FACTOR} times the input
 * price and those read from it {@value #CACHE_READ_FACTOR} times (Anthropic's 5-minute cache), unless
 * the entry gives both prices itself.
 */
public final class ClaudePrices {

    /** What a prompt-cache write costs, as a multiple of the input price. */
    public static final double CACHE_WRITE_FACTOR = 1.25;
    /** What a prompt-cache read costs, as a multiple of the input price. */
    public static final double CACHE_READ_FACTOR = 0.1;

    private static final Pattern DATED = Pattern.compile("(.+)-\\d{8}");

    /**
     * What a model costs, in US dollars per million tokens.
     *
     * @param input      input tokens
     * @param output     output tokens
     * @param cacheWrite input tokens written to the prompt cache ({@code cache_creation_input_tokens})
     * @param cacheRead  input tokens read from the prompt cache ({@code cache_read_input_tokens})
     */
    public record Price(double input, double output, double cacheWrite, double cacheRead) {

        /** A price whose cache writes and reads cost the usual multiples of {@code input}. */
        public Price(double input, double output) {
            this(input, output, input * CACHE_WRITE_FACTOR, input * CACHE_READ_FACTOR);
        }

        /** The cost of one call's tokens, in US dollars. */
        public double cost(long inputTokens, long outputTokens, long cacheWriteTokens, long cacheReadTokens) {
            return (inputTokens * input + outputTokens * output + cacheWriteTokens * cacheWrite
                    + cacheReadTokens * cacheRead) / 1_000_000.0;
        }
    }

    private final Map<String, Price> prices;

    /**
     * @param prices model → {input, output} US dollars per million tokens, or {input, output, cache
     *               write, cache read}
     */
    public ClaudePrices(Map<String, double[]> prices) {
        Map<String, Price> table = new HashMap<>();
        prices.forEach((model, price) -> table.put(model, price.length >= 4
                ? new Price(price[0], price[1], price[2], price[3]) : new Price(price[0], price[1])));
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
