package io.hal9.topology.config;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.Prompts;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/**
 * HAL9 Streams settings: lower-case dotted keys with units, each with a default and a doc string
 * saying when to change it.
 *
 * <p><b>How to use.</b> {@link #load(Map, Map)} merges, from lowest to highest precedence, the
 * defaults, the environment and the explicit settings (command-line flags, tests). In the environment
 * {@code HAL9_CLAUDE_TIMEOUT_MS=5000} overrides {@code hal9.claude.timeout.ms}, and
 * {@code KAFKA_FOO_BAR=x} passes {@code foo.bar=x} to the Kafka clients ({@link #kafkaProperties()}).
 *
 * <p><b>Per-layer settings.</b> Every layer of {@code hal9.layers.chain} has
 * {@code hal9.<layer>.model}, {@code .max.tokens}, {@code .cache.ttl.ms} and {@code .prompt.file};
 * the bundled layers (L2, L3, L4) have them whatever the chain. A layer without a bundled prompt
 * (any other {@code L<n>}) must name its prompt file; it gets L4's model, max tokens and cache TTL.
 * A per-layer setting of a layer that is neither bundled nor in the chain is refused like any
 * unknown key: it is a typo or a leftover.
 *
 * <p><b>Requirements.</b> A value that does not parse or is out of range fails at start-up with a
 * {@link ConfigException} that names the key.
 */
public final class Hal9Config extends AbstractConfig {

    public static final String ENV_PREFIX = "HAL9_";
    public static final String KAFKA_ENV_PREFIX = "KAFKA_";

    public static final String BOOTSTRAP_SERVERS_CONFIG = "hal9.bootstrap.servers";
    public static final String BOOTSTRAP_SERVERS_DEFAULT = "localhost:9092";
    public static final String BOOTSTRAP_SERVERS_DOC =
            "Kafka brokers the layers connect to. Change it for any cluster other than a local one.";

    public static final String SCHEMA_REGISTRY_URL_CONFIG = "hal9.schema.registry.url";
    public static final String SCHEMA_REGISTRY_URL_DEFAULT = "http://localhost:8081";
    public static final String SCHEMA_REGISTRY_URL_DOC =
            "Schema registry speaking the Confluent REST API. Point it at your registry; the demo serves its own.";

    public static final String LAYERS_CHAIN_CONFIG = "hal9.layers.chain";
    public static final String LAYERS_CHAIN_DEFAULT = "L2,L3,L4";
    public static final String LAYERS_CHAIN_DOC =
            "The neuron graph: the layers in the order a signal visits them; the last one writes to the results topic. "
                    + "Change it to run a shorter, reordered or longer hierarchy: a layer other than L2, L3, L4 "
                    + "(e.g. L5) needs its hal9.<layer>.prompt.file.";

    public static final String APPLICATION_ID_PREFIX_CONFIG = "hal9.application.id.prefix";
    public static final String APPLICATION_ID_PREFIX_DEFAULT = "hal9-";
    public static final String APPLICATION_ID_PREFIX_DOC =
            "Prefix of each layer's Kafka Streams application.id (consumer group): hal9-l3 for L3. Change it, "
                    + "together with the topic names, to run several hierarchies on one cluster.";

    public static final String TOPIC_SIGNALS_PREFIX_CONFIG = "hal9.topic.signals.prefix";
    public static final String TOPIC_SIGNALS_PREFIX_DEFAULT = "hal9.signals.";
    public static final String TOPIC_SIGNALS_PREFIX_DOC =
            "Prefix of each layer's input topic (the layer name in lower case follows). Change it to run several "
                    + "hierarchies on one cluster.";

    public static final String TOPIC_RESULTS_CONFIG = "hal9.topic.results";
    public static final String TOPIC_RESULTS_DEFAULT = "hal9.results";
    public static final String TOPIC_RESULTS_DOC = "Topic the last layer writes its results to.";

    public static final String TOPIC_DLQ_CONFIG = "hal9.topic.dlq";
    public static final String TOPIC_DLQ_DEFAULT = "hal9.dlq";
    public static final String TOPIC_DLQ_DOC = "Topic every layer writes dead letters to.";

    public static final String TOPIC_GAME_COMMANDS_CONFIG = "hal9.topic.game.commands";
    public static final String TOPIC_GAME_COMMANDS_DEFAULT = "hal9.game.commands";
    public static final String TOPIC_GAME_COMMANDS_DOC = "Topic of the game commands (key: the game id). "
            + "It must have as many partitions as the results topic: the game reads both into one store.";

    public static final String TOPIC_GAME_FRAMES_CONFIG = "hal9.topic.game.frames";
    public static final String TOPIC_GAME_FRAMES_DEFAULT = "hal9.game.frames";
    public static final String TOPIC_GAME_FRAMES_DOC =
            "Compacted topic of the game frames (key: the game id): the latest screen of every game.";

    public static final String GAME_ENABLED_CONFIG = "hal9.game.enabled";
    public static final boolean GAME_ENABLED_DEFAULT = false;
    public static final String GAME_ENABLED_DOC = "Run the game topology (application hal9-game) in this process, "
            + "with its queries on the admin server (GET /games/{id}). The demo turns it on; hal9 run --game does too.";

    public static final String TOPIC_PARTITIONS_CONFIG = "hal9.topic.partitions";
    public static final int TOPIC_PARTITIONS_DEFAULT = 8;
    public static final String TOPIC_PARTITIONS_DOC =
            "Partitions of the topics HAL9 creates itself (demo). At least the largest replica count of a layer, "
                    + "since extra pods beyond the partition count idle.";

    public static final String CLAUDE_BASE_URL_CONFIG = "hal9.claude.base.url";
    public static final String CLAUDE_BASE_URL_DEFAULT = "https://api.anthropic.com";
    public static final String CLAUDE_BASE_URL_DOC =
            "Messages API endpoint. Point it at the simulator (hal9 claude-sim) to run without an API key.";

    public static final String CLAUDE_SIMULATOR_URL_CONFIG = "hal9.claude.simulator.url";
    public static final String CLAUDE_SIMULATOR_URL_DEFAULT = "";
    public static final String CLAUDE_SIMULATOR_URL_DOC =
            "Messages API simulator used instead of hal9.claude.base.url while ANTHROPIC_API_KEY is not set. "
                    + "For local stacks (docker-compose) that should call real Claude exactly when a key is given; "
                    + "leave it empty in production, so that a missing key fails at start-up.";

    public static final String CLAUDE_MODEL_CATALOG_FILE_CONFIG = "hal9.claude.model.catalog.file";
    public static final String CLAUDE_MODEL_CATALOG_FILE_DEFAULT = "";
    public static final String CLAUDE_MODEL_CATALOG_FILE_DOC =
            "The model catalog: lifecycle, prices, prompt-cache minimum, limits and latency of every Claude model "
                    + "(the format of the bundled io/hal9/neurons/models/catalog.yaml). Empty uses the bundled one. "
                    + "Set it to a copy when Anthropic changes its line-up or prices before HAL9 Streams is upgraded.";

    public static final String CLAUDE_MODEL_CHECK_CONFIG = "hal9.claude.model.check";
    public static final String CLAUDE_MODEL_CHECK_DEFAULT = "auto";
    public static final String CLAUDE_MODEL_CHECK_DOC =
            "Where the start-up check looks up each layer's model (hal9.<layer>.model) before anything connects: "
                    + "api asks Anthropic's Models API (GET /v1/models/{id}) at hal9.claude.base.url with "
                    + "ANTHROPIC_API_KEY, catalog reads only the model catalog (hal9.claude.model.catalog.file), "
                    + "auto asks the API when a key is set and the base URL is Anthropic's, else the catalog. Set api "
                    + "behind a proxy that forwards the Models API, catalog where start-up must not call out. A "
                    + "retired or unknown model stops the process with one line naming it and its replacement; if "
                    + "the API cannot be reached, the catalog decides.";

    public static final String CLAUDE_MODEL_CHECK_TIMEOUT_MS_CONFIG = "hal9.claude.model.check.timeout.ms";
    public static final int CLAUDE_MODEL_CHECK_TIMEOUT_MS_DEFAULT = 5_000;
    public static final String CLAUDE_MODEL_CHECK_TIMEOUT_MS_DOC =
            "Timeout of one Models API request of the start-up model check (one retry at most); past it the check "
                    + "falls back to the model catalog with a WARN, and asks the API nothing more. Raise it only "
                    + "behind a slow proxy: start-up waits for it.";

