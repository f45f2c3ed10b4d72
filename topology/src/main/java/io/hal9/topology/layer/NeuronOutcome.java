package io.hal9.topology.layer;

import io.hal9.schemas.serde.UnknownFields;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.generic.IndexedRecord;

/** What the neuron stage made of one input record: a derived signal to forward, or a dead letter. */
public sealed interface NeuronOutcome {

    /**
     * The layer answered: the derived signal goes on to the next layer (or to the results), with the
     * fields a newer producer added to the input that {@link Signal} does not know.
     */
    record Forwarded(Signal signal, UnknownFields unknownFields) implements NeuronOutcome {

        public Forwarded(Signal signal) {
            this(signal, UnknownFields.NONE);
        }

        /** What the layer writes: the signal, with the unknown fields appended when there are any. */
        public IndexedRecord value() {
            return unknownFields.appendTo(signal);
        }
    }

    /** The record could not be turned into a signal; the dead letter says why. */
    record DeadLettered(DeadLetter deadLetter) implements NeuronOutcome {
    }
}
