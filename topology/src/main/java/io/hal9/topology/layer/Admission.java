package io.hal9.topology.layer;

import java.nio.ByteBuffer;

import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.resilience.CachedNeuronClient;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.PendingSignal;

/**
 * What a layer makes of a record it reads: a signal for its neuron, or a dead letter; under content
 * routing, a signal on its way to the task of its cache key, or one answered at once.
 */
public sealed interface Admission {

    /**
     * A signal for the neuron, as the stage holds it ({@code sequence} not yet given) with the
     * producer's key, the bytes as read and their origin.
     */
    record Admitted(PendingSignal entry) implements Admission {

        /** The request the layer's neuron is asked. */
        public NeuronRequest request(LayerSpec spec) {
            return Admission.request(spec, entry);
        }

        /** The cache key of its request: what content routing partitions by. */
        public String cacheKey(LayerSpec spec) {
            return CachedNeuronClient.keyOf(request(spec));
        }
    }

    /** The record cannot become a signal; its dead letter says why and goes out under {@code key}. */
    record Refused(byte[] key, DeadLetter deadLetter) implements Admission {
    }

    /** An admitted signal the route stage sends on to the task that owns {@code cacheKey}. */
    record Routed(String cacheKey, PendingSignal entry) implements Admission {
    }

    /** A signal the route stage answered from an answer the instance holds: its derived signal goes out. */
    record Answered(NeuronOutcome.Forwarded forwarded) implements Admission {
    }

    /** The request a held signal makes of the layer's neuron. */
    static NeuronRequest request(LayerSpec spec, PendingSignal entry) {
        var activation = entry.getSignal().getActivation();
        return new NeuronRequest(spec.profile(), activation.getContent(), activation.getFeatures());
    }

    /** The bytes of an Avro {@code bytes} field, {@code null} kept. */
    static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
