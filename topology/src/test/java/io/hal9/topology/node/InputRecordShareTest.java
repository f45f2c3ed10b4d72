package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import io.hal9.topology.layer.InputReads.Position;

import org.junit.jupiter.api.Test;

/** The share of a layer's input offsets that are records, from hand-made positions of an instance's tasks. */
class InputRecordShareTest {

    private static final double EXACT = 1e-9;

    private final InputRecordShare share = new InputRecordShare();

    @Test
    void shouldBeOneUntilAnIntervalWasCounted() {
        assertThat(share.share()).isEqualTo(1);

        // a first look at a task is only where its first interval starts
        share.observe(List.of(new Position(1, 500, 999)));
        assertThat(share.share()).isEqualTo(1);

        // a task that reads nothing, or an instance without tasks, tells nothing
        share.observe(List.of(new Position(1, 500, 999)));
        share.observe(List.of());
        assertThat(share.share()).isEqualTo(1);
    }

    @Test
    void shouldTakeTheRecordsTheTasksReadOverTheOffsetsTheySpanned() {
        share.observe(List.of(new Position(1, 1_000, 1_999), new Position(2, 300, 599), new Position(3, 0, -1)));

        // task 1 read 60 records over 120 offsets, task 2 40 over 80 (a marker after each record); task 3 its
        // first records, which span nothing yet
        share.observe(List.of(new Position(1, 1_060, 2_119), new Position(2, 340, 679), new Position(3, 10, 19)));

        assertThat(share.share()).isCloseTo(100.0 / 200, within(EXACT));
    }

    @Test
    void shouldSmoothRecordsAndOffsetsApartSoThatBusyIntervalsWeighMore() {
        share.observe(List.of(new Position(1, 0, 0)));
        share.observe(List.of(new Position(1, 100, 200))); // 100 records in 200 offsets

        // a quiet interval of 10 records in 10 offsets moves the share little:
        // (0.3 x 10 + 0.7 x 100) / (0.3 x 10 + 0.7 x 200) = 73 / 143
        share.observe(List.of(new Position(1, 110, 210)));

        assertThat(share.share()).isCloseTo(73.0 / 143, within(EXACT));
    }

    @Test
    void shouldNotCountATaskWhoseOffsetWentBackNorTakeARunForAnother() {
        share.observe(List.of(new Position(1, 0, 0)));
        share.observe(List.of(new Position(1, 100, 200))); // 0.5

        // task 1 reads its partition again from an earlier offset (an aborted commit), and its partition's
        // earlier task, closed in a rebalance, comes back as run 2 further on: neither counts
        share.observe(List.of(new Position(1, 150, 150)));
        share.observe(List.of(new Position(2, 5, 900)));
        assertThat(share.share()).isCloseTo(0.5, within(EXACT));

        // and run 2's next interval counts: 50 records in 50 offsets
        share.observe(List.of(new Position(2, 55, 950)));
        assertThat(share.share()).isCloseTo((0.3 * 50 + 0.7 * 100) / (0.3 * 50 + 0.7 * 200), within(EXACT));
    }

    @Test
    void shouldNeverExceedOne() {
        share.observe(List.of(new Position(1, 0, 0)));

        // records read twice within an interval (read again after an aborted commit, past where it was)
        share.observe(List.of(new Position(1, 150, 100)));

        assertThat(share.share()).isEqualTo(1);
    }
}
