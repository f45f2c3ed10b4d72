package io.hal9.topology.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.hal9.neurons.claude.ClaudeSettings;
import io.hal9.neurons.claude.PromptCaching;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.resilience.BreakerSettings;
import io.hal9.neurons.resilience.CacheSettings;
import io.hal9.neurons.resilience.CapacitySettings;
import io.hal9.topology.autoscale.ReplicaForecast;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a {@link Hal9Config} into the settings objects HAL9's components take:
 * the neuron stage ({@code hal9.neuron.*}), the breaker ({@code hal9.breaker.*}), a layer's cache
 * ({@code hal9.cache.*}, {@code hal9.<layer>.cache.ttl.ms}), Claude's capacity
 * ({@code hal9.claude.concurrency.*}, {@code hal9.claude.ratelimit.*}), the Claude client
 * ({@code hal9.claude.*}), the start-up model check ({@code hal9.claude.model.check.*}), the replica
 * forecast ({@code hal9.autoscale.*}), the topics ({@code hal9.topic.*}), the Kafka Streams
 * applications ({@code hal9.processing.guarantee}, {@code hal9.state.dir}, ...) and the admin server
 * ({@code hal9.admin.*}). Single values have typed accessors on {@link Hal9Config} itself
 * ({@link Hal9Config#layerModel(String)}, {@link Hal9Config#claudeTimeout()}, ...); nothing else reads
 * a key. The values were validated when the configuration was loaded; the defaults are
 * {@link Hal9Config}'s.
 */
public final class Hal9Settings {

    private static final Logger LOG = LoggerFactory.getLogger(Hal9Settings.class);

    /** The key sent to a simulator, which accepts any key. */
    static final String SIMULATOR_KEY = "hal9-simulator";

    private Hal9Settings() {
    }

    /** How a layer's neuron stage runs ({@code hal9.neuron.*}, {@code hal9.shutdown.drain.ms}). */
    public static StageSettings stage(Hal9Config config) {
        return new StageSettings(
                "async".equals(config.getString(Hal9Config.NEURON_MODE_CONFIG)),
                config.getInt(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG),
                config.getInt(Hal9Config.NEURON_MAX_PENDING_CONFIG),
                "key".equals(config.getString(Hal9Config.NEURON_ORDERING_CONFIG)),
                config.getInt(Hal9Config.NEURON_MAX_ATTEMPTS_CONFIG),
                Duration.ofMillis(config.getInt(Hal9Config.NEURON_RETRY_BACKOFF_MS_CONFIG)),
                Duration.ofMillis(config.getInt(Hal9Config.NEURON_RETRY_BACKOFF_MAX_MS_CONFIG)),
                shutdownDrain(config),
                Duration.ofMillis(config.getInt(Hal9Config.NEURON_AUTH_RETRY_MS_CONFIG)),
                contentRouting(config), config.getLong(Hal9Config.CACHE_MAX_BYTES_CONFIG));
    }

    /** How long calls in flight may finish on shutdown ({@code hal9.shutdown.drain.ms}). */
    public static Duration shutdownDrain(Hal9Config config) {
        return Duration.ofMillis(config.getInt(Hal9Config.SHUTDOWN_DRAIN_MS_CONFIG));
    }

    /** The admin HTTP server ({@code hal9.admin.host}, {@code .port}, {@code .advertised.host}). */
    public static AdminSettings admin(Hal9Config config) {
        return new AdminSettings(config.getString(Hal9Config.ADMIN_HOST_CONFIG),
                config.getInt(Hal9Config.ADMIN_PORT_CONFIG), config.getString(Hal9Config.ADMIN_ADVERTISED_HOST_CONFIG));
    }

    /** The topics' names and partitions ({@code hal9.topic.*}). */
    public static TopicSettings topics(Hal9Config config) {
        return new TopicSettings(config.getString(Hal9Config.TOPIC_SIGNALS_PREFIX_CONFIG),
                config.getString(Hal9Config.TOPIC_RESULTS_CONFIG), config.getString(Hal9Config.TOPIC_DLQ_CONFIG),
                config.getString(Hal9Config.TOPIC_GAME_COMMANDS_CONFIG),
                config.getString(Hal9Config.TOPIC_GAME_FRAMES_CONFIG), config.getInt(Hal9Config.TOPIC_PARTITIONS_CONFIG));
    }

    /** What every Kafka Streams application of the process is given: guarantee, state, threads, RocksDB memory. */
    public static StreamsSettings streams(Hal9Config config) {
        return new StreamsSettings(config.getString(Hal9Config.PROCESSING_GUARANTEE_CONFIG),
                config.getString(Hal9Config.STATE_DIR_CONFIG), config.getInt(Hal9Config.STREAM_THREADS_CONFIG),
                config.getLong(Hal9Config.ROCKSDB_MEMORY_BYTES_CONFIG));
    }

    /** The start-up model check ({@code hal9.claude.model.check}, {@code .timeout.ms}, {@code hal9.claude.base.url}). */
    public static ModelCheckSettings modelCheck(Hal9Config config) {
        return new ModelCheckSettings(config.getString(Hal9Config.CLAUDE_MODEL_CHECK_CONFIG), config.claudeBaseUrl(),
                Duration.ofMillis(config.getInt(Hal9Config.CLAUDE_MODEL_CHECK_TIMEOUT_MS_CONFIG)));
    }

    /**
     * Whether layers route by content ({@code hal9.cache.routing=content}): only with the cache on
     * (without answers to share there is nothing to meet for) and the async stage (the blocking
     * baseline keeps its one shape).
     */
    public static boolean contentRouting(Hal9Config config) {
        return "content".equals(config.getString(Hal9Config.CACHE_ROUTING_CONFIG))
                && config.getBoolean(Hal9Config.CACHE_ENABLED_CONFIG)
                && "async".equals(config.getString(Hal9Config.NEURON_MODE_CONFIG));
    }

    /**
     * How a layer instance shares Claude: its live limit under {@code hal9.neuron.max.in.flight},
     * pacing, and with more than one lane the share of the limit each lane is sure of
     * ({@code hal9.lanes.shares}).
     */
    public static CapacitySettings capacity(Hal9Config config) {
        List<Lane> lanes = config.lanes();
        Map<String, Double> shares = new HashMap<>();
        if (lanes.size() > 1) {
            config.laneShares().forEach((lane, percent) -> {
                if (lanes.contains(lane)) {
                    shares.put(lane.label(), percent / 100.0);
                }
            });
        }
        return new CapacitySettings(config.getInt(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG),
                config.getBoolean(Hal9Config.CONCURRENCY_ADAPTIVE_CONFIG),
                config.getDouble(Hal9Config.CONCURRENCY_BACKOFF_RATIO_CONFIG),
                config.getDouble(Hal9Config.CONCURRENCY_TOLERANCE_CONFIG),
                Duration.ofMillis(config.getInt(Hal9Config.CONCURRENCY_WINDOW_MIN_MS_CONFIG)),
                config.getDouble(Hal9Config.RATELIMIT_PACE_BELOW_CONFIG), shares);
    }

    /** The circuit breaker around a layer's Claude calls ({@code hal9.breaker.*}). */
    public static BreakerSettings breaker(Hal9Config config) {
        return new BreakerSettings(Duration.ofMillis(config.getInt(Hal9Config.BREAKER_WINDOW_MS_CONFIG)),
                config.getInt(Hal9Config.BREAKER_MIN_CALLS_CONFIG),
                config.getInt(Hal9Config.BREAKER_FAILURE_RATE_PERCENT_CONFIG),
                Duration.ofMillis(config.getInt(Hal9Config.BREAKER_NO_SUCCESS_MS_CONFIG)),
                config.getInt(Hal9Config.BREAKER_NO_SUCCESS_MIN_FAILURES_CONFIG),
                Duration.ofMillis(config.getInt(Hal9Config.BREAKER_OPEN_MS_CONFIG)),
                Duration.ofMillis(config.getInt(Hal9Config.BREAKER_OPEN_MAX_MS_CONFIG)),
                config.getDouble(Hal9Config.BREAKER_OPEN_MULTIPLIER_CONFIG),
                config.getInt(Hal9Config.BREAKER_HALF_OPEN_CALLS_CONFIG));
    }

    /** The neuron cache of {@code layer}: on or off, its TTL and the byte bound. */
    public static CacheSettings cache(Hal9Config config, String layer) {
        return new CacheSettings(config.getBoolean(Hal9Config.CACHE_ENABLED_CONFIG), config.layerCacheTtl(layer),
                config.getLong(Hal9Config.CACHE_MAX_BYTES_CONFIG));
    }

    /**
     * The replica forecast's arithmetic ({@code hal9.autoscale.alpha}, {@code .beta},
     * {@code .utilization}, {@code .drain.ms}): what a layer uses, and what a simulation of the
     * layers' scaling should use to match them.
     */
    public static ReplicaForecast.Settings forecast(Hal9Config config) {
        return new ReplicaForecast.Settings(config.getDouble(Hal9Config.AUTOSCALE_ALPHA_CONFIG),
                config.getDouble(Hal9Config.AUTOSCALE_BETA_CONFIG),
                config.getDouble(Hal9Config.AUTOSCALE_UTILIZATION_CONFIG),
                Duration.ofMillis(config.getInt(Hal9Config.AUTOSCALE_DRAIN_MS_CONFIG)));
    }

    /** How a layer samples its input and forecasts its replicas ({@code hal9.autoscale.*}). */
    public static AutoscaleSettings autoscale(Hal9Config config) {
        return new AutoscaleSettings(Duration.ofMillis(config.getInt(Hal9Config.AUTOSCALE_SAMPLE_MS_CONFIG)),
                Duration.ofMillis(config.getInt(Hal9Config.AUTOSCALE_STARTUP_MS_CONFIG)),
                Duration.ofMillis(config.getInt(Hal9Config.AUTOSCALE_REACTION_MS_CONFIG)), forecast(config));
    }

    /**
     * The Claude client's settings: real Claude at {@code hal9.claude.base.url} when an API key is
     * given; without a key, the simulator at {@code hal9.claude.simulator.url} if one is configured,
     * else {@code hal9.claude.base.url} when it is not Anthropic's. The HTTP layer is sized for
     * every call the stage may have in flight ({@code hal9.neuron.max.in.flight}). Logs which
     * endpoint is used, never the key.
     *
     * @param apiKeyOrNull the value of {@code ANTHROPIC_API_KEY}, null or blank when unset
     * @throws IllegalArgumentException when Anthropic's API is configured but no key is given
     */
    public static ClaudeSettings claude(Hal9Config config, String apiKeyOrNull) {
        String baseUrl = config.claudeBaseUrl();
        String simulatorUrl = config.getString(Hal9Config.CLAUDE_SIMULATOR_URL_CONFIG);
        String key = apiKeyOrNull;
        if (key == null || key.isBlank()) {
            if (!simulatorUrl.isEmpty()) {
                baseUrl = simulatorUrl;
            } else if (baseUrl.contains("api.anthropic.com")) {
                throw new IllegalArgumentException("ANTHROPIC_API_KEY is not set, and " + Hal9Config.CLAUDE_BASE_URL_CONFIG
                        + "=" + baseUrl + " needs it; set the key, or point " + Hal9Config.keyToEnv(
                        Hal9Config.CLAUDE_BASE_URL_CONFIG) + " at a simulator (hal9 claude-sim)");
            }
            key = SIMULATOR_KEY;
            LOG.info("ANTHROPIC_API_KEY is not set: neuron calls go to the simulator at {}", baseUrl);
        } else {
            LOG.info("neuron calls go to {} (API key from ANTHROPIC_API_KEY)", baseUrl);
        }
        return new ClaudeSettings(key, baseUrl, config.claudeTimeout(), config.claudeMaxRetries(),
                clientConcurrency(config),
                PromptCaching.of(config.getString(Hal9Config.CLAUDE_PROMPT_CACHE_CONFIG)));
    }

    /**
     * The model catalog of {@code hal9.claude.model.catalog.file}, or the bundled one when it is empty.
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the key and the file when it
     *         cannot be read or is not a catalog
     */
    public static ModelCatalog catalog(Hal9Config config) {
        String file = config.getString(Hal9Config.CLAUDE_MODEL_CATALOG_FILE_CONFIG);
        if (file.isBlank()) {
            return ModelCatalog.bundled();
        }
        try {
            return ModelCatalog.load(java.nio.file.Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new org.apache.kafka.common.config.ConfigException(Hal9Config.CLAUDE_MODEL_CATALOG_FILE_CONFIG,
                    file, e.getMessage());
        }
    }

    /**
     * The calls a process's Claude client must carry at once, so that no call queues in it behind
     * another layer's or lane's: {@code hal9.neuron.max.in.flight} for every layer of the chain (a
     * process may run them all), twice that with lanes (at the live limit, a lane under its share
     * still starts its calls, up to the limit again in all). Calls beyond it would wait in the HTTP
     * client in arrival order, a high lane's behind a normal backlog's.
     */
    static int clientConcurrency(Hal9Config config) {
        long calls = (long) config.getInt(Hal9Config.NEURON_MAX_IN_FLIGHT_CONFIG) * config.layersChain().size()
                * (config.lanes().size() > 1 ? 2 : 1);
        return (int) Math.min(Integer.MAX_VALUE, calls);
    }
}
