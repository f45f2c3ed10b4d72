package io.hal9.topology.node;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.hal9.topology.layer.InputReads;

/**
 * The share of a layer's input offsets that are records, learnt by one instance from what its own
 * tasks read, at every sample of the {@link ForecastSampler}.
 *
 * <p><b>Why.</b> Arrivals are counted as the growth of the input's end offsets, but under
 * exactly-once the upstream layer (or a transactional producer) writes its records in
 * transactions, and each commit appends a transaction marker to every partition it wrote to,
 * which takes an offset as a record does; so do the records of an aborted transaction. A
 * {@code read_committed} reader sees neither. Counted as signals, they make the arrival rate read
 * up to about twice the signals while each commit carries few signals per partition.
 *
 * <p><b>How.</b> Each task of the instance (every lane) counts the records it reads and keeps the
 * offset of the last one ({@link InputReads}), on its stream thread. Between two samples, the
 * records a task read over how far its last offset moved is the share of that stretch of its
 * partition that are records; the records of an interval and the offsets they span are summed
 * over the tasks, then smoothed across intervals ({@link #SMOOTHING}) before dividing, so a busy
 * interval weighs more than a quiet one. The share is at most 1 and is 1 until an interval counted.
 *
 * <p>A task counts from its second look on (its first record gives no stretch), and not in an
 * interval in which its offset went back (its partition read again after an aborted commit). A
 * partition that moved to another instance and back is a new task run, so what the other instance
 * read in between is never taken for this one's. Markers after a task's last record count in the
 * interval of its next record.
 *
 * <p>The share applies to the growth of all the layer's input partitions: it assumes the
 * instance's partitions carry the same mix of records and markers as the others, which holds when
 * the upstream instances spread their signals over the partitions alike (the key hash does).
 *
 * <p>Not thread-safe: the sampler's thread feeds and reads it.
 */
final class InputRecordShare {

    /** The weight of the newest interval in the smoothed records and offsets. */
    static final double SMOOTHING = 0.3;

    private Map<Long, InputReads.Position> last = Map.of();
    private double records = Double.NaN;
    private double offsets = Double.NaN;

    /** Takes in where the instance's tasks are now, every lane of the layer. */
    void observe(List<InputReads.Position> positions) {
        long read = 0;
        long spanned = 0;
        Map<Long, InputReads.Position> now = new HashMap<>();
        for (InputReads.Position position : positions) {
            now.put(position.run(), position);
            InputReads.Position before = last.get(position.run());
            if (before == null || before.lastOffset() < 0 || position.lastOffset() < before.lastOffset()) {
                continue;
            }
            read += position.records() - before.records();
            spanned += position.lastOffset() - before.lastOffset();
        }
        last = now;
        if (spanned > 0) {
            records = smooth(records, read);
            offsets = smooth(offsets, spanned);
        }
    }

    private static double smooth(double current, double sample) {
        return Double.isNaN(current) ? sample : SMOOTHING * sample + (1 - SMOOTHING) * current;
    }

    /** The share of the input's offsets that are records, in [0, 1]; 1 while not known. */
    double share() {
        return Double.isNaN(offsets) ? 1 : Math.min(1, records / offsets);
    }
}