    public static final String CLAUDE_TIMEOUT_MS_CONFIG = "hal9.claude.timeout.ms";
    public static final int CLAUDE_TIMEOUT_MS_DEFAULT = 30_000;
    public static final String CLAUDE_TIMEOUT_MS_DOC =
            "Timeout of one Claude request. Raise it only for models or prompts that legitimately answer slower.";

    public static final String CLAUDE_MAX_RETRIES_CONFIG = "hal9.claude.max.retries";
    public static final int CLAUDE_MAX_RETRIES_DEFAULT = 0;
    public static final String CLAUDE_MAX_RETRIES_DOC =
            "Retries the Claude SDK makes inside one call (408/409/429/5xx). Raise it only with the blocking "
                    + "stage: the async stage retries failed calls itself (hal9.neuron.max.attempts).";

    public static final String SIGNAL_MAX_CONTENT_BYTES_CONFIG = "hal9.signal.max.content.bytes";
    public static final int SIGNAL_MAX_CONTENT_BYTES_DEFAULT = 100_000;
    public static final String SIGNAL_MAX_CONTENT_BYTES_DOC =
            "Largest signal content (UTF-8 bytes) sent to Claude; larger signals are dead-lettered as invalid input. "
                    + "Raise it together with the layers' max tokens.";

    public static final String ADMIN_ADVERTISED_HOST_CONFIG = "hal9.admin.advertised.host";
    public static final String ADMIN_ADVERTISED_HOST_DEFAULT = "";
    public static final String ADMIN_ADVERTISED_HOST_DOC = "Host other instances use to reach this one's admin server "
            + "(Kafka Streams application.server, for game queries answered by the owner of a game). Empty: this "
            + "machine's address. On Kubernetes set it to the pod IP (downward API status.podIP).";

    public static final String ADMIN_PORT_CONFIG = "hal9.admin.port";
    public static final int ADMIN_PORT_DEFAULT = 8080;
    public static final String ADMIN_PORT_DOC = "Port of the admin HTTP server (/health, /metrics). 0 picks a free port.";

    public static final String ADMIN_HOST_CONFIG = "hal9.admin.host";
    public static final String ADMIN_HOST_DEFAULT = "0.0.0.0";
    public static final String ADMIN_HOST_DOC = "Address the admin HTTP server binds to.";

    public static final String STATE_DIR_CONFIG = "hal9.state.dir";
    public static final String STATE_DIR_DEFAULT = System.getProperty("java.io.tmpdir") + "/hal9-streams";
    public static final String STATE_DIR_DOC =
            "Kafka Streams state directory. Put it on a persistent volume so a restart does not rebuild stores.";

    public static final String PROCESSING_GUARANTEE_CONFIG = "hal9.processing.guarantee";
    public static final String PROCESSING_GUARANTEE_DEFAULT = "exactly_once_v2";
    public static final String PROCESSING_GUARANTEE_DOC =
            "exactly_once_v2 (default: a signal is forwarded or dead-lettered exactly once) or at_least_once "
                    + "(faster commits, duplicates possible after a crash).";

    public static final String STREAM_THREADS_CONFIG = "hal9.stream.threads";
    public static final int STREAM_THREADS_DEFAULT = 1;
    public static final String STREAM_THREADS_DOC =
            "Stream threads per layer. Raise it when one layer instance owns many partitions and has spare cores.";

    public static final String NEURON_MODE_CONFIG = "hal9.neuron.mode";
    public static final String NEURON_MODE_DEFAULT = "async";
    public static final String NEURON_MODE_DOC =
            "async (default): the stream thread never waits for Claude; calls run concurrently and waiting signals "
                    + "are kept in the layer's changelogged in-flight store. blocking: one call at a time per stream "
                    + "thread, kept only as the benchmark baseline.";

    public static final String LANES_CONFIG = "hal9.lanes";
    public static final String LANES_DEFAULT = "high,normal,bulk";
    public static final String LANES_DOC =
            "The lanes each layer runs, each an application of its own on its own topics: high "
                    + "(hal9.signals.<layer>.high, overtakes a backlog), normal (hal9.signals.<layer>) and bulk "
                    + "(hal9.signals.<layer>.bulk, takes what is left). A producer chooses the lane by the topic it "
                    + "writes to; a signal stays in its lane at every layer. Set normal alone for a hierarchy "
                    + "without lanes.";

    public static final String LANES_SHARES_CONFIG = "hal9.lanes.shares";
    public static final String LANES_SHARES_DEFAULT = "high=50,normal=40,bulk=10";
    public static final String LANES_SHARES_DOC =
            "The share of a layer instance's live Claude call limit each lane is sure of, in percent (lane=percent, "
                    + "at most 100 in all). A lane with work may use more while the others leave their shares idle; "
                    + "while the limit is reached, a lane under its share still starts a call, so a busy normal lane "
                    + "never holds the high lane back, nor starves the bulk lane.";

    public static final String NEURON_MAX_IN_FLIGHT_CONFIG = "hal9.neuron.max.in.flight";
    public static final int NEURON_MAX_IN_FLIGHT_DEFAULT = 256;
    public static final String NEURON_MAX_IN_FLIGHT_DOC =
            "The most Claude calls in flight at once per layer instance: the ceiling of the live limit, which "
                    + "starts here, shrinks on 429/529/timeouts and grows back while calls succeed. Throughput is "
                    + "about in-flight / latency. Raise it for slower models.";

    public static final String CONCURRENCY_ADAPTIVE_CONFIG = "hal9.claude.concurrency.adaptive";
    public static final boolean CONCURRENCY_ADAPTIVE_DEFAULT = true;
    public static final String CONCURRENCY_ADAPTIVE_DOC =
            "Adapt each layer instance's live limit of Claude calls (under hal9.neuron.max.in.flight) to what Claude "
                    + "accepts: fewer on 429/529/timeouts that fewer calls avoid, more while calls succeed. Turn it "
                    + "off only to measure a fixed concurrency.";

    public static final String CONCURRENCY_BACKOFF_RATIO_CONFIG = "hal9.claude.concurrency.backoff.ratio";
    public static final double CONCURRENCY_BACKOFF_RATIO_DEFAULT = 0.75;
    public static final String CONCURRENCY_BACKOFF_RATIO_DOC =
            "Factor applied to the live limit after a window with excess 429/529/timeouts. Raise it (towards 1) for "
                    + "gentler steps; lower it to leave an overloaded provider faster.";

    public static final String CONCURRENCY_TOLERANCE_CONFIG = "hal9.claude.concurrency.tolerance";
    public static final double CONCURRENCY_TOLERANCE_DEFAULT = 0.05;
    public static final String CONCURRENCY_TOLERANCE_DOC =
            "Share of calls in a window that may be refused (429/529/timeouts) beyond the share that comes whatever "
                    + "the concurrency, before the live limit shrinks. Raise it if the limit reacts to noise.";

    public static final String CONCURRENCY_WINDOW_MIN_MS_CONFIG = "hal9.claude.concurrency.window.min.ms";
    public static final int CONCURRENCY_WINDOW_MIN_MS_DEFAULT = 250;
    public static final String CONCURRENCY_WINDOW_MIN_MS_DOC =
            "Shortest window over which the live limit is judged (it is otherwise about one call's latency, at most "
                    + "5 s). Lower it for fast models.";

    public static final String RATELIMIT_PACE_BELOW_CONFIG = "hal9.claude.ratelimit.pace.below";
    public static final double RATELIMIT_PACE_BELOW_DEFAULT = 0.05;
    public static final String RATELIMIT_PACE_BELOW_DOC =
            "When the anthropic-ratelimit-*-remaining headers say less than this share of a bucket is left, calls "
                    + "start no faster than the bucket refills (its per-minute limit), instead of running into 429s. "
                    + "0 turns pacing off.";

    public static final String NEURON_MAX_PENDING_CONFIG = "hal9.neuron.max.pending";
    public static final int NEURON_MAX_PENDING_DEFAULT = 1024;
    public static final String NEURON_MAX_PENDING_DOC =
            "Signals in flight plus waiting (retries, ordering, the in-flight cap) per layer instance before the "
                    + "layer stops reading new input (back-pressure). Raise it to absorb longer Claude outages in "
                    + "the store; lower it to bound memory and restore time.";

    public static final String NEURON_ORDERING_CONFIG = "hal9.neuron.ordering";
    public static final String NEURON_ORDERING_DEFAULT = "none";
    public static final String NEURON_ORDERING_DOC =
            "none (default): answers go out as they arrive. key: a signal waits until the previous signal with the "
                    + "same record key has been forwarded; use it when consumers need per-key order. It requires "
                    + "hal9.cache.routing=key.";

