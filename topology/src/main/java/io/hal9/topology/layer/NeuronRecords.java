package io.hal9.topology.layer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.hal9.neurons.NeuronReply;
import io.hal9.schemas.serde.AvroDeserializer;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.PendingSignal;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.DeadLetters;
import io.hal9.topology.kafka.Origin;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;

/**
 * The record-level rules every neuron stage shares: how an input record becomes a signal (or a
 * dead letter), and how an answer becomes the derived signal (or, refused, a dead letter). The dead
 * letter itself is built by {@link DeadLetters}, which the game shares.
 */
public final class NeuronRecords {

    private final LayerSpec spec;
    private final AvroDeserializer<Signal> decoder;

    public NeuronRecords(LayerSpec spec, AvroDeserializer<Signal> decoder) {
        this.spec = spec;
        this.decoder = decoder;
    }

    /** An input record read: either a signal ready for the neuron, or why it cannot be one. */
    public record Intake(Signal signal, ErrorCategory category, String reason) {
        public boolean accepted() {
            return signal != null && category == null;
        }
    }

    /**
     * Decodes and validates an input value. Bad bytes and invalid signals become a refusal; a
     * signal without ids gets a stable id from its source.
     *
     * @throws RuntimeException other than {@link SerializationException} when the schema registry
     *     cannot be reached: the record is not at fault and must not be dead-lettered
     */
    public Intake intake(Headers headers, byte[] value, Origin source) {
        Signal decoded;
        try {
            decoded = decoder.deserialize(source.topic(), headers, value);
        } catch (SerializationException e) {
            return new Intake(null, ErrorCategory.DESERIALIZATION, "undecodable signal: " + DeadLetters.reason(e));
        }
        if (decoded == null) {
            return new Intake(null, ErrorCategory.DESERIALIZATION, "record has no value");
        }
        Signal signal = withIdentity(decoded, source);
        String invalid = validate(signal);
        return invalid == null ? new Intake(signal, null, null) : new Intake(signal, ErrorCategory.INVALID_INPUT, invalid);
    }

    /**
     * An input record as the stage takes it in: a signal to hold, with the producer's key (byte for
     * byte, {@code null} kept), the bytes as read, their origin and timestamp; or, for bad input, its
     * dead letter (0 attempts), under the same key.
     */
    public Admission admit(byte[] key, Headers headers, byte[] value, Origin source, long timestamp, long nowMs) {
        Intake intake = intake(headers, value, source);
        if (!intake.accepted()) {
            return new Admission.Refused(key, deadLetter(key, value, source, intake.signal(), intake.category(),
                    intake.reason(), 0, nowMs, nowMs));
        }
        return new Admission.Admitted(PendingSignal.newBuilder()
                .setSequence(0)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setSignal(intake.signal())
                .setOriginalValue(ByteBuffer.wrap(value))
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setTimestamp(timestamp)
                .build());
    }

    /**
     * The signal this layer sends on for {@code input}, read from {@code originalValue}: the
     * {@linkplain #derive derived signal}, with the top-level fields a producer on a newer
     * {@code Signal} added to the input (and {@code Signal} does not know) carried along. For input
     * without such fields this costs a map lookup.
     *
     * @param originalValue the input record's bytes, as {@link #intake} accepted them
     */
    public NeuronOutcome.Forwarded forward(Signal input, byte[] originalValue, NeuronReply reply, long nowMs) {
        return new NeuronOutcome.Forwarded(derive(input, reply, nowMs), decoder.unknownFields(originalValue));
    }

    /** Characters of a refusal's partial answer quoted in its dead letter's reason. */
    static final int REFUSAL_QUOTE_CHARS = 200;

    /**
     * The signal this layer sends on: new stable id, same root, the input as parent, one more hop,
     * its {@code priority} the lane it travels in (the topic decides, whatever the producer set). The
     * hop records the answer's stop reason ({@code max_tokens} tells the next layer, and the results,
     * that the answer it carries was cut at this layer's max tokens), its prompt-cache tokens and
     * what the call cost.
     *
     * <p>The derived signal shares the values of the fields it keeps with {@code input} instead of
     * copying them (an input signal is decoded for one record and dropped after it): neither is
     * changed afterwards.
     */
    public Signal derive(Signal input, NeuronReply reply, long nowMs) {
        List<Hop> hops = new ArrayList<>(input.getHops().size() + 1);
        hops.addAll(input.getHops());
        hops.add(Hop.newBuilder()
                .setLayer(spec.layer())
                .setNeuron(spec.profile().neuron())
                .setModel(reply.model())
                .setCacheHit(reply.cached())
                .setLatencyMs(reply.latencyMs())
                .setInputTokens(reply.inputTokens())
                .setOutputTokens(reply.outputTokens())
                .setAt(Instant.ofEpochMilli(nowMs))
                .setOutput(reply.text())
                .setStopReason(reply.stopReason() == null || reply.stopReason().isBlank() ? null : reply.stopReason())
                .setCacheWriteTokens(reply.cacheCreationInputTokens())
                .setCacheReadTokens(reply.cacheReadInputTokens())
                // an answer served from a cache cost nothing now: its tokens are those of the call that made it
                .setCostUsd(reply.cached() ? 0.0 : spec.prices().cost(reply))
                .build());
        Activation activation = Activation.newBuilder(input.getActivation()).setContent(reply.text()).build();
        Signal derived = sharing(input, new Signal());
        derived.setSignalId(stableId(spec.layer() + "/" + input.getSignalId()));
        derived.setParentId(input.getSignalId());
        derived.setFromNeuron(spec.profile().neuron());
        derived.setToNeuron(spec.nextNeuron());
        derived.setLayerFrom(spec.layer());
        derived.setLayerTo(spec.nextLayer().orElse(null));
        derived.setActivation(activation);
        derived.setHops(hops);
        derived.setPriority(spec.lane().priority());
        return derived;
    }

