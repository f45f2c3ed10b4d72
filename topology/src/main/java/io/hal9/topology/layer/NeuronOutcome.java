package io.hal9.topology.layer;

import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Signal;

/** What the neuron stage made of one input record: a derived signal to forward, or a dead letter. */
public sealed interface NeuronOutcome {

    /** The layer answered: the derived signal goes on to the next layer (or to the results). */
    record Forwarded(Signal signal) implements NeuronOutcome {
    }

    /** The record could not be turned into a signal; the dead letter says why. */
    record DeadLettered(DeadLetter deadLetter) implements NeuronOutcome {
    }
}
