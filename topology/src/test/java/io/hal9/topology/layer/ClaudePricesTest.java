package io.hal9.topology.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.RateLimits;

import org.junit.jupiter.api.Test;

/** What a call costs: the model catalog's prices, the setting's over them. */
class ClaudePricesTest {

    private static NeuronReply reply(String model, long input, long output, long cacheWrites, long cacheWrites1h,
            long cacheReads) {
        return new NeuronReply("text", model, input, output, "end_turn", 5, false, RateLimits.NONE, cacheWrites,
                cacheReads, null, cacheWrites1h, 0);
    }

    @Test
    void shouldPriceAModelTheResponseNamesByItsSnapshotFromTheCatalog() {
        ClaudePrices prices = ClaudePrices.catalog();

        // claude-sonnet-5-5: 2 $ input, 10 $ output per million tokens
        double cost = prices.cost(reply("claude-sonnet-5-5-20261001", 1_000_000, 100_000, 0, 0, 0));

        assertThat(cost).isCloseTo(2 + 1, within(1e-9));
    }

    @Test
    void shouldPriceCacheWritesByTheirLifetimeAndReadsAtTheReadPrice() {
        ClaudePrices prices = ClaudePrices.catalog();

        // claude-haiku-5-5: 5-minute writes 0.125 $, 1-hour writes 0.20 $, reads 0.01 $ per million tokens
        double cost = prices.cost(reply("claude-haiku-5-5", 0, 0, 3_000_000, 1_000_000, 10_000_000));

        assertThat(cost).isCloseTo(2 * 0.125 + 0.20 + 10 * 0.01, within(1e-9));
    }

    @Test
    void shouldTakeTheSettingsPriceOverTheCatalogs() {
        ClaudePrices prices = new ClaudePrices(io.hal9.neurons.models.ModelCatalog.bundled(),
                Map.of("claude-sonnet-5-5", new double[] {1, 4}));

        assertThat(prices.cost(reply("claude-sonnet-5-5-20261001", 1_000_000, 1_000_000, 1_000_000, 0, 1_000_000)))
                .isCloseTo(1 + 4 + 1.25 + 0.1, within(1e-9));
    }

    @Test
    void shouldCostNothingForAModelNeitherKnows() {
        assertThat(ClaudePrices.catalog().of("claude-sonnet-9")).isEmpty();
        assertThat(ClaudePrices.catalog().cost(reply("claude-sonnet-9", 1_000_000, 0, 0, 0, 0))).isZero();
    }
}