    public static final String NEURON_MAX_ATTEMPTS_CONFIG = "hal9.neuron.max.attempts";
    public static final int NEURON_MAX_ATTEMPTS_DEFAULT = 10;
    public static final String NEURON_MAX_ATTEMPTS_DOC =
            "Claude calls a signal may make before a retryable failure sends it to the dead-letter topic.";

    public static final String NEURON_RETRY_BACKOFF_MS_CONFIG = "hal9.neuron.retry.backoff.ms";
    public static final int NEURON_RETRY_BACKOFF_MS_DEFAULT = 1_000;
    public static final String NEURON_RETRY_BACKOFF_MS_DOC =
            "First retry delay; it doubles per attempt, with full jitter, and a retry-after from the API wins when "
                    + "longer.";

    public static final String NEURON_RETRY_BACKOFF_MAX_MS_CONFIG = "hal9.neuron.retry.backoff.max.ms";
    public static final int NEURON_RETRY_BACKOFF_MAX_MS_DEFAULT = 60_000;
    public static final String NEURON_RETRY_BACKOFF_MAX_MS_DOC = "Longest retry delay.";

    public static final String SHUTDOWN_DRAIN_MS_CONFIG = "hal9.shutdown.drain.ms";
    public static final int SHUTDOWN_DRAIN_MS_DEFAULT = 30_000;
    public static final String SHUTDOWN_DRAIN_MS_DOC =
            "On shutdown (SIGTERM), how long calls in flight may finish and be forwarded before the layers close; "
                    + "signals still waiting stay in the store for the next owner. Drain plus 20 s for Kafka Streams "
                    + "to close must fit the pod's termination grace period (60 s).";

    public static final String NEURON_AUTH_RETRY_MS_CONFIG = "hal9.neuron.auth.retry.ms";
    public static final int NEURON_AUTH_RETRY_MS_DEFAULT = 30_000;
    public static final String NEURON_AUTH_RETRY_MS_DOC =
            "When Claude rejects the API key (401/403), the account (402 billing_error, or a 429 for the reached "
                    + "spend limit) or the layer's model (404: retired or withdrawn), signals wait in the store without "
                    + "spending attempts, the instance reports unready, and a call is tried again after this long. "
                    + "Lower it while rotating keys.";

    public static final String AUTOSCALE_SAMPLE_MS_CONFIG = "hal9.autoscale.sample.ms";
    public static final int AUTOSCALE_SAMPLE_MS_DEFAULT = 5_000;
    public static final String AUTOSCALE_SAMPLE_MS_DOC =
            "How often each layer samples the end offsets and the lag of its input topics (all lanes) to forecast "
                    + "the replicas it will need (hal9_desired_replicas). Shorter follows bursts sooner and costs a "
                    + "few admin requests per sample; keep it well under the autoscaler's polling interval (15 s).";

    public static final String AUTOSCALE_ALPHA_CONFIG = "hal9.autoscale.alpha";
    public static final double AUTOSCALE_ALPHA_DEFAULT = 0.15;
    public static final String AUTOSCALE_ALPHA_DOC =
            "Holt's level smoothing of the arrival rate, in (0, 1]: the weight of the newest sample. Raise it to "
                    + "follow a changing rate sooner, lower it to smooth noisy traffic.";

    public static final String AUTOSCALE_BETA_CONFIG = "hal9.autoscale.beta";
    public static final double AUTOSCALE_BETA_DEFAULT = 0.03;
    public static final String AUTOSCALE_BETA_DOC =
            "Holt's trend smoothing of the arrival rate, in (0, 1]: the weight of the newest slope. Raise it to "
                    + "believe a ramp sooner (more eager scale-ups on bursts), lower it to ignore short swings.";

    public static final String AUTOSCALE_UTILIZATION_CONFIG = "hal9.autoscale.utilization";
    public static final double AUTOSCALE_UTILIZATION_DEFAULT = 1.0;
    public static final String AUTOSCALE_UTILIZATION_DOC =
            "The share of one instance's capacity the desired replicas plan to use, in (0, 1]. Lower it for "
                    + "headroom against bursts the forecast misses, at the price of pods.";

    public static final String AUTOSCALE_DRAIN_MS_CONFIG = "hal9.autoscale.drain.ms";
    public static final int AUTOSCALE_DRAIN_MS_DEFAULT = 30_000;
    public static final String AUTOSCALE_DRAIN_MS_DOC =
            "The time in which the desired replicas should clear the layer's lag, beside the arriving signals. "
                    + "Shorter asks for more pods for a backlog; longer lets a backlog drain slowly.";

    public static final String AUTOSCALE_STARTUP_MS_CONFIG = "hal9.autoscale.startup.ms";
    public static final int AUTOSCALE_STARTUP_MS_DEFAULT = 0;
    public static final String AUTOSCALE_STARTUP_MS_DOC =
            "How long a new pod takes from its start to ready, part of the forecast's lead time. 0 (default): "
                    + "what this process measured of its own start (JVM start to ready: every layer running, its "
                    + "stores restored), 60 s until it is ready. Set it when pods start much slower than this one "
                    + "did (image pulls, node scale-up).";

    public static final String AUTOSCALE_REACTION_MS_CONFIG = "hal9.autoscale.reaction.ms";
    public static final int AUTOSCALE_REACTION_MS_DEFAULT = 45_000;
    public static final String AUTOSCALE_REACTION_MS_DOC =
            "How long the autoscaler takes to act on a new figure, the other part of the lead time: KEDA's polling "
                    + "interval (15 s) plus the HPA's scale-up stabilization window (30 s, k8s/layer/layer.yaml). "
                    + "Change it together with those.";

    public static final String CACHE_ENABLED_CONFIG = "hal9.cache.enabled";
    public static final boolean CACHE_ENABLED_DEFAULT = true;
    public static final String CACHE_ENABLED_DOC =
            "Answer identical work (same layer, model, prompt version, max tokens, normalized content and features) "
                    + "from the layer's cache. Turn it off only to measure Claude itself.";

    public static final String CACHE_ROUTING_CONFIG = "hal9.cache.routing";
    public static final String CACHE_ROUTING_DEFAULT = "content";
    public static final String CACHE_ROUTING_DOC =
            "content (default): each layer routes a signal by its cache key through a repartition topic, so identical "
                    + "work meets on one task of one instance, whatever the instance count, and that task keeps the "
                    + "answers in a changelogged store that survives restarts; work the instance's tasks have "
                    + "answered is answered before the hop, the rest takes one extra Kafka hop per layer, and "
                    + "signals with the same record key may come out in another order. key: routing by the "
                    + "producer's key, each instance with its own in-memory cache; choose it for per-key order "
                    + "(hal9.neuron.ordering=key requires it) or to save the hop when contents never repeat. The "
                    + "blocking stage always routes by key.";

    public static final String CACHE_MAX_BYTES_CONFIG = "hal9.cache.max.bytes";
    public static final long CACHE_MAX_BYTES_DEFAULT = 64L * 1024 * 1024;
    public static final String CACHE_MAX_BYTES_DOC =
            "Bound of each layer's cache in one instance. With hal9.cache.routing=content: the serialized bytes of the "
                    + "answers its tasks keep in their stores (on disk), the answers closest to expiry evicted first, "
                    + "and, apart, the estimated heap of the in-memory view of them the route stage answers from. "
                    + "With routing key: the estimated retained bytes of its in-memory cache, W-TinyLFU evicting beyond "
                    + "it; size it within the heap, three layers in one process take three times this.";

    public static final String ROCKSDB_MEMORY_BYTES_CONFIG = "hal9.rocksdb.memory.bytes";
    public static final long ROCKSDB_MEMORY_BYTES_DEFAULT = 64L * 1024 * 1024;
    /** The smallest bound other than 0: below it the shared cache is mostly memtable reservations. */
    public static final long ROCKSDB_MEMORY_BYTES_MIN = 1024L * 1024;
    public static final String ROCKSDB_MEMORY_BYTES_DOC =
            "Memory bound of all RocksDB state stores of one Kafka Streams application instance (a layer's "
                    + "in-flight and answer stores, over all its tasks; the game's stores), in bytes: one block "
                    + "cache of this size holds the data, index and filter blocks read, and the memtables being "
                    + "written (at most half of it) are charged to it. The answers (hal9.cache.max.bytes) live on "
                    + "disk; this bounds what RocksDB keeps in memory, whatever the task count. Each lane of each "
                    + "layer (an application of its own) and the game has its own: a layer with its three lanes "
                    + "takes three times this, beside the heap. "
                    + "Raise it when answer lookups read from disk too often; 0 leaves RocksDB unbounded (Kafka "
                    + "Streams' defaults: per store a 50 MB cache, 3 x 16 MB memtables, indexes outside the cache).";

