package io.hal9.topology.layer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Claude accepts this instance's API key. A rejected key (401/403) means every call would
 * fail, so the instance reports unready until a call succeeds. Logged once per rejection, never
 * with the key. Thread safety: any thread.
 */
public final class ApiKeyStatus {

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyStatus.class);

    private final String layer;
    private final Duration retry;
    private final AtomicBoolean rejected = new AtomicBoolean();

    /**
     * @param retry how long signals wait before a call tries the key again ({@code hal9.neuron.auth.retry.ms})
     */
    public ApiKeyStatus(String layer, Duration retry) {
        this.layer = layer;
        this.retry = retry;
    }

    /** Claude rejected the key on the last call. */
    void rejected(String reason) {
        if (rejected.compareAndSet(false, true)) {
            LOG.error("layer {}: Claude rejected the API key ({}); signals wait in the store and are retried every "
                    + "{} ms; the instance reports unready until a call succeeds. Check ANTHROPIC_API_KEY.",
                    layer, reason, retry.toMillis());
        }
    }

    /** A call succeeded: the key works. */
    void accepted() {
        if (rejected.compareAndSet(true, false)) {
            LOG.info("layer {}: Claude accepts the API key again", layer);
        }
    }

    /** True while the last call's answer was a rejected key. */
    public boolean isRejected() {
        return rejected.get();
    }
}
