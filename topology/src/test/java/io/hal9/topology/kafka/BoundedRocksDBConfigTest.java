package io.hal9.topology.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.internals.BlockBasedTableConfigWithAccessibleCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

/** How one application instance's stores share its RocksDB memory, and how that memory is added up. */
class BoundedRocksDBConfigTest {

    private static final long MIB = 1024 * 1024;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeNativeObjects() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    @Test
    void shouldPutEveryStoreOnTheSharedCacheWithIndexAndFiltersCachedAndMemtablesChargedToIt() {
        RocksDBMemory memory = memory(64 * MIB);
        Options options = storeOptions();

        new BoundedRocksDBConfig().setConfig("l2-neuron-cache", options, configsOf(memory));

        BlockBasedTableConfigWithAccessibleCache table = (BlockBasedTableConfigWithAccessibleCache)
                options.tableFormatConfig();
        assertThat(table.blockCache()).isSameAs(memory.cache());
        assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
        assertThat(table.cacheIndexAndFilterBlocksWithHighPriority()).isTrue();
        assertThat(table.pinTopLevelIndexAndFilter()).isTrue();
        assertThat(options.writeBufferManager()).isSameAs(memory.writeBuffers());
        // half of the bound for memtables, an eighth of that per store
        assertThat(options.writeBufferSize()).isEqualTo(4 * MIB);
    }

    @Test
    void shouldShareOneCacheAmongTheStoresOfAnInstanceAndNotBetweenInstances() {
        RocksDBMemory first = memory(16 * MIB);
        RocksDBMemory second = memory(16 * MIB);
        Options inflight = storeOptions();
        Options answers = storeOptions();
        Options otherInstance = storeOptions();

        new BoundedRocksDBConfig().setConfig("l2-inflight", inflight, configsOf(first));
        new BoundedRocksDBConfig().setConfig("l2-neuron-cache", answers, configsOf(first));
        new BoundedRocksDBConfig().setConfig("l2-neuron-cache", otherInstance, configsOf(second));

        assertThat(cacheOf(inflight)).isSameAs(cacheOf(answers)).isSameAs(first.cache());
        assertThat(inflight.writeBufferManager()).isSameAs(answers.writeBufferManager());
        assertThat(cacheOf(otherInstance)).isSameAs(second.cache()).isNotSameAs(first.cache());
        assertThat(otherInstance.writeBufferManager()).isNotSameAs(first.writeBuffers());
    }

    @Test
    void shouldLeaveTheSharedCacheOpenWhenAStoreCloses() {
        RocksDBMemory memory = memory(16 * MIB);
        BoundedRocksDBConfig setter = new BoundedRocksDBConfig();
        Options closing = storeOptions();
        setter.setConfig("l2-inflight", closing, configsOf(memory));

        setter.close("l2-inflight", closing);

        assertThat(memory.cache().isOwningHandle()).isTrue();
        assertThat(memory.writeBuffers().isOwningHandle()).isTrue();
        // and the next store of the instance still gets them
        Options next = storeOptions();
        new BoundedRocksDBConfig().setConfig("l2-inflight", next, configsOf(memory));
        assertThat(cacheOf(next)).isSameAs(memory.cache());
    }

    @Test
    void shouldCloseTheSharedObjectsWithTheirOwner() {
        RocksDBMemory memory = RocksDBMemory.bounded(16 * MIB).orElseThrow();

        memory.close();

        assertThat(memory.cache().isOwningHandle()).isFalse();
        assertThat(memory.writeBuffers().isOwningHandle()).isFalse();
    }