    public static final String BREAKER_WINDOW_MS_CONFIG = "hal9.breaker.window.ms";
    public static final int BREAKER_WINDOW_MS_DEFAULT = 10_000;
    public static final String BREAKER_WINDOW_MS_DOC =
            "Time window of the breaker's failure-rate rule (whole seconds). Short, so the rate says how Claude is now.";

    public static final String BREAKER_MIN_CALLS_CONFIG = "hal9.breaker.min.calls";
    public static final int BREAKER_MIN_CALLS_DEFAULT = 20;
    public static final String BREAKER_MIN_CALLS_DOC =
            "Calls the window must hold before its failure rate is judged: enough for a rate to mean something. "
                    + "Lower it only for a layer that makes few calls (the no-success rule covers those).";

    public static final String BREAKER_FAILURE_RATE_PERCENT_CONFIG = "hal9.breaker.failure.rate.percent";
    public static final int BREAKER_FAILURE_RATE_PERCENT_DEFAULT = 80;
    public static final String BREAKER_FAILURE_RATE_PERCENT_DOC =
            "Share of failed calls in the window (other 5xx, I/O errors, timeouts; never 429, 529 or our own 4xx) "
                    + "that opens the breaker, and of failed trial calls that opens it again. High: a degraded API "
                    + "is retried, only a down one stops the calls.";

    public static final String BREAKER_NO_SUCCESS_MS_CONFIG = "hal9.breaker.no.success.ms";
    public static final int BREAKER_NO_SUCCESS_MS_DEFAULT = 5_000;
    public static final String BREAKER_NO_SUCCESS_MS_DOC =
            "The breaker also opens when calls have failed for this long without one success (longer when recent "
                    + "answers took longer): an outage on a layer too quiet for the failure rate.";

    public static final String BREAKER_NO_SUCCESS_MIN_FAILURES_CONFIG = "hal9.breaker.no.success.min.failures";
    public static final int BREAKER_NO_SUCCESS_MIN_FAILURES_DEFAULT = 3;
    public static final String BREAKER_NO_SUCCESS_MIN_FAILURES_DOC =
            "Failed calls the no-success rule needs before it opens the breaker.";

    public static final String BREAKER_OPEN_MS_CONFIG = "hal9.breaker.open.ms";
    public static final int BREAKER_OPEN_MS_DEFAULT = 1_000;
    public static final String BREAKER_OPEN_MS_DOC =
            "How long the breaker's first opening lasts (signals wait, no calls) before trial calls: the soonest "
                    + "Claude can be found back.";

    public static final String BREAKER_OPEN_MAX_MS_CONFIG = "hal9.breaker.open.max.ms";
    public static final int BREAKER_OPEN_MAX_MS_DEFAULT = 2_000;
    public static final String BREAKER_OPEN_MAX_MS_DOC =
            "The longest opening while trial calls keep failing: how late, at worst, the end of a long outage is noticed.";

    public static final String BREAKER_OPEN_MULTIPLIER_CONFIG = "hal9.breaker.open.multiplier";
    public static final double BREAKER_OPEN_MULTIPLIER_DEFAULT = 1.5;
    public static final String BREAKER_OPEN_MULTIPLIER_DOC =
            "Each opening after failed trial calls lasts this many times the one before (1 = always "
                    + "hal9.breaker.open.ms). Higher spares a long outage trial calls; lower notices its end sooner.";

    public static final String BREAKER_HALF_OPEN_CALLS_CONFIG = "hal9.breaker.half.open.calls";
    public static final int BREAKER_HALF_OPEN_CALLS_DEFAULT = 3;
    public static final String BREAKER_HALF_OPEN_CALLS_DOC = "Trial calls in half-open state that decide whether it closes.";

    public static final String CLAUDE_PRICES_CONFIG = "hal9.claude.prices.usd.per.mtok";
    public static final String CLAUDE_PRICES_DEFAULT = "";
    public static final String CLAUDE_PRICES_DOC =
            "Prices for hal9_claude_cost_usd_total over the model catalog's (hal9 models): model=input/output in US "
                    + "dollars per million tokens, prompt-cache writes then costing 1.25 and reads 0.1 times the input "
                    + "price, or model=input/output/write/read. Responses name the dated snapshot that answered "
                    + "(claude-haiku-4-5-20251001): it takes its own entry if listed, else its alias's. Empty: the "
                    + "catalog's prices. Set it for a negotiated price; a model in neither costs 0 and is logged once.";

    public static final String CLAUDE_PROMPT_CACHE_CONFIG = "hal9.claude.prompt.cache";
    public static final String CLAUDE_PROMPT_CACHE_DEFAULT = "5m";
    public static final String CLAUDE_PROMPT_CACHE_DOC =
            "Anthropic's automatic prompt caching for a layer's system prompt: 5m (writes cost 1.25 times the input "
                    + "price, reads about 0.1 times, for 5 minutes after the last use), 1h (writes cost 2 times: for "
                    + "a layer called less often than every 5 minutes) or off. Only a system prompt that reaches "
                    + "the model's minimum cacheable length (hal9 models) is cached; shorter ones cost the same "
                    + "either way.";

    /** model=input/output or model=input/output/cache-write/cache-read, in USD per million tokens. */
    private static final String PRICE_ENTRY = "[^=\\s]+=\\d+(\\.\\d+)?/\\d+(\\.\\d+)?(/\\d+(\\.\\d+)?/\\d+(\\.\\d+)?)?";

    public static final String LOG_FORMAT_CONFIG = "hal9.log.format";
    public static final String LOG_FORMAT_DEFAULT = "text";
    public static final String LOG_FORMAT_DOC =
            "Console log format: text (human-readable) or json (one object per line, for log shippers). Read from "
                    + "HAL9_LOG_FORMAT when the process starts.";

    public static final String LOG_DIR_CONFIG = "hal9.log.dir";
    public static final String LOG_DIR_DEFAULT = "";
    public static final String LOG_DIR_DOC =
            "When set, logs also go to hal9.log in this directory, rolled daily and at 50 MB (gzipped, 7 days, 1 GB "
                    + "at most). Read from HAL9_LOG_DIR when the process starts; put it on a writable volume.";

    public static final String LAYER_CACHE_TTL_MS_CONFIG_FORMAT = "hal9.%s.cache.ttl.ms";
    static final Map<String, Integer> LAYER_CACHE_TTL_MS_DEFAULTS = Map.of("L2", 600_000, "L3", 300_000, "L4", 120_000);
    /** Cache TTL of a layer without a bundled profile: L4's, the shortest of the bundled layers. */
    public static final int CUSTOM_LAYER_CACHE_TTL_MS_DEFAULT = 120_000;

    public static final String LAYER_MODEL_CONFIG_FORMAT = "hal9.%s.model";
    public static final String LAYER_MAX_TOKENS_CONFIG_FORMAT = "hal9.%s.max.tokens";
    public static final String LAYER_EFFORT_CONFIG_FORMAT = "hal9.%s.effort";
    /** The values of {@code output_config.effort} (platform.claude.com, the 5.x migration guides). */
    public static final List<String> EFFORTS = List.of("low", "medium", "high", "xhigh", "max");
    public static final String LAYER_PROMPT_FILE_CONFIG_FORMAT = "hal9.%s.prompt.file";
    /** Empty: the layer's bundled prompt. */
    public static final String LAYER_PROMPT_FILE_DEFAULT = "";

    /** The layers with a bundled prompt and profile: their settings exist whatever the chain. */
    public static final List<String> BUNDLED_LAYERS = LayerProfile.KNOWN_LAYERS;

    /**
     * A layer name: L and its number. The name becomes part of topic names, application ids, store
     * names, setting keys and environment variables ({@code HAL9_L5_PROMPT_FILE}), so nothing else.
     */
    private static final Pattern LAYER_NAME = Pattern.compile("L[0-9]{1,3}");

    /** What follows {@code hal9.<layer>.} in a per-layer key. */
    private static final Pattern PER_LAYER_KEY =
            Pattern.compile("hal9\\.[a-z0-9]+\\.(model|max\\.tokens|effort|cache\\.ttl\\.ms|prompt\\.file)");

