package io.hal9.topology.kafka;

import java.nio.ByteBuffer;
import java.time.Instant;

import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Signal;

/** What a dead letter holds, for the layers and the game alike: the record's bytes, its origin and why. */
public final class DeadLetters {

    private DeadLetters() {
    }

    /**
     * A dead letter for an input record of {@code layer} (a layer, or the game).
     *
     * @param signal the decoded signal when there is one (its ids are kept), else null
     */
    public static DeadLetter of(String layer, byte[] key, byte[] value, Origin origin, Signal signal,
                                ErrorCategory category, String reason, int attempts, long firstFailureMs,
                                long lastFailureMs) {
        return DeadLetter.newBuilder()
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
                .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
                .setSourceTopic(origin.topic())
                .setSourcePartition(origin.partition())
                .setSourceOffset(origin.offset())
                .setLayer(layer)
                .setCategory(category)
                .setReason(reason)
                .setAttempts(attempts)
                .setFirstFailureAt(Instant.ofEpochMilli(firstFailureMs))
                .setLastFailureAt(Instant.ofEpochMilli(lastFailureMs))
                .setSignalId(signal == null ? null : signal.getSignalId())
                .setRootId(signal == null ? null : signal.getRootId())
                .build();
    }

    /** An exception's message for a dead letter's reason, or its class name when it has none. */
    public static String reason(Throwable e) {
        String text = e.getMessage();
        return text == null || text.isBlank() ? e.getClass().getSimpleName() : text;
    }
}