    @Test
    void shouldNameWhatIsMissingWhenTheInstancesMemoryIsNotInTheConfiguration() {
        assertThatThrownBy(() -> new BoundedRocksDBConfig().setConfig("l2-inflight", storeOptions(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(RocksDBMemory.CONFIG);
    }

    @Test
    void shouldNameTheSetterAndCarryTheMemoryInTheStreamsProperties() {
        RocksDBMemory memory = memory(16 * MIB);

        Properties props = memory.applyTo(new Properties());

        assertThat(props).containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDBConfig.class)
                .containsEntry(RocksDBMemory.CONFIG, memory);
    }

    @Test
    void shouldBeUnboundedAtZero() {
        assertThat(RocksDBMemory.bounded(0)).isEmpty();
    }

    @Test
    void shouldKeepCacheShardsLargeEnoughForTheWriteBufferReservations() {
        assertThat(RocksDBMemory.shardBits(MIB)).isZero();
        assertThat(RocksDBMemory.shardBits(8 * MIB)).isZero();
        assertThat(RocksDBMemory.shardBits(16 * MIB)).isEqualTo(1);
        assertThat(RocksDBMemory.shardBits(64 * MIB)).isEqualTo(3);
        assertThat(RocksDBMemory.shardBits(64 * 1024 * MIB)).isEqualTo(RocksDBMemory.MAX_SHARD_BITS);
    }

    @Test
    void shouldCountASharedCacheOnceAndMemtablesOnlyBeyondIt() {
        // Given two stores of two tasks on one shared cache that holds 5 MB, memtables charged to it
        Map<MetricName, Metric> metrics = new HashMap<>();
        put(metrics, "0_1", "l2-inflight", 5_000_000, 1_000_000, 10_000);
        put(metrics, "0_1", "l2-neuron-cache", 5_000_000, 2_000_000, 20_000);
        put(metrics, "0_2", "l2-neuron-cache", 5_000_000, 500_000, 30_000);

        // Then the cache counts once, the table readers of every store beside it
        assertThat(RocksDBMemory.inUse(metrics, true)).isEqualTo(5_000_000 + 60_000);

        // and memtables the cache could not hold are added
        put(metrics, "0_3", "l2-inflight", 5_000_000, 4_000_000, 0);
        assertThat(RocksDBMemory.inUse(metrics, true)).isEqualTo(5_000_000 + 60_000 + 2_500_000);
    }

    @Test
    void shouldAddUpEveryStoresOwnCacheMemtablesAndTableReadersWhenUnbounded() {
        Map<MetricName, Metric> metrics = new HashMap<>();
        put(metrics, "0_1", "l2-inflight", 1_000, 200, 30);
        put(metrics, "0_2", "l2-inflight", 2_000, 400, 60);
        // and metrics of other groups are not counted
        MetricName other = new MetricName("block-cache-usage", "stream-task-metrics", "", Map.of());
        metrics.put(other, metric(other, 1_000_000));

        assertThat(RocksDBMemory.inUse(metrics, false)).isEqualTo(3_000 + 600 + 90);
    }

    private RocksDBMemory memory(long bytes) {
        RocksDBMemory memory = RocksDBMemory.bounded(bytes).orElseThrow();
        opened.add(memory);
        return memory;
    }

    /** Options as Kafka Streams hands them to the setter: its own table config, able to show its cache. */
    private Options storeOptions() {
        Options options = new Options();
        options.setTableFormatConfig(new BlockBasedTableConfigWithAccessibleCache());
        opened.add(options);
        return options;
    }

    private static Object cacheOf(Options options) {
        return ((BlockBasedTableConfigWithAccessibleCache) options.tableFormatConfig()).blockCache();
    }

    private static Map<String, Object> configsOf(RocksDBMemory memory) {
        Map<String, Object> configs = new HashMap<>();
        configs.put(StreamsConfig.APPLICATION_ID_CONFIG, "hal9-l2");
        configs.put(RocksDBMemory.CONFIG, memory);
        return configs;
    }

    private static void put(Map<MetricName, Metric> metrics, String task, String store, long cache, long memtables,
                            long readers) {
        Map<String, String> tags = Map.of("thread-id", "t-1", "task-id", task, "rocksdb-state-id", store);
        for (Map.Entry<String, Long> figure : Map.of(RocksDBMemory.BLOCK_CACHE_USAGE, cache,
                RocksDBMemory.MEMTABLES, memtables, RocksDBMemory.TABLE_READERS, readers).entrySet()) {
            MetricName name = new MetricName(figure.getKey(), RocksDBMemory.STATE_METRICS_GROUP, "", tags);
            metrics.put(name, metric(name, figure.getValue()));
        }
    }

    private static Metric metric(MetricName name, long value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return name;
            }

            @Override
            public Object metricValue() {
                return java.math.BigInteger.valueOf(value);
            }
        };
    }
}
