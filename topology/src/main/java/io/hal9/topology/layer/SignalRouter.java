package io.hal9.topology.layer;

import java.util.Optional;

import io.hal9.neurons.NeuronReply;
import io.hal9.schemas.v1.PendingSignal;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.kafka.Origin;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The first stage of a layer that routes by content ({@code hal9.cache.routing=content}): decodes and
 * validates each input record, as the neuron stage does under key routing, and forwards its
 * {@link Admission} under the producer's key. A signal whose answer one of the instance's tasks holds
 * ({@link LocalAnswers}, unexpired) is answered here, as a cache hit: its derived signal goes to the
 * layer's output at once. Every other admitted signal is {@link Admission.Routed routed}: the topology
 * re-keys it by its cache key on the way to the repartition topic. Refused records go to the
 * dead-letter topic from here, with their source topic, partition and offset.
 *
 * <p>The routed signal carries everything the neuron stage needs after the hop: the producer's key
 * (byte for byte, {@code null} included), the decoded signal, the bytes as read (for a later dead
 * letter), their origin and timestamp.
 */
final class SignalRouter implements Processor<byte[], byte[], byte[], Admission> {

    private final LayerStage stage;
    private final NeuronRecords records;
    private ProcessorContext<byte[], Admission> context;

    SignalRouter(LayerStage stage, NeuronRecords records) {
        this.stage = stage;
        this.records = records;
    }

    @Override
    public void init(ProcessorContext<byte[], Admission> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata()
                .orElseThrow(() -> new IllegalStateException("the route stage reads only from source topics"));
        Admission admission = records.admit(record.key(), record.headers(), record.value(),
                new Origin(meta.topic(), meta.partition(), meta.offset()), record.timestamp(),
                context.currentSystemTimeMs());
        if (admission instanceof Admission.Refused) {
            stage.metrics().deadLettered();
            context.forward(record.withValue(admission));
            return;
        }
        Admission.Admitted admitted = (Admission.Admitted) admission;
        PendingSignal entry = admitted.entry();
        String cacheKey = admitted.cacheKey(stage.spec());
        Optional<NeuronReply> held = stage.answers().find(cacheKey, stage.clock().millis());
        if (held.isEmpty()) {
            context.forward(record.withValue(new Admission.Routed(cacheKey, entry)));
            return;
        }
        // answered before: the answer store of the task that owns the key holds it
        long now = context.currentSystemTimeMs();
        Signal input = entry.getSignal();
        stage.metrics().storeLookup(true);
        stage.metrics().forwarded(NeuronRecords.sinceCreation(input, record.timestamp(), now), true);
        // as the neuron stage sends it on: the producer's key and the record's timestamp, no headers
        context.forward(new Record<byte[], Admission>(record.key(), new Admission.Answered(records.forward(input,
                record.value(), held.get(), now)), record.timestamp()));
    }
}
