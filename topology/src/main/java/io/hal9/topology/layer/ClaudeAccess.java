package io.hal9.topology.layer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import io.hal9.neurons.FailureCategory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Claude serves this layer at all. Three answers say that every call of the layer would
 * fail until someone acts: a rejected API key (401/403), an account that may not spend (402
 * {@code billing_error}, or a 429 for the reached spend limit) and a model Claude does not know (404
 * {@code not_found_error}). After any of them the instance reports it ({@link #state()}, shown as
 * {@code "neuron"} in {@code /health}) and is not ready, until a call succeeds. Signals wait out all
 * three in the store (tried again every {@code hal9.neuron.auth.retry.ms}): a model that disappears
 * while the layer runs (retired, withdrawn) is fixed by a new model setting and a restart, which
 * then answers the waiting signals, instead of dead-lettering the whole stream.
 * Logged once per change of state, never with the key. Thread safety: any thread.
 */
public final class ClaudeAccess {

    private static final Logger LOG = LoggerFactory.getLogger(ClaudeAccess.class);

    /** What the last call that said anything about it told of this layer's access to Claude. */
    public enum State {
        /** Claude answers this layer (or has not refused it yet). */
        OK,
        /** 401/403: the API key is missing, invalid or not allowed. */
        KEY_REJECTED,
        /** 402 {@code billing_error}, or the spend limit is reached ({@code enforced_spend_limit_reached}). */
        BILLING_BLOCKED,
        /** 404 {@code not_found_error}: Claude does not know the layer's model. */
        MODEL_NOT_FOUND
    }

    private final String layer;
    private final Duration retry;
    private final AtomicReference<State> state = new AtomicReference<>(State.OK);

    /**
     * @param retry how long signals wait before a call tries again after a rejected key or a billing
     *              refusal ({@code hal9.neuron.auth.retry.ms})
     */
    public ClaudeAccess(String layer, Duration retry) {
        this.layer = layer;
        this.retry = retry;
    }

    /** A call failed with {@code category}; only a rejected key, a billing refusal or an unknown model count. */
    void failed(FailureCategory category, String reason) {
        State refused = switch (category) {
            case AUTH -> State.KEY_REJECTED;
            case BILLING -> State.BILLING_BLOCKED;
            case MODEL_NOT_FOUND -> State.MODEL_NOT_FOUND;
            default -> null;
        };
        if (refused == null || state.getAndSet(refused) == refused) {
            return;
        }
        switch (refused) {
            case KEY_REJECTED -> LOG.error("layer {}: Claude rejected the API key ({}); signals wait in the store and "
                    + "are retried every {} ms; the instance reports unready until a call succeeds. Check "
                    + "ANTHROPIC_API_KEY.", layer, reason, retry.toMillis());
            case BILLING_BLOCKED -> LOG.error("layer {}: Claude refuses this account's calls on billing grounds ({}); "
                    + "signals wait in the store and are retried every {} ms; the instance reports unready until a "
                    + "call succeeds. Check the account's credit balance and spend limit in the Claude Console.",
                    layer, reason, retry.toMillis());
            case MODEL_NOT_FOUND -> LOG.error("layer {}: Claude does not know the layer's model ({}); signals wait in "
                    + "the store and are retried every {} ms; the instance reports unready until a call succeeds. "
                    + "Set hal9.{}.model to a current model (hal9 models) and restart the layer.", layer, reason,
                    retry.toMillis(), layer.toLowerCase(java.util.Locale.ROOT));
            default -> throw new IllegalStateException("not a refusal: " + refused);
        }
    }

    /** A call succeeded: Claude serves this layer. */
    void accepted() {
        State before = state.getAndSet(State.OK);
        if (before != State.OK) {
            LOG.info("layer {}: Claude answers again (was {})", layer, before);
        }
    }

    /** What the last call that said anything about it told; {@link State#OK} until Claude refuses the layer. */
    public State state() {
        return state.get();
    }

    /** True while the last such answer was a refusal: every call of the layer would fail. */
    public boolean refused() {
        return state.get() != State.OK;
    }
}
