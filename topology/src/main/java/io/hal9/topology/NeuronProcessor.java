package io.hal9.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The neuron stage of one layer: decodes a signal, asks the layer's neuron, and emits either the
 * derived signal or a dead letter. It never throws for bad input or a failed call: failures are
 * data ({@link NeuronOutcome.DeadLettered}).
 *
 * <p>The derived signal gets a new id derived from the input's id and the layer (stable under
 * replays), keeps the root id, names the input as parent, and appends one {@link Hop}. An input
 * without an id gets one derived from its topic, partition and offset.
 *
 * <p><b>Current limitations.</b> This stage waits for each answer on the stream thread, so a layer
 * instance handles one call at a time per stream thread, and a call slower than the transaction
 * timeout fences the instance under exactly-once.
 */
public final class NeuronProcessor implements Processor<byte[], byte[], byte[], NeuronOutcome> {

    private final LayerSpec spec;
    private final NeuronClient neuron;
    private final Deserializer<Signal> decoder;
    private final LayerMetrics metrics;
    private ProcessorContext<byte[], NeuronOutcome> context;

    public NeuronProcessor(LayerSpec spec, NeuronClient neuron, Deserializer<Signal> decoder, LayerMetrics metrics) {
        this.spec = spec;
        this.neuron = neuron;
        this.decoder = decoder;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], NeuronOutcome> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata()
                .orElseThrow(() -> new IllegalStateException("the neuron stage reads only from source topics"));
        Signal decoded;
        try {
            decoded = decoder.deserialize(source.topic(), record.headers(), record.value());
        } catch (SerializationException e) {
            // the bytes are at fault; a registry that cannot be reached is not, and fails the task instead
            deadLetter(record, source, null, ErrorCategory.DESERIALIZATION, "undecodable signal: " + message(e), 0);
            return;
        }
        if (decoded == null) {
            deadLetter(record, source, null, ErrorCategory.DESERIALIZATION, "record has no value", 0);
            return;
        }
        Signal input = withIdentity(decoded, source);
        String invalid = validate(input);
        if (invalid != null) {
            deadLetter(record, source, input, ErrorCategory.INVALID_INPUT, invalid, 0);
            return;
        }
        long started = System.nanoTime();
        NeuronReply reply;
        try {
            CompletableFuture<NeuronReply> call = neuron.ask(new NeuronRequest(spec.profile(),
                    input.getActivation().getContent()));
            reply = call.get(spec.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            ErrorCategory category = cause instanceof NeuronException ne
                    ? ErrorCategory.valueOf(ne.category().name()) : ErrorCategory.UNKNOWN;
            metrics.claudeRequest(category.name().toLowerCase(), elapsedMs(started), 0, 0);
            deadLetter(record, source, input, category, "Claude call failed: " + message(cause), 1);
            return;
        } catch (TimeoutException e) {
            metrics.claudeRequest("timeout", elapsedMs(started), 0, 0);
            deadLetter(record, source, input, ErrorCategory.TIMEOUT,
                    "no answer from Claude within " + spec.callTimeout().toMillis() + " ms", 1);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // not committed: the signal is read again after the restart
            throw new StreamsException("interrupted while waiting for the " + spec.layer() + " neuron", e);
        }
        metrics.claudeRequest("ok", reply.latencyMs(), reply.inputTokens(), reply.outputTokens());
        Signal derived = derive(input, reply);
        long now = context.currentSystemTimeMs();
        metrics.forwarded(now - (input.getCreatedAt() == null ? record.timestamp() : input.getCreatedAt().toEpochMilli()));
        context.forward(record.withValue(new NeuronOutcome.Forwarded(derived)));
    }

    private Signal withIdentity(Signal signal, RecordMetadata source) {
        if (signal.getSignalId() == null || signal.getSignalId().isBlank()) {
            String id = UUID.nameUUIDFromBytes((source.topic() + "/" + source.partition() + "/" + source.offset())
                    .getBytes(StandardCharsets.UTF_8)).toString();
            signal.setSignalId(id);
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

    private Signal derive(Signal input, NeuronReply reply) {
        List<Hop> hops = new ArrayList<>(input.getHops());
        hops.add(Hop.newBuilder()
                .setLayer(spec.layer())
                .setNeuron(spec.profile().neuron())
                .setModel(reply.model())
                .setCacheHit(false)
                .setLatencyMs(reply.latencyMs())
                .setInputTokens(reply.inputTokens())
                .setOutputTokens(reply.outputTokens())
                .setAt(java.time.Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .setOutput(reply.text())
                .build());
        Activation activation = Activation.newBuilder(input.getActivation()).setContent(reply.text()).build();
        return Signal.newBuilder(input)
                .setSignalId(UUID.nameUUIDFromBytes((spec.layer() + "/" + input.getSignalId())
                        .getBytes(StandardCharsets.UTF_8)).toString())
                .setParentId(input.getSignalId())
                .setFromNeuron(spec.profile().neuron())
                .setToNeuron(spec.nextNeuron())
                .setLayerFrom(spec.layer())
                .setLayerTo(spec.nextLayer().orElse(null))
                .setActivation(activation)
                .setHops(hops)
                .build();
    }

    private void deadLetter(Record<byte[], byte[]> record, RecordMetadata source, Signal signal,
                            ErrorCategory category, String reason, int attempts) {
        java.time.Instant now = java.time.Instant.ofEpochMilli(context.currentSystemTimeMs());
        DeadLetter letter = DeadLetter.newBuilder()
                .setOriginalKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setOriginalValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setLayer(spec.layer())
                .setCategory(category)
                .setReason(reason)
                .setAttempts(attempts)
                .setFirstFailureAt(now)
                .setLastFailureAt(now)
                .setSignalId(signal == null ? null : signal.getSignalId())
                .setRootId(signal == null ? null : signal.getRootId())
                .build();
        metrics.deadLettered();
        context.forward(record.withValue(new NeuronOutcome.DeadLettered(letter)));
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    private static String message(Throwable e) {
        String text = e.getMessage();
        return text == null || text.isBlank() ? e.getClass().getSimpleName() : text;
    }
}