    private Hal9Config(ConfigDef definition, Map<String, ?> values) {
        super(definition, values, false);
    }

    /** The full definition with the bundled layers' settings, e.g. to print every key with its default and doc. */
    public static ConfigDef definition() {
        return definition(BUNDLED_LAYERS);
    }

    /** The definition with the settings of the bundled layers and of every layer in {@code chain}. */
    public static ConfigDef definition(List<String> chain) {
        ConfigDef def = new ConfigDef()
                .define(BOOTSTRAP_SERVERS_CONFIG, Type.STRING, BOOTSTRAP_SERVERS_DEFAULT, new ConfigDef.NonEmptyString(),
                        Importance.HIGH, BOOTSTRAP_SERVERS_DOC)
                .define(SCHEMA_REGISTRY_URL_CONFIG, Type.STRING, SCHEMA_REGISTRY_URL_DEFAULT, httpUrl(),
                        Importance.HIGH, SCHEMA_REGISTRY_URL_DOC)
                .define(LAYERS_CHAIN_CONFIG, Type.LIST, LAYERS_CHAIN_DEFAULT, layerList(), Importance.HIGH,
                        LAYERS_CHAIN_DOC)
                .define(APPLICATION_ID_PREFIX_CONFIG, Type.STRING, APPLICATION_ID_PREFIX_DEFAULT,
                        new ConfigDef.NonEmptyString(), Importance.MEDIUM, APPLICATION_ID_PREFIX_DOC)
                .define(TOPIC_SIGNALS_PREFIX_CONFIG, Type.STRING, TOPIC_SIGNALS_PREFIX_DEFAULT,
                        new ConfigDef.NonEmptyString(), Importance.MEDIUM, TOPIC_SIGNALS_PREFIX_DOC)
                .define(TOPIC_RESULTS_CONFIG, Type.STRING, TOPIC_RESULTS_DEFAULT, new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM, TOPIC_RESULTS_DOC)
                .define(TOPIC_DLQ_CONFIG, Type.STRING, TOPIC_DLQ_DEFAULT, new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM, TOPIC_DLQ_DOC)
                .define(TOPIC_GAME_COMMANDS_CONFIG, Type.STRING, TOPIC_GAME_COMMANDS_DEFAULT,
                        new ConfigDef.NonEmptyString(), Importance.LOW, TOPIC_GAME_COMMANDS_DOC)
                .define(TOPIC_GAME_FRAMES_CONFIG, Type.STRING, TOPIC_GAME_FRAMES_DEFAULT,
                        new ConfigDef.NonEmptyString(), Importance.LOW, TOPIC_GAME_FRAMES_DOC)
                .define(GAME_ENABLED_CONFIG, Type.BOOLEAN, GAME_ENABLED_DEFAULT, Importance.LOW, GAME_ENABLED_DOC)
                .define(TOPIC_PARTITIONS_CONFIG, Type.INT, TOPIC_PARTITIONS_DEFAULT, Range.between(1, 10_000),
                        Importance.LOW, TOPIC_PARTITIONS_DOC)
                .define(CLAUDE_BASE_URL_CONFIG, Type.STRING, CLAUDE_BASE_URL_DEFAULT, httpUrl(), Importance.HIGH,
                        CLAUDE_BASE_URL_DOC)
                .define(CLAUDE_SIMULATOR_URL_CONFIG, Type.STRING, CLAUDE_SIMULATOR_URL_DEFAULT, optional(httpUrl()),
                        Importance.LOW, CLAUDE_SIMULATOR_URL_DOC)
                .define(CLAUDE_MODEL_CATALOG_FILE_CONFIG, Type.STRING, CLAUDE_MODEL_CATALOG_FILE_DEFAULT,
                        Importance.MEDIUM, CLAUDE_MODEL_CATALOG_FILE_DOC)
                .define(CLAUDE_MODEL_CHECK_CONFIG, Type.STRING, CLAUDE_MODEL_CHECK_DEFAULT,
                        ConfigDef.ValidString.in("auto", "api", "catalog"), Importance.LOW, CLAUDE_MODEL_CHECK_DOC)
                .define(CLAUDE_MODEL_CHECK_TIMEOUT_MS_CONFIG, Type.INT, CLAUDE_MODEL_CHECK_TIMEOUT_MS_DEFAULT,
                        Range.between(1, 60_000), Importance.LOW, CLAUDE_MODEL_CHECK_TIMEOUT_MS_DOC)
                .define(CLAUDE_TIMEOUT_MS_CONFIG, Type.INT, CLAUDE_TIMEOUT_MS_DEFAULT, Range.between(1, 600_000),
                        Importance.MEDIUM, CLAUDE_TIMEOUT_MS_DOC)
                .define(CLAUDE_MAX_RETRIES_CONFIG, Type.INT, CLAUDE_MAX_RETRIES_DEFAULT, Range.between(0, 10),
                        Importance.LOW, CLAUDE_MAX_RETRIES_DOC)
                .define(SIGNAL_MAX_CONTENT_BYTES_CONFIG, Type.INT, SIGNAL_MAX_CONTENT_BYTES_DEFAULT,
                        Range.between(1, 10_000_000), Importance.MEDIUM, SIGNAL_MAX_CONTENT_BYTES_DOC)
                .define(ADMIN_PORT_CONFIG, Type.INT, ADMIN_PORT_DEFAULT, Range.between(0, 65_535), Importance.MEDIUM,
                        ADMIN_PORT_DOC)
                .define(ADMIN_HOST_CONFIG, Type.STRING, ADMIN_HOST_DEFAULT, new ConfigDef.NonEmptyString(),
                        Importance.LOW, ADMIN_HOST_DOC)
                .define(ADMIN_ADVERTISED_HOST_CONFIG, Type.STRING, ADMIN_ADVERTISED_HOST_DEFAULT, Importance.LOW,
                        ADMIN_ADVERTISED_HOST_DOC)
                .define(STATE_DIR_CONFIG, Type.STRING, STATE_DIR_DEFAULT, new ConfigDef.NonEmptyString(),
                        Importance.MEDIUM, STATE_DIR_DOC)
                .define(PROCESSING_GUARANTEE_CONFIG, Type.STRING, PROCESSING_GUARANTEE_DEFAULT,
                        ConfigDef.ValidString.in("exactly_once_v2", "at_least_once"), Importance.MEDIUM,
                        PROCESSING_GUARANTEE_DOC)
                .define(STREAM_THREADS_CONFIG, Type.INT, STREAM_THREADS_DEFAULT, Range.between(1, 64),
                        Importance.LOW, STREAM_THREADS_DOC)
                .define(NEURON_MODE_CONFIG, Type.STRING, NEURON_MODE_DEFAULT,
                        ConfigDef.ValidString.in("async", "blocking"), Importance.MEDIUM, NEURON_MODE_DOC)
                .define(LANES_CONFIG, Type.LIST, LANES_DEFAULT, laneList(), Importance.MEDIUM, LANES_DOC)
                .define(LANES_SHARES_CONFIG, Type.LIST, LANES_SHARES_DEFAULT, laneSharesValidator(), Importance.LOW,
                        LANES_SHARES_DOC)
                .define(NEURON_MAX_IN_FLIGHT_CONFIG, Type.INT, NEURON_MAX_IN_FLIGHT_DEFAULT, Range.between(1, 100_000),
                        Importance.HIGH, NEURON_MAX_IN_FLIGHT_DOC)
                .define(CONCURRENCY_ADAPTIVE_CONFIG, Type.BOOLEAN, CONCURRENCY_ADAPTIVE_DEFAULT, Importance.MEDIUM,
                        CONCURRENCY_ADAPTIVE_DOC)
                .define(CONCURRENCY_BACKOFF_RATIO_CONFIG, Type.DOUBLE, CONCURRENCY_BACKOFF_RATIO_DEFAULT,
                        Range.between(0.05, 0.99), Importance.LOW, CONCURRENCY_BACKOFF_RATIO_DOC)
                .define(CONCURRENCY_TOLERANCE_CONFIG, Type.DOUBLE, CONCURRENCY_TOLERANCE_DEFAULT,
                        Range.between(0.0, 0.9), Importance.LOW, CONCURRENCY_TOLERANCE_DOC)
                .define(CONCURRENCY_WINDOW_MIN_MS_CONFIG, Type.INT, CONCURRENCY_WINDOW_MIN_MS_DEFAULT,
                        Range.between(10, 60_000), Importance.LOW, CONCURRENCY_WINDOW_MIN_MS_DOC)
                .define(RATELIMIT_PACE_BELOW_CONFIG, Type.DOUBLE, RATELIMIT_PACE_BELOW_DEFAULT,
                        Range.between(0.0, 1.0), Importance.LOW, RATELIMIT_PACE_BELOW_DOC)
                .define(NEURON_MAX_PENDING_CONFIG, Type.INT, NEURON_MAX_PENDING_DEFAULT, Range.between(1, 10_000_000),
                        Importance.MEDIUM, NEURON_MAX_PENDING_DOC)
                .define(NEURON_ORDERING_CONFIG, Type.STRING, NEURON_ORDERING_DEFAULT,
                        ConfigDef.ValidString.in("none", "key"), Importance.MEDIUM, NEURON_ORDERING_DOC)
                .define(NEURON_MAX_ATTEMPTS_CONFIG, Type.INT, NEURON_MAX_ATTEMPTS_DEFAULT, Range.between(1, 100),
                        Importance.MEDIUM, NEURON_MAX_ATTEMPTS_DOC)
                .define(NEURON_RETRY_BACKOFF_MS_CONFIG, Type.INT, NEURON_RETRY_BACKOFF_MS_DEFAULT,
                        Range.between(1, 3_600_000), Importance.LOW, NEURON_RETRY_BACKOFF_MS_DOC)
                .define(NEURON_RETRY_BACKOFF_MAX_MS_CONFIG, Type.INT, NEURON_RETRY_BACKOFF_MAX_MS_DEFAULT,
                        Range.between(1, 3_600_000), Importance.LOW, NEURON_RETRY_BACKOFF_MAX_MS_DOC)
                .define(SHUTDOWN_DRAIN_MS_CONFIG, Type.INT, SHUTDOWN_DRAIN_MS_DEFAULT,
                        Range.between(0, 600_000), Importance.LOW, SHUTDOWN_DRAIN_MS_DOC)
                .define(NEURON_AUTH_RETRY_MS_CONFIG, Type.INT, NEURON_AUTH_RETRY_MS_DEFAULT,
                        Range.between(1, 3_600_000), Importance.LOW, NEURON_AUTH_RETRY_MS_DOC)
                .define(AUTOSCALE_SAMPLE_MS_CONFIG, Type.INT, AUTOSCALE_SAMPLE_MS_DEFAULT,
                        Range.between(100, 3_600_000), Importance.LOW, AUTOSCALE_SAMPLE_MS_DOC)
                .define(AUTOSCALE_ALPHA_CONFIG, Type.DOUBLE, AUTOSCALE_ALPHA_DEFAULT, aboveZeroAtMostOne(),
                        Importance.LOW, AUTOSCALE_ALPHA_DOC)
                .define(AUTOSCALE_BETA_CONFIG, Type.DOUBLE, AUTOSCALE_BETA_DEFAULT, aboveZeroAtMostOne(),
                        Importance.LOW, AUTOSCALE_BETA_DOC)
                .define(AUTOSCALE_UTILIZATION_CONFIG, Type.DOUBLE, AUTOSCALE_UTILIZATION_DEFAULT, aboveZeroAtMostOne(),
                        Importance.LOW, AUTOSCALE_UTILIZATION_DOC)
                .define(AUTOSCALE_DRAIN_MS_CONFIG, Type.INT, AUTOSCALE_DRAIN_MS_DEFAULT,
                        Range.between(1_000, 86_400_000), Importance.LOW, AUTOSCALE_DRAIN_MS_DOC)
                .define(AUTOSCALE_STARTUP_MS_CONFIG, Type.INT, AUTOSCALE_STARTUP_MS_DEFAULT,
                        Range.between(0, 3_600_000), Importance.LOW, AUTOSCALE_STARTUP_MS_DOC)
                .define(AUTOSCALE_REACTION_MS_CONFIG, Type.INT, AUTOSCALE_REACTION_MS_DEFAULT,
                        Range.between(0, 3_600_000), Importance.LOW, AUTOSCALE_REACTION_MS_DOC)
                .define(LOG_FORMAT_CONFIG, Type.STRING, LOG_FORMAT_DEFAULT, ConfigDef.ValidString.in("text", "json"),
                        Importance.LOW, LOG_FORMAT_DOC)
                .define(LOG_DIR_CONFIG, Type.STRING, LOG_DIR_DEFAULT, Importance.LOW, LOG_DIR_DOC)
                .define(CLAUDE_PRICES_CONFIG, Type.LIST, CLAUDE_PRICES_DEFAULT, prices(), Importance.LOW,
                        CLAUDE_PRICES_DOC)
                .define(CLAUDE_PROMPT_CACHE_CONFIG, Type.STRING, CLAUDE_PROMPT_CACHE_DEFAULT,
                        ConfigDef.ValidString.in("5m", "1h", "off"), Importance.LOW, CLAUDE_PROMPT_CACHE_DOC)
                .define(CACHE_ENABLED_CONFIG, Type.BOOLEAN, CACHE_ENABLED_DEFAULT, Importance.MEDIUM, CACHE_ENABLED_DOC)
                .define(CACHE_ROUTING_CONFIG, Type.STRING, CACHE_ROUTING_DEFAULT,
                        ConfigDef.ValidString.in("content", "key"), Importance.MEDIUM, CACHE_ROUTING_DOC)
                .define(CACHE_MAX_BYTES_CONFIG, Type.LONG, CACHE_MAX_BYTES_DEFAULT, Range.between(1024, Long.MAX_VALUE),
                        Importance.MEDIUM, CACHE_MAX_BYTES_DOC)
                .define(ROCKSDB_MEMORY_BYTES_CONFIG, Type.LONG, ROCKSDB_MEMORY_BYTES_DEFAULT, zeroOrAtLeast(
                        ROCKSDB_MEMORY_BYTES_MIN), Importance.MEDIUM, ROCKSDB_MEMORY_BYTES_DOC)
                .define(BREAKER_WINDOW_MS_CONFIG, Type.INT, BREAKER_WINDOW_MS_DEFAULT, Range.between(1_000, 3_600_000),
                        Importance.LOW, BREAKER_WINDOW_MS_DOC)
                .define(BREAKER_MIN_CALLS_CONFIG, Type.INT, BREAKER_MIN_CALLS_DEFAULT, Range.between(1, 100_000),
                        Importance.LOW, BREAKER_MIN_CALLS_DOC)
                .define(BREAKER_FAILURE_RATE_PERCENT_CONFIG, Type.INT, BREAKER_FAILURE_RATE_PERCENT_DEFAULT,
                        Range.between(1, 100), Importance.LOW, BREAKER_FAILURE_RATE_PERCENT_DOC)
                .define(BREAKER_NO_SUCCESS_MS_CONFIG, Type.INT, BREAKER_NO_SUCCESS_MS_DEFAULT,
                        Range.between(1, 3_600_000), Importance.LOW, BREAKER_NO_SUCCESS_MS_DOC)
                .define(BREAKER_NO_SUCCESS_MIN_FAILURES_CONFIG, Type.INT, BREAKER_NO_SUCCESS_MIN_FAILURES_DEFAULT,
                        Range.between(1, 100_000), Importance.LOW, BREAKER_NO_SUCCESS_MIN_FAILURES_DOC)
                .define(BREAKER_OPEN_MS_CONFIG, Type.INT, BREAKER_OPEN_MS_DEFAULT, Range.between(1, 3_600_000),
                        Importance.LOW, BREAKER_OPEN_MS_DOC)
                .define(BREAKER_OPEN_MAX_MS_CONFIG, Type.INT, BREAKER_OPEN_MAX_MS_DEFAULT, Range.between(1, 3_600_000),
                        Importance.LOW, BREAKER_OPEN_MAX_MS_DOC)
                .define(BREAKER_OPEN_MULTIPLIER_CONFIG, Type.DOUBLE, BREAKER_OPEN_MULTIPLIER_DEFAULT,
                        Range.between(1.0, 10.0), Importance.LOW, BREAKER_OPEN_MULTIPLIER_DOC)
                .define(BREAKER_HALF_OPEN_CALLS_CONFIG, Type.INT, BREAKER_HALF_OPEN_CALLS_DEFAULT,
                        Range.between(1, 1_000), Importance.LOW, BREAKER_HALF_OPEN_CALLS_DOC);
        Set<String> layers = new LinkedHashSet<>(BUNDLED_LAYERS);
        chain.forEach(layer -> layers.add(layer.trim().toUpperCase(Locale.ROOT)));
        for (String layer : layers) {
            boolean bundled = BUNDLED_LAYERS.contains(layer);
            def.define(layerKey(LAYER_CACHE_TTL_MS_CONFIG_FORMAT, layer), Type.INT,
                    LAYER_CACHE_TTL_MS_DEFAULTS.getOrDefault(layer, CUSTOM_LAYER_CACHE_TTL_MS_DEFAULT),
                    Range.between(1, 86_400_000), Importance.LOW,
                    "How long an answer of layer " + layer + " is served from the cache"
                            + (bundled ? "" : " (a layer without a bundled profile gets L4's)")
                            + ". Shorten it when the layer's answers go stale sooner, e.g. a prompt that depends on "
                            + "fast-moving state.");
            def.define(layerKey(LAYER_MODEL_CONFIG_FORMAT, layer), Type.STRING, null, Importance.MEDIUM,
                    "Claude model of layer " + layer + "; empty uses the layer's default. Change it to trade cost "
                            + "for quality per layer.");
            def.define(layerKey(LAYER_MAX_TOKENS_CONFIG_FORMAT, layer), Type.INT, null,
                    nullOr(Range.between(1, 128_000)), Importance.LOW,
                    "Max output tokens of layer " + layer + ", thinking included (the current models think "
                            + "adaptively before answering, and those tokens count here); empty uses the layer's "
                            + "default. Raise it when answers stop at max_tokens (hal9_claude_incomplete_total); at "
                            + "most the model's max output (hal9 models).");
            def.define(layerKey(LAYER_EFFORT_CONFIG_FORMAT, layer), Type.STRING, null,
                    nullOr(ConfigDef.ValidString.in(EFFORTS.toArray(String[]::new))), Importance.LOW,
                    "Effort of layer " + layer + " (output_config.effort: " + String.join(", ", EFFORTS)
                            + "): how much the model thinks before answering; empty uses the layer's default. "
                            + "Lower it for faster, cheaper answers, raise it for harder work; a model that takes "
                            + "no effort (hal9 models) refuses it at start-up.");
            def.define(layerKey(LAYER_PROMPT_FILE_CONFIG_FORMAT, layer), Type.STRING, LAYER_PROMPT_FILE_DEFAULT,
                    Importance.MEDIUM,
                    "System prompt file of layer " + layer + ": a first line 'version: <v>', then the prompt. "
                            + (bundled ? "Empty uses the bundled prompt. "
                                    : "Required: the layer has no bundled prompt. ")
                            + "Set it to change the prompt without a rebuild (e.g. a file mounted from a "
                            + "ConfigMap), read once at start-up; give a changed prompt a new version, since the "
                            + "version is part of the cache key.");
        }
        return def;
    }

