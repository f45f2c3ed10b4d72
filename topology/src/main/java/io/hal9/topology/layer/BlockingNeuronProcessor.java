package io.hal9.topology.layer;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.kafka.DeadLetters;
import io.hal9.topology.kafka.Origin;

import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The blocking neuron stage ({@code hal9.neuron.mode=blocking}): decodes a signal, waits for the
 * layer's neuron on the stream thread, and emits the derived signal or a dead letter (a refusal is
 * one; an answer cut at max tokens is forwarded, marked in its hop, as in the async stage). Kept as the
 * baseline the benchmark compares {@link AsyncNeuronProcessor} with.
 *
 * <p><b>Current limitations.</b> One call at a time per stream thread, and a call slower than
 * the transaction timeout fences the instance under exactly-once. Failed calls are not retried
 * beyond the SDK's own retries.
 */
public final class BlockingNeuronProcessor implements Processor<byte[], byte[], byte[], NeuronOutcome> {

    private final LayerSpec spec;
    private final NeuronClient neuron;
    private final NeuronRecords records;
    private final LayerMetrics metrics;
    private ProcessorContext<byte[], NeuronOutcome> context;

    public BlockingNeuronProcessor(LayerSpec spec, NeuronClient neuron, NeuronRecords records, LayerMetrics metrics) {
        this.spec = spec;
        this.neuron = neuron;
        this.records = records;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], NeuronOutcome> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata()
                .orElseThrow(() -> new IllegalStateException("the neuron stage reads only from source topics"));
        Origin source = new Origin(meta.topic(), meta.partition(), meta.offset());
        NeuronRecords.Intake intake = records.intake(record.headers(), record.value(), source);
        if (!intake.accepted()) {
            deadLetter(record, source, intake.signal(), intake.category(), intake.reason(), 0);
            return;
        }
        Signal input = intake.signal();
        long started = System.nanoTime();
        NeuronReply reply;
        try {
            reply = neuron.ask(new NeuronRequest(spec.profile(), input.getActivation().getContent(),
                            input.getActivation().getFeatures()))
                    .get(spec.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            ErrorCategory category = cause instanceof NeuronException ne ? categoryOf(ne) : ErrorCategory.UNKNOWN;
            metrics.claudeRequest(ClaudeOutcome.of(category), elapsedMs(started), 0, 0);
            deadLetter(record, source, input, category, "Claude call failed: " + DeadLetters.reason(cause), 1);
            return;
        } catch (TimeoutException e) {
            metrics.claudeRequest(ClaudeOutcome.of(ErrorCategory.TIMEOUT), elapsedMs(started), 0, 0);
            deadLetter(record, source, input, ErrorCategory.TIMEOUT,
                    "no answer from Claude within " + spec.callTimeout().toMillis() + " ms", 1);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // not committed: the signal is read again after the restart
            throw new StreamsException("interrupted while waiting for the " + spec.layer() + " neuron", e);
        }
        long now = context.currentSystemTimeMs();
        if (!reply.cached()) {
            metrics.claudeRequest(ClaudeOutcome.OK, reply);
            metrics.cost(reply);
        }
        if (!reply.complete()) {
            metrics.incomplete(reply);
        }
        if (reply.refused()) {
            deadLetter(record, source, input, ErrorCategory.REFUSED, NeuronRecords.refusalReason(reply), 1);
            return;
        }
        if (NeuronRecords.cutBeforeAnyText(reply)) {
            deadLetter(record, source, input, ErrorCategory.CLIENT_ERROR, records.cutBeforeAnyTextReason(reply), 1);
            return;
        }
        metrics.forwarded(NeuronRecords.sinceCreation(input, record.timestamp(), now), reply.cached());
        context.forward(record.withValue(records.forward(input, record.value(), reply, now)));
    }

    private void deadLetter(Record<byte[], byte[]> record, Origin source, Signal signal,
                            ErrorCategory category, String reason, int attempts) {
        long now = context.currentSystemTimeMs();
        metrics.deadLettered();
        context.forward(record.withValue(new NeuronOutcome.DeadLettered(records.deadLetter(record.key(),
                record.value(), source, signal, category, reason, attempts, now, now))));
    }

    /** The blocking stage cannot hold a signal while the breaker is open: it dead-letters it as transient. */
    private static ErrorCategory categoryOf(NeuronException failure) {
        return RetryPolicy.deadLetterCategory(failure.category());
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
