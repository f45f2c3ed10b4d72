package io.hal9.neurons;

import java.util.concurrent.CompletableFuture;

/**
 * Asks Claude on behalf of a neuron.
 *
 * <p>{@link #ask} never blocks the caller: it starts the call and returns a future at once. The
 * future completes with the reply, or fails with a {@link NeuronException} whose category tells
 * the caller whether to retry, dead-letter or trip the breaker. Implementations are thread-safe.
 */
public interface NeuronClient extends AutoCloseable {

    /** Starts the call; the returned future fails with a {@link NeuronException}. */
    CompletableFuture<NeuronReply> ask(NeuronRequest request);

    /** Number of calls started since this client was created. */
    long requestCount();

    /** Releases connections and threads; calls still in flight may fail. */
    @Override
    void close();
}
