package io.hal9.topology.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
}
