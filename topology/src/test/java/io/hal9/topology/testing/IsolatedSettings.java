package io.hal9.topology.testing;

import java.util.HashMap;
import java.util.Map;

import io.hal9.topology.config.Hal9Config;

import org.junit.jupiter.api.TestInfo;

/**
 * Settings that give one test its own topics (layers, results, DLQ, the game's) and its own
 * application ids on a shared broker, with the admin server on a free loopback port. Tests add
 * what they need (state directory, Claude endpoint, ...) to the mutable map returned.
 */
public final class IsolatedSettings {

    private IsolatedSettings() {
    }

    /** Names derived from {@link KafkaFixture#topicName(TestInfo, String)} for {@code test}. */
    public static Map<String, Object> of(TestInfo test, String bootstrapServers, String registryUrl) {
        String prefix = KafkaFixture.topicName(test, "");
        Map<String, Object> settings = new HashMap<>();
        settings.put(Hal9Config.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, registryUrl);
        settings.put(Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG, prefix + "signals.");
        settings.put(Hal9Config.TOPIC_RESULTS_CONFIG, prefix + "results");
        settings.put(Hal9Config.TOPIC_DLQ_CONFIG, prefix + "dlq");
        settings.put(Hal9Config.TOPIC_GAME_COMMANDS_CONFIG, prefix + "game.commands");
        settings.put(Hal9Config.TOPIC_GAME_FRAMES_CONFIG, prefix + "game.frames");
        settings.put(Hal9Config.APPLICATION_ID_PREFIX_CONFIG, prefix + "hal9-");
        settings.put(Hal9Config.ADMIN_PORT_CONFIG, 0);
        settings.put(Hal9Config.ADMIN_HOST_CONFIG, "127.0.0.1");
        return settings;
    }
}
