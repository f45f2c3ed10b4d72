package io.hal9.topology.kafka;

import io.hal9.schemas.v1.CachedAnswer;

/** The answer store's value format: {@link StoreValueSerde} over {@link CachedAnswer}. */
public final class CachedAnswerSerde extends StoreValueSerde<CachedAnswer> {

    public CachedAnswerSerde() {
        super(CachedAnswer.class, "answer store entry");
    }
}
