package io.hal9.neurons.models;

/**
 * What a model costs, in US dollars per million tokens (platform.claude.com, "Pricing"): base input
 * and output, prompt-cache writes with a 5-minute and a 1-hour lifetime, prompt-cache reads, and
 * the Message Batches API's input and output.
 */
public record Prices(double input, double output, double cacheWrite5m, double cacheWrite1h, double cacheRead,
        double batchInput, double batchOutput) {

    /** Nothing costs anything: a model the price table does not know. */
    public static final Prices FREE = new Prices(0, 0, 0, 0, 0, 0, 0);

    public Prices {
        double[] all = {input, output, cacheWrite5m, cacheWrite1h, cacheRead, batchInput, batchOutput};
        for (double price : all) {
            if (!(price >= 0) || Double.isInfinite(price)) {
                throw new IllegalArgumentException("prices must be finite and >= 0, got " + price);
            }
        }
    }

    /**
     * Prices from input and output alone, the others at Anthropic's usual multiples of the input
     * price: 5-minute writes 1.25×, 1-hour writes 2×, reads 0.1×, batches half of input and output.
     */
    public static Prices fromInputOutput(double input, double output) {
        return new Prices(input, output, input * 1.25, input * 2, input * 0.1, input / 2, output / 2);
    }

    /**
     * The cost of one call's tokens, in US dollars: uncached input, output, prompt-cache writes
     * (5-minute and 1-hour lifetimes apart) and reads.
     */
    public double cost(long inputTokens, long outputTokens, long cacheWrite5mTokens, long cacheWrite1hTokens,
            long cacheReadTokens) {
        return (inputTokens * input + outputTokens * output + cacheWrite5mTokens * cacheWrite5m
                + cacheWrite1hTokens * cacheWrite1h + cacheReadTokens * cacheRead) / 1_000_000.0;
    }

    /** What the input side of a call costs (uncached input, cache writes and reads), in US dollars. */
    public double inputCost(long inputTokens, long cacheWrite5mTokens, long cacheWrite1hTokens, long cacheReadTokens) {
        return cost(inputTokens, 0, cacheWrite5mTokens, cacheWrite1hTokens, cacheReadTokens);
    }
}
