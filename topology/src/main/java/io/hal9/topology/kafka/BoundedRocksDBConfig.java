package io.hal9.topology.kafka;

import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * The {@code rocksdb.config.setter} of HAL9's Kafka Streams applications: every store of one
 * application instance uses that instance's {@link RocksDBMemory}, found in the streams
 * configuration under {@link RocksDBMemory#CONFIG} ({@link RocksDBMemory#applyTo} puts both there).
 *
 * <p>Kafka Streams creates one setter per store; the cache and write-buffer manager belong to the
 * {@link RocksDBMemory}, shared by every store, so {@link #close} leaves them open: the
 * application's owner closes them once the application has closed.
 */
public final class BoundedRocksDBConfig implements RocksDBConfigSetter {

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object memory = configs.get(RocksDBMemory.CONFIG);
        if (!(memory instanceof RocksDBMemory shared)) {
            throw new ConfigException(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, getClass().getName(),
                    "needs the application's " + RocksDBMemory.class.getSimpleName() + " under "
                            + RocksDBMemory.CONFIG + " (RocksDBMemory.applyTo), found " + memory);
        }
        shared.configure(options);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and write-buffer manager are shared by every store of the instance: its owner closes them
    }
}
