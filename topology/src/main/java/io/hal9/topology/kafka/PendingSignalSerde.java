package io.hal9.topology.kafka;

import io.hal9.schemas.v1.PendingSignal;

/** The in-flight store's value format: {@link StoreValueSerde} over {@link PendingSignal}. */
public final class PendingSignalSerde extends StoreValueSerde<PendingSignal> {

    public PendingSignalSerde() {
        super(PendingSignal.class, "in-flight store entry");
    }
}
