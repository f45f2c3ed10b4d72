package io.hal9.neurons;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/** Small helpers for the futures the neuron clients hand out. */
public final class Futures {

    private Futures() {
    }

    /**
     * A new future completed with {@code source}'s value mapped by {@code map}, or failed with
     * {@code source}'s own failure (not wrapped in a {@link CompletionException}, so a
     * {@link NeuronException} stays the direct cause). Completing or cancelling the result does
     * not touch {@code source}, which may be shared (a cache entry).
     */
    public static <T, R> CompletableFuture<R> relay(CompletableFuture<T> source, Function<? super T, ? extends R> map) {
        CompletableFuture<R> result = new CompletableFuture<>();
        source.whenComplete((value, failure) -> {
            if (failure != null) {
                result.completeExceptionally(unwrap(failure));
                return;
            }
            try {
                result.complete(map.apply(value));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** The failure inside {@link CompletionException} / {@link ExecutionException} wrappers. */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
