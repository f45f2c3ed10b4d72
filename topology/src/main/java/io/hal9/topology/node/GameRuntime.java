package io.hal9.topology.node;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.game.GameTopology;
import io.hal9.topology.kafka.RocksDBMemory;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running game application ({@code hal9-game}): builds the {@link GameTopology}, owns its
 * {@link KafkaStreams} and advertises this instance's admin server as {@code application.server},
 * so any instance can find the owner of a game for a query.
 */
public final class GameRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GameRuntime.class);
    static final String NAME = "GAME";

    private final String applicationId;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final Topics topics;
    private final Hal9Config config;
    private final Optional<RocksDBMemory> storeMemory;

    /** @param applicationServer {@code host:port} of this instance's admin server, as other instances reach it */
    public GameRuntime(Hal9Config config, Topics topics, MeterRegistry registry, String applicationServer) {
        this.config = config;
        this.topics = topics;
        this.applicationId = applicationId(config);
        this.storeMemory = LayerRuntime.storeMemory(config);
        Properties props = LayerRuntime.streamsProperties(applicationId, config, storeMemory);
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        StreamsBuilder builder = new StreamsBuilder();
        GameTopology.build(builder, topics, config.layersChain().get(0));
        this.streams = new KafkaStreams(builder.build(), props);
        this.streams.setUncaughtExceptionHandler(error -> {
            LOG.error("game stream thread failed; the instance shuts down so its partitions move", error);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        this.streamsMetrics = new KafkaStreamsMetrics(streams, Tags.of("layer", NAME));
        this.streamsMetrics.bindTo(registry);
        LayerMetrics.bindStoreMemory(registry, Tags.of("layer", NAME, "lane", "none"),
                () -> RocksDBMemory.inUse(streams.metrics(), storeMemory.isPresent()),
                storeMemory.map(RocksDBMemory::boundBytes).orElse(0L));
    }

    /** {@code hal9-game} with the default prefix. */
    public static String applicationId(Hal9Config config) {
        return config.applicationIdPrefix() + "game";
    }

    /**
     * Starts the application once its two inputs are known to be co-partitioned.
     *
     * @throws ConfigException when the commands and results topics have different partition counts
     */
    public void start() {
        requireCoPartitioned();
        streams.start();
    }

    private void requireCoPartitioned() {
        String commands = topics.rawGameCommands().name();
        String results = topics.results().name();
        Properties admin = new Properties();
        admin.putAll(config.kafkaProperties());
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        try (Admin client = Admin.create(admin)) {
            Map<String, TopicDescription> described = client.describeTopics(List.of(commands, results))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            int commandPartitions = described.get(commands).partitions().size();
            int resultPartitions = described.get(results).partitions().size();
            if (commandPartitions != resultPartitions) {
                throw new ConfigException(Hal9Config.TOPIC_GAME_COMMANDS_CONFIG, commands, "has "
                        + commandPartitions + " partitions but " + results + " has " + resultPartitions
                        + "; the game reads both into one store by game id, so they need the same count");
            }
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + commands + " and " + results + " (do they exist? "
                    + "hal9 topics creates them): " + e.getMessage(), e);
        }
    }

    public String applicationId() {
        return applicationId;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public void close(Duration timeout) {
        long started = System.nanoTime();
        boolean closed = streams.close(CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        streamsMetrics.close();
        if (closed) {
            storeMemory.ifPresent(RocksDBMemory::close);
        }
        LOG.info("game closed in {} ms", Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
