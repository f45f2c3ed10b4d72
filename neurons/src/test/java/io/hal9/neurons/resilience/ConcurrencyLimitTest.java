package io.hal9.neurons.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

import org.junit.jupiter.api.Test;

/** The live limit's law, driven window by window on a simulated clock (500 ms per call). */
class ConcurrencyLimitTest {

    private static final long RTT = TimeUnit.MILLISECONDS.toNanos(500);
    private static final int CEILING = 256;

    private final ConcurrencyLimit limit = new ConcurrencyLimit(CEILING, CEILING, 0.75, 0.05, Duration.ofMillis(250),
            Duration.ofSeconds(5));
    private final SplittableRandom random = new SplittableRandom(7);
    private long now;
    private long calls;
    private long drops;

    /**
     * One call latency's worth of calls at the current limit: each of the {@code limit} calls in
     * flight ends, {@code dropsAtLimit} of them (at random places) refused.
     */
    private int window(IntUnaryOperator dropsAtLimit) {
        int current = limit.getLimit();
        int dropped = dropsAtLimit.applyAsInt(current);
        for (int i = 0; i < current; i++) {
            boolean drop = random.nextInt(current) < dropped;
            limit.onSample(now - RTT, RTT, current, drop);
            calls++;
            drops += drop ? 1 : 0;
            now += RTT / current;
        }
        return limit.getLimit();
    }

    @Test
    void shouldKeepTheLimitNearTheCeilingWhenAShareOfCallsIsRefusedWhateverTheConcurrency() {
        // Given Anthropic refuses 30 % of every account's calls at random
        List<Integer> limits = new ArrayList<>();
        for (int w = 0; w < 120; w++) {
            limits.add(window(l -> (int) Math.round(l * 0.3)));
        }

        // Then the limit probes once, finds fewer calls do not help, and stays high: 30 % is tolerated
        double average = limits.subList(20, limits.size()).stream().mapToInt(Integer::intValue).average().orElseThrow();
        assertThat(average).isGreaterThan(0.85 * CEILING);
        assertThat(limit.toleratedShare()).isGreaterThan(0.2);
    }

    @Test
    void shouldSettleJustBelowAProviderCapacityWithFewRefusals() {
        // Given the provider refuses every call beyond 100 in flight
        int capacity = 100;
        List<Integer> limits = new ArrayList<>();
        for (int w = 0; w < 200; w++) {
            limits.add(window(l -> Math.max(0, l - capacity)));
        }

        // Then the limit comes down within a few windows and stays around the capacity
        assertThat(limits.subList(0, 10)).anyMatch(l -> l <= 1.1 * capacity);
        List<Integer> settled = limits.subList(20, limits.size());
        assertThat(settled).allMatch(l -> l >= 0.7 * capacity && l <= 1.4 * capacity);
        assertThat(settled.stream().mapToInt(Integer::intValue).average().orElseThrow())
                .isBetween(0.9 * capacity, 1.2 * capacity);
        assertThat((double) drops / calls).isLessThan(0.12);
    }

    @Test
    void shouldKeepDecreasingWhenFewerCallsBringAsManyAnswersThoughTheRefusedShareStaysTheSame() {
        // Given a provider that serves 100 calls at a time and refuses the rest at once, so that
        // above 100 the refused share is a quarter of the calls whatever the limit (refused calls
        // come back fast and are sent again)
        int capacity = 100;
        List<Integer> limits = new ArrayList<>();
        for (int w = 0; w < 60; w++) {
            int current = limit.getLimit();
            limits.add(current);
            int answers = Math.min(current, capacity);
            int refused = current > capacity ? answers / 3 : 0;
            for (int i = 0; i < answers + refused; i++) {
                boolean drop = i % 4 == 3 && refused > 0;
                limit.onSample(drop ? now - RTT / 100 : now - RTT, drop ? RTT / 100 : RTT, current, drop);
                calls++;
                drops += drop ? 1 : 0;
                now += RTT / (answers + refused);
            }
        }

        // Then the same share one step down is not taken for refusals that come regardless: the
        // answers per second did not fall with the limit, so the limit goes on down to the capacity
        assertThat(limit.toleratedShare()).isZero();
        // and refusals that come at once while the served calls answer later are no outage: the
        // limit stays around the capacity instead of being cut to a quarter again and again
        assertThat(limits.subList(20, limits.size())).allMatch(l -> l >= 0.5 * capacity && l <= 1.2 * capacity);
    }

