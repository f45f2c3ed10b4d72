package io.hal9.topology.layer;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * What one lane's tasks have read from its input topic, task by task: how many records, and the
 * offset of the last one. Between two looks at a task, the records it read over how far that
 * offset moved is the share of the input's offsets that are records; the others are transaction
 * markers and aborted records, which a {@code read_committed} consumer skips. The replica forecast
 * learns that share from here ({@code io.hal9.topology.node.InputRecordShare}).
 *
 * <p>Counted by {@link #counter}, the first node after a layer's source: every record that reached
 * the layer counts, malformed ones too (each took an offset as a record).
 *
 * <p>Thread safety: each task's figures are written only by the stream thread running the task,
 * and read by any thread ({@link #positions()}).
 */
public final class InputReads {

    /** Numbers every task run in the process, so that a partition read again after a rebalance is a new run. */
    private static final AtomicLong RUNS = new AtomicLong();

    /**
     * One task's reading, as of a {@link #positions()} call.
     *
     * @param run        this run of the task (from its processor's start to its close), unique in the process
     * @param records    the records it has read
     * @param lastOffset the offset of the last of them; -1 before the first
     */
    public record Position(long run, long records, long lastOffset) {
    }

    private final Set<TaskReads> running = ConcurrentHashMap.newKeySet();

    /** Where each task reading the lane's input is now. */
    public List<Position> positions() {
        return running.stream().map(TaskReads::position).toList();
    }

    /**
     * A node that counts each record in the lane's {@link LayerMetrics#inputReads()} and its
     * {@code hal9_signals_read_total}, and forwards it unchanged. Each of its tasks must read one
     * partition of the input, as a layer's first sub-topology does (it reads the input topic alone).
     */
    public static <K, V> FixedKeyProcessorSupplier<K, V, V> counter(LayerMetrics metrics) {
        return () -> new Counter<>(metrics);
    }

    /** One task's figures: one writer, its stream thread. */
    private static final class TaskReads {
        private final long run = RUNS.incrementAndGet();
        private volatile long records;
        private volatile long lastOffset = -1;

        void read(long offset) {
            lastOffset = offset;
            records = records + 1; // the one writer
        }

        Position position() {
            long read = records;
            return new Position(run, read, lastOffset);
        }
    }

    private static final class Counter<K, V> implements FixedKeyProcessor<K, V, V> {
        private final InputReads reads;
        private final LayerMetrics metrics;
        private FixedKeyProcessorContext<K, V> context;
        private TaskReads task;

        Counter(LayerMetrics metrics) {
            this.reads = metrics.inputReads();
            this.metrics = metrics;
        }

        @Override
        public void init(FixedKeyProcessorContext<K, V> context) {
            this.context = context;
            close(); // a task initialized again reads as a new run
            task = new TaskReads();
            reads.running.add(task);
        }

        @Override
        public void process(FixedKeyRecord<K, V> record) {
            context.recordMetadata().ifPresent(metadata -> task.read(metadata.offset()));
            metrics.read();
            context.forward(record);
        }

        @Override
        public void close() {
            if (task != null) {
                reads.running.remove(task);
            }
        }
    }
}
