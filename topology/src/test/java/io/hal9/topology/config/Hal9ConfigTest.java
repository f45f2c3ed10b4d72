package io.hal9.topology.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.hal9.neurons.claude.ClaudeSettings;
import io.hal9.neurons.claude.PromptCaching;
import io.hal9.neurons.resilience.BreakerSettings;
import io.hal9.neurons.resilience.CacheSettings;
import io.hal9.neurons.resilience.CapacitySettings;
import io.hal9.topology.autoscale.ReplicaForecast;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class Hal9ConfigTest {

    @Test
    void shouldUseDocumentedDefaults() {
        Hal9Config config = Hal9Config.of(Map.of());

        assertThat(config.layersChain()).containsExactly("L2", "L3", "L4");
        assertThat(config.getInt(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG)).isEqualTo(30_000);
        assertThat(config.getString(Hal9Config.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(config.getString(Hal9Config.TOPIC_RESULTS_CONFIG)).isEqualTo("hal9.results");
    }

    @Test
    void shouldReadTheEnvironmentAndLetExplicitSettingsWin() {
        Hal9Config config = Hal9Config.load(Map.of(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG, "1000"),
                Map.of("HAL9_CLAUDE_TIMEOUT_MS", "5000", "HAL9_LAYERS_CHAIN", "L2,L4"));

        assertThat(config.getInt(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG)).isEqualTo(1000);
        assertThat(config.layersChain()).containsExactly("L2", "L4");
    }

    @Test
    void shouldPassKafkaEnvironmentVariablesToTheClients() {
        Hal9Config config = Hal9Config.load(Map.of(),
                Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "PATH", "/usr/bin"));

        assertThat(config.kafkaProperties()).containsOnly(Map.entry("security.protocol", "SASL_SSL"));
    }

    @Test
    void shouldNameTheKeyOfAnInvalidValue() {
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_CLAUDE_TIMEOUT_MS", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.claude.timeout.ms");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.ADMIN_PORT_CONFIG, 70_000)))
                .hasMessageContaining("hal9.admin.port");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, "localhost:8081")))
                .hasMessageContaining("hal9.schema.registry.url").hasMessageContaining("http://");
    }

    @Test
    void shouldRunEveryLaneByDefaultNormalFirstAndRefuseUnknownLanesOrSharesOverAHundredNamingTheKey() {
        assertThat(Hal9Config.of(Map.of()).lanes()).containsExactly(Lane.NORMAL, Lane.HIGH, Lane.BULK);
        assertThat(Hal9Config.of(Map.of()).laneShares())
                .containsExactlyInAnyOrderEntriesOf(Map.of(Lane.HIGH, 50, Lane.NORMAL, 40, Lane.BULK, 10));
        assertThat(Hal9Config.load(Map.of(), Map.of("HAL9_LANES", "normal")).lanes()).containsExactly(Lane.NORMAL);
        // the shares partition the live limit only where there is more than one lane
        assertThat(Hal9Settings.capacity(Hal9Config.of(Map.of(Hal9Config.LANES_CONFIG, "normal"))).shares()).isEmpty();
        assertThat(Hal9Settings.capacity(Hal9Config.of(Map.of(Hal9Config.LANES_CONFIG, "high,normal"))).shares())
                .containsExactlyInAnyOrderEntriesOf(Map.of("high", 0.5, "normal", 0.4));
        // the process's Claude client carries every layer's calls, and its lanes' beyond the limit: none queue in it
        assertThat(Hal9Settings.clientConcurrency(Hal9Config.of(Map.of()))).isEqualTo(256 * 3 * 2);
        assertThat(Hal9Settings.clientConcurrency(Hal9Config.of(Map.of(Hal9Config.LANES_CONFIG, "normal"))))
                .isEqualTo(256 * 3);

        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LANES_CONFIG, "high,urgent")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(Hal9Config.LANES_CONFIG)
                .hasMessageContaining("unknown lane 'urgent'");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LANES_CONFIG, "high,HIGH")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("only once");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LANES_SHARES_CONFIG, "high=70,normal=40")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(Hal9Config.LANES_SHARES_CONFIG)
                .hasMessageContaining("110 %");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LANES_SHARES_CONFIG, "high:50")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("lane=percent");
    }

    @Test
    void shouldBoundRocksDbMemoryBy64MibUnlessSetTo0OrAtLeast1Mib() {
        assertThat(Hal9Config.of(Map.of()).getLong(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG)).isEqualTo(64L << 20);
        assertThat(Hal9Config.load(Map.of(), Map.of("HAL9_ROCKSDB_MEMORY_BYTES", "0"))
                .getLong(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG)).isZero();
        assertThat(Hal9Config.of(Map.of(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG, "1048576"))
                .getLong(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG)).isEqualTo(1L << 20);

        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG, "1048575")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.rocksdb.memory.bytes").hasMessageContaining("0 (unbounded)");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG, "-1")))
                .hasMessageContaining("hal9.rocksdb.memory.bytes");
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_ROCKSDB_MEMORY_BYTES", "64MiB")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.rocksdb.memory.bytes");
    }

    @Test
    void shouldReadPriceEntriesWithAndWithoutTheirCachePrices() {
        Hal9Config config = Hal9Config.of(Map.of(Hal9Config.CLAUDE_PRICES_CONFIG,
                "claude-haiku-4-5=1/5,claude-opus-4-1=15/75/30/1.5"));

        assertThat(config.claudePrices().get("claude-haiku-4-5")).containsExactly(1, 5);
        assertThat(config.claudePrices().get("claude-opus-4-1")).containsExactly(15, 75, 30, 1.5);
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.CLAUDE_PRICES_CONFIG, "claude-haiku-4-5=1/5/2")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(Hal9Config.CLAUDE_PRICES_CONFIG).hasMessageContaining("cache-write");
    }

    @Test
    void shouldRefuseOrderingByKeyWithContentRoutingNamingBothSettings() {
        // content routing is the default: per-key order cannot hold with it
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_NEURON_ORDERING", "key")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.neuron.ordering=key")
                .hasMessageContaining("hal9.cache.routing=content")
                .hasMessageContaining("HAL9_CACHE_ROUTING=key");
        // with routing by key it is accepted
        Hal9Config byKey = Hal9Config.of(Map.of(Hal9Config.NEURON_ORDERING_CONFIG, "key",
                Hal9Config.CACHE_ROUTING_CONFIG, "key"));
        assertThat(Hal9Settings.stage(byKey).orderByKey()).isTrue();
        assertThat(Hal9Settings.stage(byKey).contentRouting()).isFalse();
        assertThat(Hal9Settings.stage(Hal9Config.of(Map.of())).contentRouting()).isTrue();
    }

    @Test
    void shouldRefuseAPendingLimitBelowTheInFlightCap() {
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG, 512,
                Hal9Config.NEURON_MAX_PENDING_CONFIG, 100)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.neuron.max.pending").hasMessageContaining("hal9.neuron.max.in.flight");
    }

    @Test
    void shouldBuildTheBreakerFromItsKeysAndNameTheKeyOfABadOne() {
        Hal9Config config = Hal9Config.load(Map.of(), Map.of("HAL9_BREAKER_OPEN_MS", "1000",
                "HAL9_BREAKER_OPEN_MULTIPLIER", "3", "HAL9_BREAKER_NO_SUCCESS_MS", "7000"));
        BreakerSettings breaker = Hal9Settings.breaker(config);
        assertThat(breaker.openDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(breaker.openBackoffMultiplier()).isEqualTo(3.0);
        assertThat(breaker.noSuccess()).isEqualTo(Duration.ofSeconds(7));
        assertThat(Hal9Settings.breaker(Hal9Config.of(Map.of()))).isEqualTo(new BreakerSettings(Duration.ofSeconds(10),
                20, 80f, Duration.ofSeconds(5), 3, Duration.ofSeconds(1), Duration.ofSeconds(2), 1.5, 3));

        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_BREAKER_OPEN_MULTIPLIER", "0.5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hal9.breaker.open.multiplier");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.BREAKER_OPEN_MAX_MS_CONFIG, 500)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hal9.breaker.open.max.ms")
                .hasMessageContaining("hal9.breaker.open.ms");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.BREAKER_WINDOW_MS_CONFIG, 1_500)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hal9.breaker.window.ms");
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_BREAKER_OPEN_BACKOFF", "2")))
                .hasMessageContaining("hal9.breaker.open.backoff").hasMessageContaining("unknown");
    }

    @Test
    void shouldBuildEveryComponentsSettingsFromTheDefaults() {
        Hal9Config defaults = Hal9Config.of(Map.of());

        assertThat(Hal9Settings.cache(defaults, "L2")).isEqualTo(new CacheSettings(true, Duration.ofMinutes(10), 64L << 20));
        assertThat(Hal9Settings.cache(defaults, "L3")).isEqualTo(new CacheSettings(true, Duration.ofMinutes(5), 64L << 20));
        assertThat(Hal9Settings.cache(defaults, "L4")).isEqualTo(new CacheSettings(true, Duration.ofMinutes(2), 64L << 20));
        assertThat(Hal9Settings.capacity(defaults).withShares(Map.of()))
                .isEqualTo(new CapacitySettings(256, true, 0.75, 0.05, Duration.ofMillis(250), 0.05));
        ClaudeSettings claude = Hal9Settings.claude(defaults, "sk-test");
        assertThat(claude.baseUrl()).isEqualTo("https://api.anthropic.com");
        assertThat(claude.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(claude.maxRetries()).isZero();
        assertThat(claude.promptCaching()).isEqualTo(PromptCaching.FIVE_MINUTES);
        assertThat(Hal9Settings.admin(defaults)).isEqualTo(new AdminSettings("0.0.0.0", 8080, ""));
        assertThat(Hal9Settings.topics(defaults)).isEqualTo(new TopicSettings("hal9.signals.", "hal9.results",
                "hal9.dlq", "hal9.game.commands", "hal9.game.frames", 8));
        assertThat(Hal9Settings.streams(defaults)).isEqualTo(new StreamsSettings("exactly_once_v2",
                System.getProperty("java.io.tmpdir") + "/hal9-streams", 1, 64L << 20));
        assertThat(Hal9Settings.modelCheck(defaults))
                .isEqualTo(new ModelCheckSettings("auto", "https://api.anthropic.com", Duration.ofSeconds(5)));
        assertThat(Hal9Settings.shutdownDrain(defaults)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldRejectUnknownLayersAndUnknownHal9Keys() {
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L9")))
                .hasMessageContaining("hal9.layers.chain").hasMessageContaining("L9");
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_CLAUDE_TIMEOUT", "5")))
                .hasMessageContaining("hal9.claude.timeout").hasMessageContaining("unknown");
    }

    @Test
    void shouldMapKeysAndEnvironmentNamesBothWays() {
        for (String key : List.of(Hal9Config.CLAUDE_TIMEOUT_MS_CONFIG, Hal9Config.SCHEMA_REGISTRY_URL_CONFIG)) {
            assertThat(Hal9Config.envToKey(Hal9Config.keyToEnv(key))).isEqualTo(key);
        }
        assertThat(Hal9Config.keyToEnv("hal9.claude.timeout.ms")).isEqualTo("HAL9_CLAUDE_TIMEOUT_MS");
    }

    @Test
    void shouldGiveALayerAddedToTheChainItsSettingsWithL4sDefaults() {
        Hal9Config config = Hal9Config.load(Map.of(), Map.of("HAL9_LAYERS_CHAIN", "L2,L3,L4,L5",
                "HAL9_L5_PROMPT_FILE", "/etc/hal9/prompts/L5.md", "HAL9_L5_MAX_TOKENS", "4096"));

        assertThat(config.layersChain()).containsExactly("L2", "L3", "L4", "L5");
        assertThat(config.getString("hal9.l5.prompt.file")).isEqualTo("/etc/hal9/prompts/L5.md");
        assertThat(config.layerMaxTokens("L5")).isEqualTo(4096);
        assertThat(config.layerModel("L5")).isNull();
        assertThat(config.layerCacheTtl("L5")).isEqualTo(config.layerCacheTtl("L4")).hasMinutes(2);
    }

    @Test
    void shouldRequireAPromptFileForALayerWithoutBundledPromptNamingTheKey() {
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_LAYERS_CHAIN", "L2,L5")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.l5.prompt.file").hasMessageContaining("HAL9_L5_PROMPT_FILE")
                .hasMessageContaining("no bundled system prompt");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L5",
                "hal9.l5.prompt.file", " ")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hal9.l5.prompt.file");
    }

    @Test
    void shouldRefuseASettingOfALayerThatIsNeitherBundledNorInTheChain() {
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_L5_PROMPT_FILE", "/etc/hal9/prompts/L5.md")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.l5.prompt.file").hasMessageContaining("unknown HAL9 setting")
                .hasMessageContaining("hal9.layers.chain").hasMessageContaining("[L2, L3, L4]");
        assertThatThrownBy(() -> Hal9Config.of(Map.of("hal9.l6.model", "claude-opus-4-1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hal9.l6.model");
    }

    @Test
    void shouldKeepTheSettingsOfBundledLayersWhateverTheChain() {
        Hal9Config config = Hal9Config.load(Map.of(), Map.of("HAL9_LAYERS_CHAIN", "L2,L4",
                "HAL9_L3_PROMPT_FILE", "/etc/hal9/prompts/L3.md"));

        assertThat(config.getString("hal9.l3.prompt.file")).isEqualTo("/etc/hal9/prompts/L3.md");
        assertThat(config.getString("hal9.l2.prompt.file")).isEmpty();
    }

    @Test
    void shouldRejectALayerNameThatIsNotLAndANumber() {
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,GAME")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hal9.layers.chain").hasMessageContaining("'GAME'").hasMessageContaining("L5");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L2,L5_1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'L5_1'");
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.LAYERS_CHAIN_CONFIG, "L5,l5",
                "hal9.l5.prompt.file", "/p")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("only once");
    }

    @Test
    void shouldDocumentThePromptFileOfEveryBundledLayer() {
        for (String layer : List.of("l2", "l3", "l4")) {
            String key = "hal9." + layer + ".prompt.file";
            assertThat(Hal9Config.definition().configKeys()).containsKey(key);
            assertThat(Hal9Config.definition().configKeys().get(key).defaultValue).isEqualTo("");
            assertThat(Hal9Config.envToKey(Hal9Config.keyToEnv(key))).isEqualTo(key);
        }
        assertThat(Hal9Config.definition().names()).noneMatch(key -> key.startsWith("hal9.l5."));
    }

    @Test
    void shouldReadTheReplicaForecastSettingsWithTheirDefaults() {
        AutoscaleSettings defaults = Hal9Settings.autoscale(Hal9Config.of(Map.of()));

        assertThat(defaults.sampleInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.startup()).isZero();
        assertThat(defaults.reaction()).isEqualTo(Duration.ofSeconds(45));
        assertThat(defaults.forecast()).isEqualTo(new ReplicaForecast.Settings(0.15, 0.03, 1.0, Duration.ofSeconds(30)));
        assertThat(Hal9Settings.forecast(Hal9Config.of(Map.of()))).isEqualTo(defaults.forecast());

        Hal9Config set = Hal9Config.load(Map.of(Hal9Config.AUTOSCALE_ALPHA_CONFIG, "0.5"), Map.of(
                "HAL9_AUTOSCALE_SAMPLE_MS", "250", "HAL9_AUTOSCALE_BETA", "1", "HAL9_AUTOSCALE_UTILIZATION", "0.7",
                "HAL9_AUTOSCALE_DRAIN_MS", "45000", "HAL9_AUTOSCALE_STARTUP_MS", "90000",
                "HAL9_AUTOSCALE_REACTION_MS", "20000"));
        AutoscaleSettings autoscale = Hal9Settings.autoscale(set);
        assertThat(autoscale.sampleInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(autoscale.forecast()).isEqualTo(new ReplicaForecast.Settings(0.5, 1, 0.7, Duration.ofSeconds(45)));
        assertThat(autoscale.startup()).isEqualTo(Duration.ofSeconds(90));
        assertThat(autoscale.reaction()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void shouldLeadByTheMeasuredStartUpUnlessOneIsSetAndByAMinuteBeforeItIsMeasured() {
        AutoscaleSettings measured = Hal9Settings.autoscale(Hal9Config.of(Map.of()));
        AutoscaleSettings set = Hal9Settings.autoscale(Hal9Config.of(Map.of(Hal9Config.AUTOSCALE_STARTUP_MS_CONFIG, 90_000)));

        // 60 s until measured, then what was measured; plus the 45 s reaction
        assertThat(measured.lead(Optional.empty())).isEqualTo(Duration.ofSeconds(105));
        assertThat(measured.lead(Optional.of(Duration.ofSeconds(12)))).isEqualTo(Duration.ofSeconds(57));
        // a start-up set wins over the measured one
        assertThat(set.lead(Optional.empty())).isEqualTo(Duration.ofSeconds(135));
        assertThat(set.lead(Optional.of(Duration.ofSeconds(12)))).isEqualTo(Duration.ofSeconds(135));
    }

    @Test
    void shouldRefuseReplicaForecastSettingsOutOfRangeNamingTheKey() {
        Map<String, Object> invalid = Map.of(
                Hal9Config.AUTOSCALE_SAMPLE_MS_CONFIG, 50,
                Hal9Config.AUTOSCALE_ALPHA_CONFIG, 0,
                Hal9Config.AUTOSCALE_BETA_CONFIG, 1.5,
                Hal9Config.AUTOSCALE_UTILIZATION_CONFIG, -0.85,
                Hal9Config.AUTOSCALE_DRAIN_MS_CONFIG, 500,
                Hal9Config.AUTOSCALE_STARTUP_MS_CONFIG, -1,
                Hal9Config.AUTOSCALE_REACTION_MS_CONFIG, -1);
        invalid.forEach((key, value) -> assertThatThrownBy(() -> Hal9Config.of(Map.of(key, value)))
                .as(key).isInstanceOf(ConfigException.class).hasMessageContaining(key));
        assertThatThrownBy(() -> Hal9Config.of(Map.of(Hal9Config.AUTOSCALE_ALPHA_CONFIG, 0)))
                .hasMessageContaining("above 0 and at most 1");
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_AUTOSCALE_UTILIZATION", "most")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(Hal9Config.AUTOSCALE_UTILIZATION_CONFIG);
        assertThatThrownBy(() -> Hal9Config.load(Map.of(), Map.of("HAL9_AUTOSCALE_ALPHA", "NaN")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(Hal9Config.AUTOSCALE_ALPHA_CONFIG);
    }
}
