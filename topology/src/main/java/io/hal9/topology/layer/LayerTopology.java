package io.hal9.topology.layer;

import java.util.function.Supplier;

import io.hal9.schemas.v1.PendingSignal;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.StageSettings;
import io.hal9.topology.kafka.PendingSignalSerde;
import io.hal9.topology.kafka.Topic;
import io.hal9.topology.kafka.Topics;

import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The topology of one layer of the chain (L2, L3, L4, or any layer added to it).
 *
 * <ul>
 *   <li>Input: {@code hal9.signals.<layer>} plus the lane's suffix ({@code .high}, {@code .bulk}),
 *       key bytes (kept as is), value an Avro {@link Signal} in the Confluent wire format, read as bytes.</li>
 *   <li>Output: the next layer's input topic in the same lane, or {@code hal9.results} for the last
 *       layer (every lane): same key, its {@code priority} the lane,
 *       the derived {@link Signal}, with the top-level fields a newer producer added to the input
 *       carried along (written with the Signal schema extended by them).</li>
 *   <li>Dead letters: {@code hal9.dlq}, same key, an Avro {@code DeadLetter}.</li>
 *   <li>Store ({@code hal9.neuron.mode=async}): {@code <layer>-inflight}, persistent and
 *       changelogged, sequence → {@code PendingSignal}: the signals waiting for their answer.</li>
 *   <li>With {@code hal9.cache.routing=content} (the default, with the cache on and the async stage):
 *       the route stage {@code <layer>-route} decodes the input, answers at once (to the output) the
 *       signals whose answer the instance holds in memory ({@link LocalAnswers}), and re-keys the
 *       others by their cache key; the repartition topic {@code <application.id>-<layer>-route-repartition} (as many
 *       partitions as the input topic; key the cache key as a string, value a {@code PendingSignal}
 *       carrying the producer's key and the record's origin) brings identical work to one task, whose
 *       store {@code <layer>-neuron-cache} (persistent, changelogged, TTL'd: {@link NeuronAnswers})
 *       keeps the answers. Outputs and dead letters keep the producer's key.</li>
 * </ul>
 *
 * <p>Rule: every input record ends as exactly one derived signal or one dead letter.
 */
public final class LayerTopology {

    private LayerTopology() {
    }

    /** Declares the layer's graph on {@code builder}; starts nothing. */
    public static void build(StreamsBuilder builder, Topics topics, LayerStage stage) {
        LayerSpec spec = stage.spec();
        String p = spec.prefix();
        Topic<byte[], byte[]> input = topics.rawInput(spec.layer(), spec.lane());
        Topic<byte[], IndexedRecord> output = topics.derivedOutput(spec.layer(), spec.lane());
        var deadLetters = topics.deadLetters();
        StageSettings settings = stage.settings();
        RetryPolicy retries = RetryPolicy.from(settings);

        // every record read counts, malformed ones too, with its offset: the replica forecast's record share
        KStream<byte[], byte[]> signals = builder.stream(input.name(), input.consumed(p + "-source"))
                .processValues(InputReads.counter(stage.metrics()), Named.as(p + "-read"));
        // the signal reader is thread-safe; the records' rules hold no state of their own
        Supplier<NeuronRecords> records = () -> new NeuronRecords(spec, topics.signalReader());
        KStream<byte[], NeuronOutcome> outcomes;
        if (settings.async() && settings.contentRouting()) {
            var admissions = signals.process(() -> new SignalRouter(stage, records.get()), Named.as(p + "-route"))
                    .split(Named.as(p + "-route-"))
                    .branch((key, admission) -> admission instanceof Admission.Refused, Branched.as("refused"))
                    .branch((key, admission) -> admission instanceof Admission.Answered, Branched.as("answered"))
                    .defaultBranch(Branched.as("admitted"));
            admissions.get(p + "-route-refused")
                    .mapValues(admission -> ((Admission.Refused) admission).deadLetter(), Named.as(p + "-invalid-input"))
                    .to(deadLetters.name(), deadLetters.produced(p + "-invalid-to-" + deadLetters.name()));
            admissions.get(p + "-route-answered")
                    .mapValues(admission -> ((Admission.Answered) admission).forwarded().value(),
                            Named.as(p + "-route-derived-signal"))
                    .to(output.name(), output.produced(p + "-route-to-" + output.name()));
            KStream<String, PendingSignal> byContent = admissions.get(p + "-route-admitted")
                    .map((key, admission) -> KeyValue.pair(((Admission.Routed) admission).cacheKey(),
                            ((Admission.Routed) admission).entry()), Named.as(p + "-route-by-content"))
                    .repartition(Repartitioned.<String, PendingSignal>as(p + "-route")
                            .withKeySerde(Serdes.String()).withValueSerde(new PendingSignalSerde()));
            String storeName = AsyncNeuronProcessor.storeName(spec);
            String answersName = NeuronAnswers.storeName(spec);
            builder.addStateStore(inflightStore(storeName));
            builder.addStateStore(NeuronAnswers.storeBuilder(spec));
            outcomes = byContent.process(() -> AsyncNeuronProcessor.routed(stage, records.get(), retries, storeName,
                    answersName), Named.as(p + "-neuron"), storeName, answersName);
        } else if (settings.async()) {
            String storeName = AsyncNeuronProcessor.storeName(spec);
            builder.addStateStore(inflightStore(storeName));
            outcomes = signals.process(() -> AsyncNeuronProcessor.reading(stage, records.get(), retries, storeName),
                    Named.as(p + "-neuron"), storeName);
        } else {
            outcomes = signals.process(() -> new BlockingNeuronProcessor(spec, stage.neuron(), records.get(),
                    stage.metrics()), Named.as(p + "-neuron"));
        }

        outcomes.split(Named.as(p + "-outcome-"))
                .branch((key, outcome) -> outcome instanceof NeuronOutcome.Forwarded,
                        Branched.withConsumer(forwarded -> forwarded
                                .mapValues(outcome -> ((NeuronOutcome.Forwarded) outcome).value(),
                                        Named.as(p + "-derived-signal"))
                                .to(output.name(), output.produced(p + "-to-" + output.name())), "forwarded"))
                .defaultBranch(Branched.withConsumer(failed -> failed
                        .mapValues(outcome -> ((NeuronOutcome.DeadLettered) outcome).deadLetter(),
                                Named.as(p + "-dead-letter"))
                        .to(deadLetters.name(), deadLetters.produced(p + "-to-" + deadLetters.name())), "dead-lettered"));
    }

    private static StoreBuilder<KeyValueStore<Long, PendingSignal>> inflightStore(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Long(), new PendingSignalSerde());
    }
}
