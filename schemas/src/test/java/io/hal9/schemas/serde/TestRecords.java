package io.hal9.schemas.serde;

import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Gradient;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Propagation;
import io.hal9.schemas.v1.Signal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** HAL9 records with every field set, as they look after travelling through two layers. */
final class TestRecords {

    static final Instant CREATED = Instant.parse("2026-11-02T10:15:30.123Z");

    private TestRecords() {
    }

    static Signal fullSignal() {
        return Signal.newBuilder()
                .setSignalId("sig-2")
                .setRootId("sig-0")
                .setParentId("sig-1")
                .setFromNeuron("L3-planner")
                .setToNeuron("L2-coder")
                .setLayerFrom("L3")
                .setLayerTo("L2")
                .setPropagation(Propagation.BACKWARD)
                .setActivation(Activation.newBuilder()
                        .setContent("Write a function that adds two numbers.")
                        .setStrength(0.75)
                        .setFeatures(Map.of("urgency", 0.9, "novelty", 0.1))
                        .build())
                .setGradient(Gradient.newBuilder()
                        .setErrorType("test-failure")
                        .setMagnitude(0.4)
                        .setAdjustments(List.of("handle overflow", "add a docstring"))
                        .setLoss(1.25)
                        .build())
                .setMetadata(Map.of("tenant", "acme", "trace", "abc123"))
                .setCreatedAt(CREATED)
                .setHops(List.of(
                        hop("L4", "L4-strategist", true, null),
                        hop("L3", "L3-planner", false, "Split it into a parser and an adder.")))
                .build();
    }

    static DeadLetter deadLetter() {
        return DeadLetter.newBuilder()
                .setOriginalKey(ByteBuffer.wrap("sig-2".getBytes(StandardCharsets.UTF_8)))
                .setOriginalValue(ByteBuffer.wrap(new byte[] {0x7b, 0x00, (byte) 0xff}))
                .setSourceTopic("hal9.l2.in")
                .setSourcePartition(3)
                .setSourceOffset(42L)
                .setLayer("L2")
                .setCategory(ErrorCategory.RATE_LIMITED)
                .setReason("429 from Claude after 3 attempts")
                .setAttempts(3)
                .setFirstFailureAt(CREATED)
                .setLastFailureAt(CREATED.plusSeconds(30))
                .setSignalId("sig-2")
                .setRootId("sig-0")
                .build();
    }

    private static Hop hop(String layer, String neuron, boolean cacheHit, String output) {
        return Hop.newBuilder()
                .setLayer(layer)
                .setNeuron(neuron)
                .setModel("claude-sonnet-4-5")
                .setCacheHit(cacheHit)
                .setLatencyMs(820)
                .setInputTokens(1200)
                .setOutputTokens(300)
                .setAt(CREATED.plusMillis(500))
                .setOutput(output)
                .build();
    }
}
