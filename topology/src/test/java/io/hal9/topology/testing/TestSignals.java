package io.hal9.topology.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.Signal;

/** Signals, keys and bytes as the tests publish and compare them. */
public final class TestSignals {

    private TestSignals() {
    }

    /** A producer's signal: id and root id {@code id}, the given content, created now. */
    public static Signal signal(String id, String content) {
        return Signal.newBuilder()
                .setSignalId(id)
                .setRootId(id)
                .setActivation(Activation.newBuilder().setContent(content).build())
                .setCreatedAt(Instant.now())
                .build();
    }

    /** A record key as UTF-8 bytes. */
    public static byte[] key(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** The remaining bytes of an Avro {@code bytes} field. */
    public static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
