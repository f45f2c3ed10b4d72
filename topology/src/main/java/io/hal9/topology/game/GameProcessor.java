package io.hal9.topology.game;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.game.engine.GameEngine;
import io.hal9.topology.game.engine.GameFrames;
import io.hal9.topology.game.engine.GameOutcome;
import io.hal9.topology.game.engine.GameOutput;
import io.hal9.topology.game.engine.TalkRequest;
import io.hal9.topology.kafka.DeadLetters;
import io.hal9.topology.kafka.Origin;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies game commands to the stored games and adds the neurons' answers to them. Commands that
 * cannot be applied become dead letters and leave the store as it was; results that do not belong
 * to a game held here are passed over (they are the layers' results, not the game's input).
 */
final class GameProcessor implements Processor<byte[], byte[], byte[], GameOutput> {

    private static final Logger LOG = LoggerFactory.getLogger(GameProcessor.class);
    static final String LAYER = "GAME";

    private final String commandsTopic;
    private final Deserializer<GameCommand> commands;
    private final Deserializer<Signal> signals;
    private ProcessorContext<byte[], GameOutput> context;
    private KeyValueStore<String, GameState> games;

    GameProcessor(String commandsTopic, Deserializer<GameCommand> commands, Deserializer<Signal> signals) {
        this.commandsTopic = commandsTopic;
        this.commands = commands;
        this.signals = signals;
    }

    @Override
    public void init(ProcessorContext<byte[], GameOutput> context) {
        this.context = context;
        this.games = context.getStateStore(GameTopology.STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        if (source.topic().equals(commandsTopic)) {
            command(record, source);
        } else {
            answer(record, source);
        }
    }

    private void command(Record<byte[], byte[]> record, RecordMetadata source) {
        GameCommand command;
        try {
            command = commands.deserialize(source.topic(), record.headers(), record.value());
        } catch (SerializationException e) {
            dead(record, source, ErrorCategory.DESERIALIZATION, "undecodable game command: " + DeadLetters.reason(e));
            return;
        }
        if (command == null) {
            dead(record, source, ErrorCategory.DESERIALIZATION, "record has no value");
            return;
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (!command.getGameId().equals(key)) {
            dead(record, source, ErrorCategory.INVALID_INPUT, "the record key must be the game id: key "
                    + (key == null ? "(none)" : "'" + key + "'") + ", gameId '" + command.getGameId() + "'");
            return;
        }
        GameOutcome outcome = GameEngine.apply(games.get(key), command);
        if (outcome instanceof GameOutcome.Rejected rejected) {
            dead(record, source, ErrorCategory.INVALID_INPUT, rejected.reason() + ": " + rejected.message());
            return;
        }
        GameOutcome.Applied applied = (GameOutcome.Applied) outcome;
        games.put(key, applied.state());
        GameFrame frame = applied.frame();
        frame.setAppliedCommand(command.getCommand());
        context.forward(record.withValue(new GameOutput.Frame(frame)));
        applied.talk().ifPresent(talk -> context.forward(record.withValue(new GameOutput.Talk(question(talk,
                record.timestamp())))));
    }

    private void answer(Record<byte[], byte[]> record, RecordMetadata source) {
        Signal result;
        try {
            result = signals.deserialize(source.topic(), record.headers(), record.value());
        } catch (SerializationException e) {
            return; // not readable as a result: the layers' own record, not a game's answer
        }
        if (result == null || !result.getMetadata().containsKey(GameTopology.GAME_ID_METADATA)) {
            return;
        }
        String gameId = result.getMetadata().get(GameTopology.GAME_ID_METADATA);
        GameState game = games.get(gameId);
        if (game == null) {
            LOG.warn("answer {} for game {} which is not held here (topic {} partition {}); check that {} and {} "
                    + "have the same partition count", result.getSignalId(), gameId, source.topic(),
                    source.partition(), commandsTopic, source.topic());
            return;
        }
        GameState answered = GameEngine.withNeuronAnswer(game, result.getActivation().getContent());
        games.put(gameId, answered);
        context.forward(new Record<>(gameId.getBytes(StandardCharsets.UTF_8),
                new GameOutput.Frame(GameFrames.of(answered)), record.timestamp()));
    }

    /** The signal that asks the neurons; its id is stable (game and turn), so a replay asks the same question. */
    static Signal question(TalkRequest talk, long timestamp) {
        String id = UUID.nameUUIDFromBytes(("game/" + talk.gameId() + "/" + talk.turn())
                .getBytes(StandardCharsets.UTF_8)).toString();
        return Signal.newBuilder()
                .setSignalId(id)
                .setRootId(id)
                .setFromNeuron("game")
                .setActivation(Activation.newBuilder().setContent(talk.context()).build())
                .setMetadata(Map.of(GameTopology.GAME_ID_METADATA, talk.gameId(),
                        GameTopology.GAME_TURN_METADATA, Integer.toString(talk.turn())))
                .setCreatedAt(Instant.ofEpochMilli(timestamp))
                .build();
    }

    private void dead(Record<byte[], byte[]> record, RecordMetadata source, ErrorCategory category, String reason) {
        long now = context.currentSystemTimeMs();
        DeadLetter letter = DeadLetters.of(LAYER, record.key(), record.value(),
                new Origin(source.topic(), source.partition(), source.offset()), null, category, reason,
                0, now, now);
        context.forward(record.withValue(new GameOutput.Dead(letter)));
    }
}
