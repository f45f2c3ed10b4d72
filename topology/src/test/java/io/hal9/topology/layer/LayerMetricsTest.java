package io.hal9.topology.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.RateLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The cost and token counters of a layer, and how a model's price is found. */
class LayerMetricsTest {

    private static final Map<String, double[]> PRICES = Map.of(
            "claude-sonnet-4-5", new double[] {3, 15},
            "claude-haiku-4-5", new double[] {1, 5},
            "claude-haiku-4-5-20251001", new double[] {0.8, 4});

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final LayerMetrics metrics = new LayerMetrics(registry, "L2", PRICES);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(LayerMetrics.class);

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    private double cost() {
        return registry.get(LayerMetrics.CLAUDE_COST).tag("layer", "L2").counter().count();
    }

    @Test
    void shouldPriceADatedSnapshotAtItsAliasPrice() {
        // the API answers with the snapshot id, e.g. claude-sonnet-4-5-20250929, for the alias asked for
        metrics.cost("claude-sonnet-4-5-20250929", 1_000_000, 100_000);

        assertThat(cost()).isEqualTo(3 + 1.5);
    }

    @Test
    void shouldPreferTheExactPriceOfASnapshotOverItsAlias() {
        metrics.cost("claude-haiku-4-5-20251001", 1_000_000, 1_000_000);

        assertThat(cost()).isEqualTo(0.8 + 4);
    }

    @Test
    void shouldPriceAnAliasExactly() {
        metrics.cost("claude-haiku-4-5", 1_000_000, 0);

        assertThat(cost()).isEqualTo(1.0);
    }

    @Test
    void shouldCountAnUnpricedModelAsFreeAndWarnOncePerModel() {
        metrics.cost("claude-unknown-9-20990101", 1_000, 1_000);
        metrics.cost("claude-unknown-9-20990101", 1_000, 1_000);
        metrics.cost("claude-other-1", 1_000, 1_000);

        assertThat(cost()).isZero();
        List<ILoggingEvent> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertThat(warnings).extracting(ILoggingEvent::getFormattedMessage).hasSize(2)
                .anySatisfy(m -> assertThat(m).contains("claude-unknown-9-20990101"))
                .anySatisfy(m -> assertThat(m).contains("claude-other-1"));
    }

    @Test
    void shouldNotTakeANonDateSuffixForASnapshot() {
        // only a trailing -YYYYMMDD is a snapshot date
        metrics.cost("claude-sonnet-4-5-1234", 1_000_000, 0);

        assertThat(cost()).isZero();
    }

    @Test
    void shouldPricePromptCacheWritesAndReadsAtTheirMultiplesOfTheInputPrice() {
        metrics.cost(new NeuronReply("text", "claude-sonnet-4-5-20250929", 1_000_000, 0, "end_turn", 5, false,
                RateLimits.NONE, 1_000_000, 1_000_000, null));

        assertThat(cost()).isCloseTo(3 + 3 * 1.25 + 3 * 0.1, within(1e-9));
    }

    @Test
    void shouldTakeCachePricesAnEntryGivesItself() {
        LayerMetrics explicit = new LayerMetrics(registry, "L3", Map.of("claude-opus-4-1", new double[] {15, 75, 30, 2}));

        explicit.cost(new NeuronReply("text", "claude-opus-4-1", 0, 0, "end_turn", 5, false, RateLimits.NONE,
                1_000_000, 1_000_000, null));

        assertThat(registry.get(LayerMetrics.CLAUDE_COST).tag("layer", "L3").counter().count()).isEqualTo(32.0);
    }

    @Test
    void shouldCountPromptCacheTokensApartFromInputTokens() {
        assertThat(tokens("cache_creation")).isZero();
        assertThat(tokens("cache_read")).isZero();

        metrics.claudeRequest(ClaudeOutcome.OK, new NeuronReply("text", "claude-haiku-4-5", 100, 20, "end_turn", 5,
                false, RateLimits.NONE, 300, 4_000, null));

        assertThat(tokens("input")).isEqualTo(100);
        assertThat(tokens("output")).isEqualTo(20);
        assertThat(tokens("cache_creation")).isEqualTo(300);
        assertThat(tokens("cache_read")).isEqualTo(4_000);
    }

    private double tokens(String type) {
        return registry.get(LayerMetrics.CLAUDE_TOKENS).tags("layer", "L2", "type", type).counter().count();
    }
}
