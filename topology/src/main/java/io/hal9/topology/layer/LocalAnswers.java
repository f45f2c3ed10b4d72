package io.hal9.topology.layer;

import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.resilience.CachedNeuronClient;

/**
 * The answers a layer instance's tasks keep in their answer stores ({@link NeuronAnswers},
 * {@code hal9.cache.routing=content}), in memory, shared by all of the instance's tasks: the route
 * stage answers work that one of them holds at once, without sending the signal through the
 * repartition topic to the task that owns its cache key.
 *
 * <p><b>How to use.</b> {@link NeuronAnswers} {@linkplain #hold holds} every answer it keeps or finds
 * here and {@linkplain #forget forgets} every answer it deletes; the route stage asks {@link #find}
 * before it routes a signal. Thread-safe: tasks on every stream thread of the instance share it.
 *
 * <p><b>Guarantees.</b> An answer is served exactly as long as its store serves it: until its
 * {@code expiresAt}, as the stage's clock tells, and not after its store deleted it. The stores stay
 * the truth: a signal this view cannot answer is routed, and its owning task looks its store up as
 * before. An answer of a task that moved to another instance stays here until it expires or is
 * evicted; it is the same answer the new owner restores from the changelog.
 *
 * <p><b>Bound.</b> {@code maxBytes} ({@code hal9.cache.max.bytes}) of estimated heap, weighed as the
 * neuron client's cache weighs its answers ({@link CachedNeuronClient#weigh}); when full, Caffeine
 * evicts the answers least likely to be asked again, and those signals take the hop.
 */
public final class LocalAnswers {

    private final Cache<String, Held> answers;

    public LocalAnswers(long maxBytes) {
        this.answers = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .<String, Held>weigher((key, held) -> CachedNeuronClient.weigh(key, held.reply()))
                .build();
    }

    /** The unexpired answer held for a cache key, marked cached. */
    Optional<NeuronReply> find(String key, long nowMs) {
        Held held = answers.getIfPresent(key);
        if (held == null) {
            return Optional.empty();
        }
        if (held.expiresAt() <= nowMs) {
            answers.asMap().remove(key, held);
            return Optional.empty();
        }
        return Optional.of(held.reply());
    }

    /** Holds a stored answer (marked cached) until {@code expiresAt}. */
    void hold(String key, NeuronReply reply, long expiresAt) {
        answers.put(key, new Held(reply, expiresAt));
    }

    /** The store deleted the answer to a cache key: it is no longer served. */
    void forget(String key) {
        answers.invalidate(key);
    }

    /** Answers held (expired ones included until they are asked for or evicted). */
    long size() {
        return answers.estimatedSize();
    }

    private record Held(NeuronReply reply, long expiresAt) {
    }
}