    private static String layerKey(String format, String layer) {
        return String.format(format, layer.toLowerCase(Locale.ROOT));
    }

    /**
     * Builds the configuration from the environment and explicit settings (which win).
     *
     * @throws ConfigException naming the key when a value is invalid
     */
    public static Hal9Config load(Map<String, ?> explicit, Map<String, String> environment) {
        Map<String, Object> values = new HashMap<>();
        Map<String, Object> kafka = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX)) {
                values.put(envToKey(name), value);
            } else if (name.startsWith(KAFKA_ENV_PREFIX)) {
                kafka.put(name.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'),
                        value);
            }
        });
        explicit.forEach((key, value) -> {
            if (value != null) {
                values.put(key, value);
            }
        });
        List<String> chain = chain(values.getOrDefault(LAYERS_CHAIN_CONFIG, LAYERS_CHAIN_DEFAULT));
        ConfigDef definition = definition(chain);
        for (String key : values.keySet()) {
            if (key.startsWith("hal9.") && !definition.names().contains(key)) {
                throw new ConfigException(key, values.get(key), "unknown HAL9 setting"
                        + (PER_LAYER_KEY.matcher(key).matches() ? " (a per-layer setting of a layer other than "
                        + BUNDLED_LAYERS + " needs the layer in " + LAYERS_CHAIN_CONFIG + ", which is " + chain + ")"
                        : ""));
            }
        }
        Hal9Config config = new Hal9Config(definition, values);
        config.kafkaProperties.putAll(kafka);
        for (String layer : config.layersChain()) {
            String promptFile = layerKey(LAYER_PROMPT_FILE_CONFIG_FORMAT, layer);
            if (!BUNDLED_LAYERS.contains(layer) && config.getString(promptFile).isBlank()) {
                throw new ConfigException("Missing " + promptFile + " (" + keyToEnv(promptFile) + "): layer " + layer
                        + " in " + LAYERS_CHAIN_CONFIG + " has no bundled system prompt; set it to a prompt file "
                        + "(a first line 'version: <v>', then the prompt)");
            }
        }
        int inFlight = config.getInt(NEURON_MAX_IN_FLIGHT_CONFIG);
        if (config.getInt(NEURON_MAX_PENDING_CONFIG) < inFlight) {
            throw new ConfigException(NEURON_MAX_PENDING_CONFIG, config.getInt(NEURON_MAX_PENDING_CONFIG),
                    "must be at least " + NEURON_MAX_IN_FLIGHT_CONFIG + " (" + inFlight + ")");
        }
        if ("key".equals(config.getString(NEURON_ORDERING_CONFIG))
                && "content".equals(config.getString(CACHE_ROUTING_CONFIG))) {
            throw new ConfigException(NEURON_ORDERING_CONFIG + "=key cannot be combined with " + CACHE_ROUTING_CONFIG
                    + "=content: routing by content sends the signals of one record key to different tasks, so "
                    + "their order is lost; set " + CACHE_ROUTING_CONFIG + "=key (" + keyToEnv(CACHE_ROUTING_CONFIG)
                    + "=key) to keep per-key order");
        }
        if (config.getInt(BREAKER_WINDOW_MS_CONFIG) % 1000 != 0) {
            throw new ConfigException(BREAKER_WINDOW_MS_CONFIG, config.getInt(BREAKER_WINDOW_MS_CONFIG),
                    "must be a whole number of seconds");
        }
        if (config.getInt(BREAKER_OPEN_MAX_MS_CONFIG) < config.getInt(BREAKER_OPEN_MS_CONFIG)) {
            throw new ConfigException(BREAKER_OPEN_MAX_MS_CONFIG, config.getInt(BREAKER_OPEN_MAX_MS_CONFIG),
                    "must be at least " + BREAKER_OPEN_MS_CONFIG + " (" + config.getInt(BREAKER_OPEN_MS_CONFIG) + ")");
        }
        return config;
    }

    /** Defaults overridden by the given settings only (no environment): for tests and embedded use. */
    public static Hal9Config of(Map<String, ?> explicit) {
        return load(explicit, Map.of());
    }

    /** {@code HAL9_CLAUDE_TIMEOUT_MS} → {@code hal9.claude.timeout.ms}. */
    public static String envToKey(String environmentName) {
        return environmentName.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** {@code hal9.claude.timeout.ms} → {@code HAL9_CLAUDE_TIMEOUT_MS}. */
    public static String keyToEnv(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private final Properties kafkaProperties = new Properties();

    /** Kafka client settings passed through from {@code KAFKA_*} environment variables. */
    public Properties kafkaProperties() {
        Properties copy = new Properties();
        copy.putAll(kafkaProperties);
        return copy;
    }

    public String bootstrapServers() {
        return getString(BOOTSTRAP_SERVERS_CONFIG);
    }

    public String schemaRegistryUrl() {
        return getString(SCHEMA_REGISTRY_URL_CONFIG);
    }

    /** What each application id starts with ({@code hal9.application.id.prefix}): {@code hal9-}. */
    public String applicationIdPrefix() {
        return getString(APPLICATION_ID_PREFIX_CONFIG);
    }

    /** Whether this process runs the game ({@code hal9.game.enabled}). */
    public boolean gameEnabled() {
        return getBoolean(GAME_ENABLED_CONFIG);
    }

    /** The Messages API endpoint ({@code hal9.claude.base.url}). */
    public String claudeBaseUrl() {
        return getString(CLAUDE_BASE_URL_CONFIG);
    }

    /** The timeout of one Claude request ({@code hal9.claude.timeout.ms}). */
    public java.time.Duration claudeTimeout() {
        return java.time.Duration.ofMillis(getInt(CLAUDE_TIMEOUT_MS_CONFIG));
    }

    /** The retries the Claude SDK makes inside one call ({@code hal9.claude.max.retries}). */
    public int claudeMaxRetries() {
        return getInt(CLAUDE_MAX_RETRIES_CONFIG);
    }

    /** The largest signal content sent to Claude, in UTF-8 bytes ({@code hal9.signal.max.content.bytes}). */
    public int signalMaxContentBytes() {
        return getInt(SIGNAL_MAX_CONTENT_BYTES_CONFIG);
    }

    public List<String> layersChain() {
        return getList(LAYERS_CHAIN_CONFIG).stream().map(s -> s.trim().toUpperCase(Locale.ROOT)).toList();
    }

    public String layerModel(String layer) {
        return getString(String.format(LAYER_MODEL_CONFIG_FORMAT, layer.toLowerCase(Locale.ROOT)));
    }

    public java.time.Duration layerCacheTtl(String layer) {
        return java.time.Duration.ofMillis(getInt(String.format(LAYER_CACHE_TTL_MS_CONFIG_FORMAT,
                layer.toLowerCase(Locale.ROOT))));
    }

    /** The layer's {@code hal9.<layer>.effort}, {@code null} when not set. */
    public String layerEffort(String layer) {
        return getString(String.format(LAYER_EFFORT_CONFIG_FORMAT, layer.toLowerCase(Locale.ROOT)));
    }

    public Integer layerMaxTokens(String layer) {
        return getInt(String.format(LAYER_MAX_TOKENS_CONFIG_FORMAT, layer.toLowerCase(Locale.ROOT)));
    }

    /**
     * The system prompt of a layer: read from {@code hal9.<layer>.prompt.file} when it is set (on
     * every call: resolve it once, at start-up), else the bundled one.
     *
     * @throws ConfigException naming the key and the path when the file is missing, unreadable or
     *                         not a prompt file (see {@link Prompts#parse}), or naming the key when a
     *                         layer without a bundled prompt has no file
     */
    public Prompts.Prompt layerPrompt(String layer) {
        String key = layerKey(LAYER_PROMPT_FILE_CONFIG_FORMAT, layer);
        String file = getString(key);
        if (!file.isBlank()) {
            return PromptFiles.read(layer, key, file);
        }
        if (!BUNDLED_LAYERS.contains(layer)) {
            throw new ConfigException("Missing " + key + " (" + keyToEnv(key) + "): layer " + layer
                    + " has no bundled system prompt; set it to a prompt file");
        }
        return Prompts.load(layer);
    }

    private static ConfigDef.Validator httpUrl() {
        return (name, value) -> {
            String s = value == null ? "" : value.toString();
            if (!s.startsWith("http://") && !s.startsWith("https://")) {
                throw new ConfigException(name, value, "must be an http:// or https:// URL");
            }
        };
    }

    /** A number in (0, 1]: a smoothing weight or a share that cannot be nothing. */
    private static ConfigDef.Validator aboveZeroAtMostOne() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                double n = value == null ? Double.NaN : ((Number) value).doubleValue();
                if (!(n > 0 && n <= 1)) {
                    throw new ConfigException(name, value, "must be above 0 and at most 1");
                }
            }

            @Override
            public String toString() {
                return "(0,...,1]";
            }
        };
    }

    /** 0 (off), or a number of at least {@code min}. */
    private static ConfigDef.Validator zeroOrAtLeast(long min) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                long n = value == null ? -1 : ((Number) value).longValue();
                if (n != 0 && n < min) {
                    throw new ConfigException(name, value, "must be 0 (unbounded) or at least " + min);
                }
            }

            @Override
            public String toString() {
                return "0 or [" + min + ",...]";
            }
        };
    }

    private static ConfigDef.Validator optional(ConfigDef.Validator validator) {
        return (name, value) -> {
            if (value != null && !value.toString().isEmpty()) {
                validator.ensureValid(name, value);
            }
        };
    }

    /** The chain, parsed and validated before the per-layer settings can be defined. */
    private static List<String> chain(Object value) {
        @SuppressWarnings("unchecked")
        List<String> layers = (List<String>) ConfigDef.parseType(LAYERS_CHAIN_CONFIG, value, Type.LIST);
        layerList().ensureValid(LAYERS_CHAIN_CONFIG, layers);
        return layers.stream().map(s -> s.trim().toUpperCase(Locale.ROOT)).toList();
    }

    private static ConfigDef.Validator layerList() {
        return (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> layers = (List<String>) value;
            if (layers == null || layers.isEmpty()) {
                throw new ConfigException(name, value, "must name at least one layer");
            }
            for (String layer : layers) {
                if (!LAYER_NAME.matcher(layer.trim().toUpperCase(Locale.ROOT)).matches()) {
                    throw new ConfigException(name, value, "invalid layer '" + layer + "': a layer is L and its "
                            + "number, e.g. L5 (bundled: " + BUNDLED_LAYERS + ")");
                }
            }
            if (layers.stream().map(l -> l.trim().toUpperCase(Locale.ROOT)).distinct().count() != layers.size()) {
                throw new ConfigException(name, value, "a layer may appear only once in the chain");
            }
        };
    }

    private static ConfigDef.Validator laneList() {
        return (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> labels = (List<String>) value;
            if (labels == null || labels.isEmpty()) {
                throw new ConfigException(name, value, "must name at least one lane: high, normal, bulk");
            }
            try {
                if (labels.stream().map(Lane::of).distinct().count() != labels.size()) {
                    throw new ConfigException(name, value, "a lane may appear only once");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        };
    }

    private static ConfigDef.Validator laneSharesValidator() {
        return (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            try {
                int total = shares(entries).values().stream().mapToInt(Integer::intValue).sum();
                if (total > 100) {
                    throw new ConfigException(name, value, "the shares add up to " + total + " %, more than 100");
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, value, e.getMessage());
            }
        };
    }

    /** {@code lane=percent} entries as a map; every lane not named has 0. */
    private static Map<Lane, Integer> shares(List<String> entries) {
        Map<Lane, Integer> shares = new EnumMap<>(Lane.class);
        for (Lane lane : Lane.values()) {
            shares.put(lane, 0);
        }
        for (String entry : entries) {
            String[] laneAndPercent = entry.trim().split("=");
            if (laneAndPercent.length != 2 || !laneAndPercent[1].trim().matches("\\d{1,3}")) {
                throw new IllegalArgumentException("each entry must be lane=percent, e.g. high=50; got '"
                        + entry.trim() + "'");
            }
            shares.put(Lane.of(laneAndPercent[0]), Integer.parseInt(laneAndPercent[1].trim()));
        }
        return shares;
    }

    /** The lanes each layer runs ({@code hal9.lanes}), normal first, then high, then bulk. */
    public List<Lane> lanes() {
        List<Lane> named = getList(LANES_CONFIG).stream().map(Lane::of).toList();
        return java.util.stream.Stream.of(Lane.NORMAL, Lane.HIGH, Lane.BULK).filter(named::contains).toList();
    }

    /** The share of the live Claude call limit each lane is sure of, in percent ({@code hal9.lanes.shares}). */
    public Map<Lane, Integer> laneShares() {
        return shares(getList(LANES_SHARES_CONFIG));
    }

    private static ConfigDef.Validator prices() {
        return (name, value) -> {
            @SuppressWarnings("unchecked")
            List<String> entries = (List<String>) value;
            for (String entry : entries) {
                if (!entry.trim().matches(PRICE_ENTRY)) {
                    throw new ConfigException(name, value, "each entry must be model=input/output (USD per million "
                            + "tokens), e.g. claude-sonnet-5-5=2/10, or model=input/output/cache-write/cache-read, "
                            + "e.g. claude-sonnet-5-5=2/10/2.5/0.1; got '" + entry + "'");
                }
            }
        };
    }

    /**
     * Model → {input, output} US dollars per million tokens, or {input, output, cache write, cache
     * read} for an entry that gives all four.
     */
    public Map<String, double[]> claudePrices() {
        Map<String, double[]> prices = new HashMap<>();
        for (String entry : getList(CLAUDE_PRICES_CONFIG)) {
            String[] modelAndPrices = entry.trim().split("=");
            prices.put(modelAndPrices[0], Arrays.stream(modelAndPrices[1].split("/"))
                    .mapToDouble(Double::parseDouble).toArray());
        }
        return prices;
    }

    private static ConfigDef.Validator nullOr(ConfigDef.Validator inner) {
        return (name, value) -> {
            if (value != null) {
                inner.ensureValid(name, value);
            }
        };
    }
}
