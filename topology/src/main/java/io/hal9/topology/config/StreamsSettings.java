package io.hal9.topology.config;

/**
 * What every Kafka Streams application of the process is given ({@code hal9.processing.guarantee},
 * {@code hal9.state.dir}, {@code hal9.stream.threads}, {@code hal9.rocksdb.memory.bytes}; built by
 * {@link Hal9Settings#streams(Hal9Config)}).
 *
 * @param processingGuarantee {@code exactly_once_v2} or {@code at_least_once}
 * @param stateDir            the state directory
 * @param streamThreads       stream threads per application
 * @param rocksDbMemoryBytes  the memory bound of an application instance's RocksDB stores, 0 for none
 */
public record StreamsSettings(String processingGuarantee, String stateDir, int streamThreads,
                              long rocksDbMemoryBytes) {
}
