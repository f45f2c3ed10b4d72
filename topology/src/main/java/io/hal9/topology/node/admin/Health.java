package io.hal9.topology.node.admin;

import java.util.List;

/**
 * What {@code GET /health} answers.
 *
 * @param service   always {@code hal9-streams}: a probe can tell HAL9 from any other program
 * @param version   the HAL9 Streams version
 * @param pid       this process
 * @param startedAt when the process started (ISO-8601)
 * @param status    {@code UP} when every layer runs, Claude serves every layer (accepts the key and
 *                  the account, knows the model) and every breaker is closed; {@code DEGRADED} when a
 *                  breaker is open or half-open; {@code DOWN} when a layer is not running, Claude
 *                  refuses a layer (its {@code neuron} is not {@code OK}) or the process is shutting
 *                  down (always {@code DOWN} once the process is shutting down)
 * @param closing   true from the moment the process starts shutting down (SIGTERM): it takes no new
 *                  work and is finishing the Claude calls in flight
 * @param layers    each layer this process runs
 */
public record Health(String service, String version, long pid, String startedAt, String status, boolean closing,
                     List<LayerHealth> layers) {

    public static final String SERVICE = "hal9-streams";

    /**
     * The {@code breaker} and {@code neuron} of an application that makes no Claude call itself
     * (the game, which asks Claude through the layers): it has no breaker to be open and no key to
     * be rejected.
     */
    public static final String NONE = "NONE";

    /**
     * One lane of a layer ({@code lane}: {@code high}, {@code normal}, {@code bulk}; {@link #NONE} for
     * the game): its Kafka Streams application and state, whether Claude serves it ({@code neuron}:
     * {@code OK}, or, until a call succeeds again, {@code KEY_REJECTED} (401/403),
     * {@code BILLING_BLOCKED} (402, or the spend limit reached) or {@code MODEL_NOT_FOUND} (404 for
     * the layer's model)), the breaker's state, the cache hit ratio, and the
     * signals in flight and waiting, and the last failed Claude call ({@code lastFailure}: category,
     * message and retry-after, e.g. {@code TRANSIENT: I/O failure calling Claude: cannot resolve
     * api.anthropic.com (...)}; never the API key; {@code null} when no call has failed). The game is
     * listed the same way, with {@link #NONE} as its neuron and breaker and no last failure.
     */
    public record LayerHealth(String layer, String lane, String applicationId, String state, String neuron, String breaker,
                              double cacheHitRatio, int inFlight, int waiting, String lastFailure) {
    }

    /**
     * True for {@code UP} and {@code DEGRADED}: the process works; a degraded one has a breaker that
     * is not closed (Claude is failing), which more or other pods would not fix.
     */
    public boolean up() {
        return "UP".equals(status) || "DEGRADED".equals(status);
    }
}