    @Test
    void shouldNotTakeRefusalsOfCallsStartedJustAfterADecreaseForAnOutage() {
        for (int w = 0; w < 5; w++) {
            window(l -> 0);
        }
        // Given a window with excess refusals: the limit decreases
        window(l -> l / 3);
        int decreased = limit.getLimit();
        assertThat(decreased).isLessThan(CEILING);

        // When every call started within one latency after it is refused (the provider is still
        // full of the larger limit's calls)
        long changed = now;
        for (int i = 0; i < decreased / 2 && limit.getLimit() == decreased; i++) {
            limit.onSample(changed + i * (RTT / CEILING), RTT / 100, decreased, true);
            now += RTT / CEILING;
        }

        // Then that is one more gentle step down, not an outage's cut to a quarter
        assertThat(limit.getLimit()).isGreaterThan(decreased / 4);
    }

    @Test
    void shouldShrinkDuringAnOutageAndBeBackWithinAFewWindowsAfterIt() {
        for (int w = 0; w < 5; w++) {
            window(l -> 0);
        }
        assertThat(limit.getLimit()).isEqualTo(CEILING);

        // When every call fails, the limit falls window after window
        for (int w = 0; w < 20; w++) {
            window(l -> l);
        }
        assertThat(limit.getLimit()).isLessThanOrEqualTo(CEILING / 16);

        // Then, once calls succeed again, slow start doubles it back to where it was within a dozen windows
        int windows = 0;
        while (limit.getLimit() < CEILING && windows < 100) {
            window(l -> 0);
            windows++;
        }
        assertThat(windows).isLessThanOrEqualTo(12);
    }

    @Test
    void shouldCutToAQuarterWhenAnOutageBeginsThoughTheWindowStillHoldsAnswersOfEarlierCalls() {
        for (int w = 0; w < 5; w++) {
            window(l -> 0);
        }

        // Given the answers of calls started before an outage, then refusals of every call started
        // after it
        for (int i = 0; i < 192; i++) {
            limit.onSample(now - RTT, RTT, CEILING, false);
            now += RTT / CEILING;
        }
        long outageBegan = now - RTT;
        // five of them, started right at its beginning, reached the API just before it and were answered
        for (int i = 0; i < 5; i++) {
            limit.onSample(outageBegan + i * (RTT / CEILING / 2), RTT, CEILING, false);
        }
        int refusals = 0;
        for (int i = 0; i < 64 && limit.getLimit() == CEILING; i++) {
            limit.onSample(outageBegan + i * (RTT / CEILING), RTT, CEILING, true);
            now += RTT / CEILING;
            refusals++;
        }

        // Then the window is judged on the calls started since the first refusal: a quarter, not a
        // gentle backoff, once a quarter of the limit was refused
        assertThat(limit.getLimit()).isEqualTo(CEILING / 4);
        assertThat(refusals).isEqualTo(CEILING / 4);
    }

    @Test
    void shouldLetTheBreakersTrialCallsGoTogetherAndComeBackToTheLevelBeforeTheOutage() {
        for (int w = 0; w < 5; w++) {
            window(l -> 0);
        }
        for (int w = 0; w < 20; w++) {
            window(l -> l);
        }
        assertThat(limit.getLimit()).isEqualTo(1);

        // When the breaker lets 3 trial calls through, then closes because they succeeded
        limit.trial(3, now);
        assertThat(limit.getLimit()).isEqualTo(3);
        limit.recovered(now);

        // Then the limit is back at the level before the outage at once, and stays while calls succeed
        assertThat(limit.getLimit()).isEqualTo(CEILING);
        now += RTT;
        window(l -> 0);
        window(l -> 0);
        assertThat(limit.getLimit()).isEqualTo(CEILING);

        // And a breaker closing when no outage shrank the limit changes nothing
        limit.recovered(now);
        assertThat(limit.getLimit()).isEqualTo(CEILING);
    }

    @Test
    void shouldNeverExceedTheCeiling() {
        for (int w = 0; w < 50; w++) {
            assertThat(window(l -> 0)).isLessThanOrEqualTo(CEILING);
        }
    }
}
