package io.hal9.topology.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.serde.AvroDeserializer;
import io.hal9.schemas.serde.AvroSerdes;
import io.hal9.schemas.serde.AvroSerializer;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;
import io.hal9.topology.config.TopicSettings;

import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one place that turns configuration into topics.
 *
 * <p>Keys are kept as raw bytes from a layer's input topic to {@code hal9.results}, so a producer
 * in any language matches its results by the exact key it wrote. Layer inputs are read as raw bytes
 * too: the neuron stage decodes them itself so an undecodable record becomes a dead letter instead
 * of stopping the layer.
 */
public final class Topics {

    private final Hal9Config config;
    private final TopicSettings names;
    private final AvroDeserializer<Signal> signalReader;
    private final Serde<Signal> signalSerde;
    private final Serde<IndexedRecord> derivedSignalSerde;
    private final Serde<DeadLetter> deadLetterSerde;
    private final Serde<GameCommand> gameCommandSerde;
    private final Serde<GameFrame> gameFrameSerde;

    public Topics(Hal9Config config, SchemaRegistryClient registry) {
        this.config = config;
        this.names = Hal9Settings.topics(config);
        this.signalReader = new AvroDeserializer<>(registry, Signal.class);
        this.signalSerde = Serdes.serdeFrom(new AvroSerializer<>(registry, false), signalReader);
        this.derivedSignalSerde = Serdes.serdeFrom(new AvroSerializer<>(registry, false),
                (topic, data) -> signalReader.deserialize(topic, data));
        this.deadLetterSerde = AvroSerdes.deadLetter(registry);
        this.gameCommandSerde = AvroSerdes.of(GameCommand.class, registry, false);
        this.gameFrameSerde = AvroSerdes.of(GameFrame.class, registry, false);
    }

    /** Input topic name of a layer's normal lane: {@code hal9.signals.l3} for L3 with the default prefix. */
    public String inputName(String layer) {
        return inputName(layer, Lane.NORMAL);
    }

    /** Input topic name of a layer in a lane: {@code hal9.signals.l3.high} for L3's high lane. */
    public String inputName(String layer, Lane lane) {
        return names.signalsPrefix() + layer.toLowerCase(Locale.ROOT)
                + lane.topicSuffix();
    }

    /** A layer's input in a lane, read as bytes. */
    public Topic<byte[], byte[]> rawInput(String layer, Lane lane) {
        return new Topic<>(inputName(layer, lane), Serdes.ByteArray(), Serdes.ByteArray());
    }

    /** A layer's normal-lane input as producers write it: Avro signals. */
    public Topic<byte[], Signal> input(String layer) {
        return input(layer, Lane.NORMAL);
    }

    /** A layer's input in a lane as producers write it: Avro signals. */
    public Topic<byte[], Signal> input(String layer, Lane lane) {
        return new Topic<>(inputName(layer, lane), Serdes.ByteArray(), signalSerde);
    }

    /** Where a layer writes its derived normal-lane signals: the next layer's input, or the results topic. */
    public Topic<byte[], Signal> output(String layer) {
        return output(layer, Lane.NORMAL);
    }

    /**
     * Where a layer writes its derived signals of a lane: the next layer's input in the same lane, or
     * the results topic (one for every lane) for the last layer.
     */
    public Topic<byte[], Signal> output(String layer, Lane lane) {
        List<String> chain = config.layersChain();
        int at = chain.indexOf(layer);
        if (at < 0) {
            throw new IllegalArgumentException("layer " + layer + " is not in " + Hal9Config.LAYERS_CHAIN_CONFIG
                    + " " + chain);
        }
        return at == chain.size() - 1 ? results() : input(chain.get(at + 1), lane);
    }

    /**
     * {@link #output} as a layer writes it: a derived {@link Signal}, or one with the fields a newer
     * producer added appended ({@link io.hal9.schemas.serde.UnknownFields}), written with the
     * extended schema. Read back, its values are Signals.
     */
    public Topic<byte[], IndexedRecord> derivedOutput(String layer, Lane lane) {
        return new Topic<>(output(layer, lane).name(), Serdes.ByteArray(), derivedSignalSerde);
    }

    public Topic<byte[], Signal> results() {
        return new Topic<>(names.results(), Serdes.ByteArray(), signalSerde);
    }

    public Topic<byte[], DeadLetter> deadLetters() {
        return new Topic<>(names.deadLetters(), Serdes.ByteArray(), deadLetterSerde);
    }

    /** The game's commands, read as bytes (decoded by the game processor). */
    public Topic<byte[], byte[]> rawGameCommands() {
        return new Topic<>(names.gameCommands(), Serdes.ByteArray(),
                Serdes.ByteArray());
    }

    /** The game's commands as players write them: key the game id (UTF-8), value a {@link GameCommand}. */
    public Topic<byte[], GameCommand> gameCommands() {
        return new Topic<>(rawGameCommands().name(), Serdes.ByteArray(), gameCommandSerde);
    }

    /** The game's frames: key the game id (UTF-8), compacted. */
    public Topic<byte[], GameFrame> gameFrames() {
        return new Topic<>(gameFramesName(), Serdes.ByteArray(), gameFrameSerde);
    }

    public String gameFramesName() {
        return names.gameFrames();
    }

    /** Every layer's input topic of every configured lane ({@code hal9.lanes}), in the order of the chain. */
    public List<String> inputNames() {
        return config.layersChain().stream()
                .flatMap(layer -> config.lanes().stream().map(lane -> inputName(layer, lane))).toList();
    }

    /** Every topic the configured hierarchy reads or writes, the game's included. */
    public List<String> allNames() {
        List<String> names = new ArrayList<>(inputNames());
        names.add(results().name());
        names.add(deadLetters().name());
        names.add(rawGameCommands().name());
        names.add(gameFramesName());
        return names;
    }

    /** The topics among {@link #allNames()} that keep only the latest record per key. */
    public List<String> compactedNames() {
        return List.of(gameFramesName());
    }

    public Serde<Signal> signalSerde() {
        return signalSerde;
    }

    /** The signal topics' deserializer, which also reads the fields a newer producer added. */
    public AvroDeserializer<Signal> signalReader() {
        return signalReader;
    }

    public Serde<DeadLetter> deadLetterSerde() {
        return deadLetterSerde;
    }

    public Serde<GameCommand> gameCommandSerde() {
        return gameCommandSerde;
    }
}