    /** {@code into}, holding the values of every field of {@code from} (the same objects, not copies). */
    private static <T extends SpecificRecordBase> T sharing(T from, T into) {
        for (int field = 0; field < from.getSchema().getFields().size(); field++) {
            into.put(field, from.get(field));
        }
        return into;
    }

    /**
     * The reason of a refused signal's dead letter: {@code "Claude refused: "}, then what Claude said
     * about why (its {@code stop_details}: category and explanation) or {@code "no reason given"}, then
     * the partial answer, if any, quoted and shortened to {@value #REFUSAL_QUOTE_CHARS} characters.
     */
    public static String refusalReason(NeuronReply reply) {
        String why = reply.stopDetails() == null || reply.stopDetails().isBlank() ? "no reason given"
                : reply.stopDetails();
        String text = reply.text() == null ? "" : reply.text().strip();
        if (text.isEmpty()) {
            return "Claude refused: " + why;
        }
        String quoted = text.length() <= REFUSAL_QUOTE_CHARS ? text : text.substring(0, REFUSAL_QUOTE_CHARS) + "...";
        return "Claude refused: " + why + " (partial answer: \"" + quoted + "\")";
    }

    /**
     * Whether an answer has nothing to send on: cut at its output limit before any text, all of
     * {@code max_tokens} spent thinking (the current models think adaptively, and that counts
     * against the limit). Forwarded, the next layer would get an empty signal.
     */
    public static boolean cutBeforeAnyText(NeuronReply reply) {
        return reply.truncated() && (reply.text() == null || reply.text().isBlank());
    }

    /** The reason of the dead letter of an answer {@link #cutBeforeAnyText cut before any text}. */
    public String cutBeforeAnyTextReason(NeuronReply reply) {
        return "Claude's answer was cut at max_tokens (" + spec.profile().maxTokens() + ") before any text: "
                + reply.thinkingTokens() + " of its " + reply.outputTokens() + " output tokens went to thinking; raise "
                + String.format(Hal9Config.LAYER_MAX_TOKENS_CONFIG_FORMAT, spec.prefix()) + " or lower "
                + String.format(Hal9Config.LAYER_EFFORT_CONFIG_FORMAT, spec.prefix());
    }

    /** A dead letter for an input record of this layer, with its bytes and origin. */
    public DeadLetter deadLetter(byte[] key, byte[] value, Origin source, Signal signal, ErrorCategory category,
                                 String reason, int attempts, long firstFailureMs, long lastFailureMs) {
        return DeadLetters.of(spec.layer(), key, value, source, signal, category, reason, attempts, firstFailureMs,
                lastFailureMs);
    }

    /** Milliseconds from the producer's creation of the root signal to {@code nowMs}. */
    public static long sinceCreation(Signal signal, long recordTimestamp, long nowMs) {
        long created = signal.getCreatedAt() == null ? recordTimestamp : signal.getCreatedAt().toEpochMilli();
        return nowMs - created;
    }

    private static Signal withIdentity(Signal signal, Origin source) {
        if (signal.getSignalId() == null || signal.getSignalId().isBlank()) {
            signal.setSignalId(stableId(source.topic() + "/" + source.partition() + "/" + source.offset()));
        }
        if (signal.getRootId() == null || signal.getRootId().isBlank()) {
            signal.setRootId(signal.getSignalId());
        }
        return signal;
    }

    private String validate(Signal signal) {
        String content = signal.getActivation().getContent();
        if (content == null || content.isBlank()) {
            return "empty content: a signal needs activation.content";
        }
        int bytes = content.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > spec.maxContentBytes()) {
            return "content of " + bytes + " bytes exceeds hal9.signal.max.content.bytes=" + spec.maxContentBytes();
        }
        return null;
    }

    private static String stableId(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
