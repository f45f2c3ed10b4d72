package io.hal9.topology.game;

import io.hal9.schemas.v1.GameState;
import io.hal9.topology.game.engine.GameEngine;
import io.hal9.topology.game.engine.GameOutput;
import io.hal9.topology.kafka.StoreValueSerde;
import io.hal9.topology.kafka.Topic;
import io.hal9.topology.kafka.Topics;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.state.Stores;

/**
 * The game topology: HAL9's game neurons, one game per key, its state in a state store.
 *
 * <ul>
 *   <li>Input: {@code hal9.game.commands}, key the game id (UTF-8), value an Avro
 *       {@code GameCommand}, read as bytes; and {@code hal9.results}, read for the answers to the
 *       game's questions (results whose metadata names a game, {@value #GAME_ID_METADATA}).</li>
 *   <li>Output: {@code hal9.game.frames} (compacted), key the game id, an Avro {@code GameFrame}
 *       for every applied command and every answer; the first layer's input topic, key the game
 *       id, a {@code Signal} for every question to Professor Kim; {@code hal9.dlq} for commands
 *       that cannot be applied (undecodable, unknown game, wrong key, refused by the rules).</li>
 *   <li>Store: {@value #STORE}, persistent and changelogged, game id → {@code GameState}.</li>
 * </ul>
 *
 * <p>Rule: a command is applied to the stored game by {@link GameEngine} (deterministic, so
 * replaying the changelog rebuilds the same state); the game never waits for the neurons.
 * Commands and results must have the same partition count, so a game's answer reaches the task
 * that holds the game (the key is the game id on both).
 */
public final class GameTopology {

    /** The game state store, and the name queries use. */
    public static final String STORE = "game-state";
    /** Signal metadata naming the game a question came from; results carry it back. */
    public static final String GAME_ID_METADATA = "hal9.game.id";
    /** Signal metadata with the turn of the question. */
    public static final String GAME_TURN_METADATA = "hal9.game.turn";

    private GameTopology() {
    }

    /**
     * Declares the game's graph on {@code builder}; starts nothing.
     *
     * @param firstLayer the layer questions go to (the first of {@code hal9.layers.chain})
     */
    public static void build(StreamsBuilder builder, Topics topics, String firstLayer) {
        Topic<byte[], byte[]> commands = topics.rawGameCommands();
        String results = topics.results().name();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                stateSerde()));

        KStream<byte[], byte[]> fromPlayers = builder.stream(commands.name(), commands.consumed("game-commands-source"));
        KStream<byte[], byte[]> fromNeurons = builder.stream(results,
                new Topic<>(results, Serdes.ByteArray(), Serdes.ByteArray()).consumed("game-results-source"));
        KStream<byte[], GameOutput> outputs = fromPlayers.merge(fromNeurons, Named.as("game-inputs"))
                .process(() -> new GameProcessor(commands.name(), topics.gameCommandSerde().deserializer(),
                        topics.signalSerde().deserializer()), Named.as("game-processor"), STORE);

        var frames = topics.gameFrames();
        var questions = topics.input(firstLayer);
        var deadLetters = topics.deadLetters();
        outputs.split(Named.as("game-output-"))
                .branch((key, out) -> out instanceof GameOutput.Frame, Branched.withConsumer(s -> s
                        .mapValues(out -> ((GameOutput.Frame) out).frame(), Named.as("game-frame"))
                        .to(frames.name(), frames.produced("game-to-frames")), "frame"))
                .branch((key, out) -> out instanceof GameOutput.Talk, Branched.withConsumer(s -> s
                        .mapValues(out -> ((GameOutput.Talk) out).signal(), Named.as("game-question"))
                        .to(questions.name(), questions.produced("game-to-neurons")), "talk"))
                .defaultBranch(Branched.withConsumer(s -> s
                        .mapValues(out -> ((GameOutput.Dead) out).deadLetter(), Named.as("game-dead-letter"))
                        .to(deadLetters.name(), deadLetters.produced("game-to-dlq")), "dead"));
    }

    /** The store's value format (format byte + Avro), also used by queries. */
    public static StoreValueSerde<GameState> stateSerde() {
        return new StoreValueSerde<>(GameState.class, "game-state entry");
    }
}
