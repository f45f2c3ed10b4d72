package io.hal9.topology.kafka;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.StreamsConfig;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * The RocksDB memory of one Kafka Streams application instance ({@code hal9.rocksdb.memory.bytes}):
 * one block cache shared by every store of every task, and a write-buffer manager that charges the
 * stores' memtables to that cache, so data blocks, index and filter blocks and memtables together
 * stay within one bound, as Kafka Streams' memory-management guide describes.
 *
 * <p><b>How to use.</b> The owner of a {@code KafkaStreams} creates one with {@link #bounded},
 * {@link #applyTo}s it to the application's properties (which names {@link BoundedRocksDBConfig} as
 * {@code rocksdb.config.setter} and passes this object along under {@link #CONFIG}), and
 * {@link #close}s it after the application has closed. Several instances in one JVM (the benchmark's
 * {@code --instances}, the layers of {@code hal9 demo}) each have their own: nothing is static.
 *
 * <p><b>The shape.</b> An {@link LRUCache} of the bound, not strict (an insert while everything in it is
 * pinned goes over the bound for a moment rather than failing the read, and a failed read would stop
 * the stream thread: Kafka Streams' memory-management guide leaves it off too), a tenth kept
 * for index and filter blocks (high priority), in shards of at least {@link #MIN_SHARD_BYTES}; a
 * {@link WriteBufferManager} of half the bound charged to the cache; each store's memtable an eighth
 * of that (between {@link #MIN_WRITE_BUFFER_BYTES} and Kafka Streams' 16 MiB), so that the memtables
 * of many tasks start small. The other half of the cache holds blocks read (answers looked up) and
 * the index and filter blocks, which are cached, not held beside it.
 *
 * <p><b>Measuring.</b> {@link #inUse} reads Kafka Streams' RocksDB metrics (recorded at the default
 * INFO level): the shared cache's usage once, plus the table readers' memory outside the cache of
 * every store; memtables count within the cache, and only what of them the cache does not hold
 * (when a reservation found the cache full) is added.
 *
 * <p><b>Current limitations.</b> Memory RocksDB allocates outside its accounting (allocator overhead,
 * the per-store objects) is not bounded or reported. While the cache is full of pinned entries
 * (reservations and blocks in use) a read goes over the bound for a moment; the half left to blocks
 * read keeps that far.
 */
public final class RocksDBMemory implements AutoCloseable {

    /** The streams-config entry that carries an instance's shared memory to {@link BoundedRocksDBConfig}. */
    public static final String CONFIG = "hal9.rocksdb.memory.shared";

    /** Share of the bound the memtables may take; the rest holds blocks read. */
    static final double MEMTABLE_SHARE = 0.5;
    /** Share of the cache kept for index and filter blocks. */
    static final double HIGH_PRIORITY_SHARE = 0.1;
    /** Each store's memtable is this fraction of all the memtables' share. */
    static final int WRITE_BUFFERS_PER_SHARE = 8;
    static final long MIN_WRITE_BUFFER_BYTES = 64L * 1024;
    /** Kafka Streams' own memtable size. */
    static final long MAX_WRITE_BUFFER_BYTES = 16L * 1024 * 1024;
    /**
     * Smallest cache shard: the capacity is kept per shard, and the write-buffer manager
     * reserves in 256 KiB entries, so a shard must hold many of them beside the blocks read.
     */
    static final long MIN_SHARD_BYTES = 8L * 1024 * 1024;
    static final int MAX_SHARD_BITS = 6;

    /** Kafka Streams' metrics group of state stores, and the RocksDB figures read from it. */
    static final String STATE_METRICS_GROUP = "stream-state-metrics";
    static final String BLOCK_CACHE_USAGE = "block-cache-usage";
    static final String MEMTABLES = "size-all-mem-tables";
    static final String TABLE_READERS = "estimate-table-readers-mem";

    static {
        // the cache may be made before any store has loaded RocksDB's native library
        RocksDB.loadLibrary();
    }

    private final long boundBytes;
    private final LRUCache cache;
    private final WriteBufferManager writeBuffers;
    private final long writeBufferBytes;

    private RocksDBMemory(long boundBytes) {
        this.boundBytes = boundBytes;
        this.cache = new LRUCache(boundBytes, shardBits(boundBytes), false, HIGH_PRIORITY_SHARE);
        long memtables = (long) (boundBytes * MEMTABLE_SHARE);
        this.writeBuffers = new WriteBufferManager(memtables, cache);
        this.writeBufferBytes = Math.max(MIN_WRITE_BUFFER_BYTES,
                Math.min(MAX_WRITE_BUFFER_BYTES, memtables / WRITE_BUFFERS_PER_SHARE));
    }

    /**
     * The shared memory of one application instance, or none when {@code boundBytes} is 0
     * (RocksDB as Kafka Streams configures it, unbounded).
     */
    public static Optional<RocksDBMemory> bounded(long boundBytes) {
        if (boundBytes < 0) {
            throw new IllegalArgumentException("a memory bound cannot be negative: " + boundBytes);
        }
        return boundBytes == 0 ? Optional.empty() : Optional.of(new RocksDBMemory(boundBytes));
    }

    /** Bits of shards: one shard per {@link #MIN_SHARD_BYTES} at least, at most 2^{@link #MAX_SHARD_BITS}. */
    static int shardBits(long boundBytes) {
        int bits = 0;
        while (bits < MAX_SHARD_BITS && boundBytes >> (bits + 1) >= MIN_SHARD_BYTES) {
            bits++;
        }
        return bits;
    }

    /** Makes every RocksDB store of the application with {@code props} use this memory. */
    public Properties applyTo(Properties props) {
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDBConfig.class);
        props.put(CONFIG, this);
        return props;
    }

    /** Configures one store: the shared cache and write-buffer manager, index and filters cached. */
    void configure(Options options) {
        // the table config Kafka Streams installed, so that its metrics see the cache set here
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBuffers);
        options.setWriteBufferSize(writeBufferBytes);
        options.setTableFormatConfig(table);
    }

    public long boundBytes() {
        return boundBytes;
    }

    LRUCache cache() {
        return cache;
    }

    WriteBufferManager writeBuffers() {
        return writeBuffers;
    }

    long writeBufferBytes() {
        return writeBufferBytes;
    }

    @Override
    public String toString() {
        return "RocksDBMemory[" + boundBytes + " bytes, memtables " + (long) (boundBytes * MEMTABLE_SHARE)
                + " of them, " + writeBufferBytes + " per store]";
    }

    /** Frees the cache and write-buffer manager; only after every store using them has closed. */
    @Override
    public void close() {
        writeBuffers.close();
        cache.close();
    }

    /**
     * The RocksDB memory an application instance holds now, from its Kafka Streams metrics
     * ({@code KafkaStreams#metrics()}).
     *
     * @param sharedCache whether every store uses one cache ({@link #bounded}) that the memtables are
     *                    charged to; if not, each store's own cache, memtables and table readers add up
     */
    public static long inUse(Map<MetricName, ? extends Metric> metrics, boolean sharedCache) {
        long cacheMax = 0;
        long cacheSum = 0;
        long memtables = 0;
        long readers = 0;
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            MetricName name = entry.getKey();
            if (!STATE_METRICS_GROUP.equals(name.group())) {
                continue;
            }
            // one metric per store of a task, told apart by its tags
            long value = value(entry.getValue());
            switch (name.name()) {
                case BLOCK_CACHE_USAGE -> {
                    cacheMax = Math.max(cacheMax, value);
                    cacheSum += value;
                }
                case MEMTABLES -> memtables += value;
                case TABLE_READERS -> readers += value;
                default -> {
                }
            }
        }
        return sharedCache ? cacheMax + readers + Math.max(0, memtables - cacheMax) : cacheSum + memtables + readers;
    }

    private static long value(Metric metric) {
        Object value = metric.metricValue();
        return value instanceof Number number ? number.longValue() : 0;
    }
}
