package io.hal9.topology.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.layer.LayerSpec;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The Kafka Streams settings a layer runs with, and how {@code KAFKA_*} overrides them. */
class LayerStreamsPropertiesTest {

    @Test
    void shouldNotIdleTasksOfALayerWhoseSubTopologiesEachReadOneTopic() {
        Hal9Config config = Hal9Config.load(Map.of(), Map.of());

        Properties props = LayerRuntime.streamsProperties(LayerSpec.of("L3", config), config);

        assertThat(props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        assertThat(props.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("hal9-l3");
    }

    @Test
    void shouldLetTheEnvironmentSetTaskIdling() {
        Hal9Config config = Hal9Config.load(Map.of(), Map.of("KAFKA_MAX_TASK_IDLE_MS", "250"));

        Properties props = LayerRuntime.streamsProperties(LayerSpec.of("L3", config), config);

        assertThat(props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo("250");
    }

    @Test
    void shouldLeaveTaskIdlingOfOtherApplicationsToKafkaStreams() {
        Hal9Config config = Hal9Config.load(Map.of(), Map.of());

        Properties props = LayerRuntime.streamsProperties("hal9-game", config, Optional.empty());

        assertThat(props).doesNotContainKey(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG);
    }
}
