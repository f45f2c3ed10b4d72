package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameFixtures.arena;
import static io.hal9.topology.game.engine.GameFixtures.avro;
import static io.hal9.topology.game.engine.GameFixtures.command;
import static io.hal9.topology.game.engine.GameFixtures.monster;
import static io.hal9.topology.game.engine.GameFixtures.newGame;
import static io.hal9.topology.game.engine.GameFixtures.withTiles;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import io.hal9.schemas.serde.AvroTrust;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;

import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The same commands on the same state always give the same game: what replaying a changelog relies on. */
class GameDeterminismTest {

    @BeforeAll
    static void trustGameContracts() {
        // the tests copy game records with their builders, which Avro allows only for trusted classes
        AvroTrust.ensure();
    }

    private static final String GAME = "g-42";

    @Test
    void shouldGiveByteIdenticalFramesForSameSeedAndCommands() {
        // Given seed 42, "llllljjj" and 400 more commands drawn once from a fixed sequence
        List<GameCommand> commands = script(42, 400);

        // When the game is played twice
        List<String> first = play(commands);
        List<String> second = play(commands);

        // Then every frame and every state is the same, byte for byte
        assertThat(second).isEqualTo(first);
        assertThat(first).hasSize(2 * commands.size());
    }

    @Test
    void shouldGiveByteIdenticalFramesWhenEveryRuleComesIntoPlay() {
        // Given an arena with tears, a warp gate, monsters and Professor Kim close by,
        // and integrity just above the glitch threshold
        GameState start = withTiles(arena(9).setRealityIntegrity(0.55).setNpcX(20).setNpcY(13)
                .setMonsters(List.of(monster(1, 25, 7, 6), monster(2, 14, 12, 6), monster(3, 28, 15, 6),
                        monster(4, 60, 18, 10))),
                Tile.TEAR, new Point(22, 10), new Point(17, 11)).build();
        start = withTiles(GameState.newBuilder(start), Tile.GATE, new Point(24, 14)).build();

        // When 400 fixed commands are played twice, the neurons answering two commands after each question
        List<String> first = playWithAnswers(start, 400);
        List<String> second = playWithAnswers(start, 400);

        // Then both runs are the same, byte for byte, and every rule fired along the way
        assertThat(second).isEqualTo(first);
        String everything = String.join("\n", first);
        assertThat(everything).contains("You hit the", "hits you for", "You step into a spatial tear",
                "The warp gate folds space", "Reality glitches", "ask=", "Professor Kim: answer");
    }

    @Test
    void shouldPlayTheSameGameAfterTheStateWasStoredAndReadBack() throws IOException {
        // Given a game of 309 commands played without interruption
        List<GameCommand> commands = script(42, 300);
        List<String> uninterrupted = play(commands);

        // When the same game is stopped after 150 commands, its state written and read back
        // as a store would, and resumed
        List<String> resumed = new ArrayList<>();
        GameState state = null;
        for (int i = 0; i < commands.size(); i++) {
            if (i == 150) {
                state = readBack(state);
            }
            state = record(resumed, state, commands.get(i));
        }

        // Then it goes on exactly as before
        assertThat(resumed).isEqualTo(uninterrupted);
    }

    @Test
    void shouldNotReadTheTimeACommandWasIssued() {
        List<GameCommand> commands = script(42, 100);
        List<GameCommand> later = commands.stream()
                .map(c -> GameCommand.newBuilder(c).setIssuedAt(Instant.parse("2031-01-01T00:00:00Z")).build())
                .toList();

        assertThat(play(later)).isEqualTo(play(commands));
    }

    @Test
    void shouldLeaveTheStateItWasGivenUnchanged() {
        GameState state = GameEngine.newGame(GAME, 42);
        String before = avro(state);

        for (GameCommandType type : GameCommandType.values()) {
            GameEngine.apply(state, command(GAME, type));
        }

        assertThat(avro(state)).isEqualTo(before);
    }

    @Test
    void shouldBuildDifferentMapsForDifferentSeeds() {
        Set<String> maps = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            maps.add(avro(Dungeon.generate(seed).tiles().toAvro()));
        }

        assertThat(maps).hasSize(50);
        assertThat(GameEngine.newGame(GAME, 42).getTiles()).isNotEqualTo(GameEngine.newGame(GAME, 43).getTiles());
        assertThat(GameEngine.newGame(GAME, 42)).isEqualTo(GameEngine.newGame(GAME, 42));
    }

    /** NEW_GAME with {@code seed}, "llllljjj", then {@code more} commands from a fixed pseudo-random sequence. */
    static List<GameCommand> script(long seed, int more) {
        List<GameCommand> commands = new ArrayList<>();
        commands.add(newGame(GAME, seed));
        for (char key : "llllljjj".toCharArray()) {
            commands.add(command(GAME, key(key)));
        }
        SplittableRandom keys = new SplittableRandom(2024);
        String keyboard = "hjklhjklhjkl.t?";
        for (int i = 0; i < more; i++) {
            commands.add(command(GAME, key(keyboard.charAt(keys.nextInt(keyboard.length())))));
        }
        return commands;
    }

    private static GameCommandType key(char key) {
        return switch (key) {
            case 'h' -> GameCommandType.MOVE_LEFT;
            case 'j' -> GameCommandType.MOVE_DOWN;
            case 'k' -> GameCommandType.MOVE_UP;
            case 'l' -> GameCommandType.MOVE_RIGHT;
            case 't' -> GameCommandType.TALK;
            case '?' -> GameCommandType.HELP;
            default -> GameCommandType.WAIT;
        };
    }

    /** For each command: the frame and the state as Avro bytes, or the rejection. */
    private static List<String> play(List<GameCommand> commands) {
        List<String> out = new ArrayList<>();
        GameState state = null;
        for (GameCommand command : commands) {
            state = record(out, state, command);
        }
        return out;
    }

    /** Plays commands drawn from a fixed sequence on {@code state}; answers every question two commands later. */
    private static List<String> playWithAnswers(GameState state, int commands) {
        List<String> out = new ArrayList<>();
        SplittableRandom keys = new SplittableRandom(77);
        String keyboard = "hjklhjkl.tt?";
        int answerIn = -1;
        for (int i = 0; i < commands; i++) {
            if (answerIn == 0) {
                state = GameEngine.withNeuronAnswer(state, "answer " + i);
                out.add(avro(state));
            }
            answerIn--;
            GameCommandType type = key(keyboard.charAt(keys.nextInt(keyboard.length())));
            GameOutcome outcome = GameEngine.apply(state, command(GameFixtures.ARENA, type));
            if (outcome instanceof GameOutcome.Applied applied) {
                state = applied.state();
                out.add(avro(applied.frame()));
                out.add(String.join("\n", applied.state().getMessages()));
                if (applied.talk().isPresent()) {
                    out.add("ask=" + applied.talk().get().context());
                    answerIn = 2;
                }
            } else {
                out.add(((GameOutcome.Rejected) outcome).reason().name());
            }
        }
        return out;
    }

    private static GameState record(List<String> out, GameState state, GameCommand command) {
        GameOutcome outcome = GameEngine.apply(state, command);
        if (outcome instanceof GameOutcome.Applied applied) {
            out.add(avro(applied.frame()));
            out.add(avro(applied.state()) + applied.talk().map(TalkRequest::context).orElse(""));
            return applied.state();
        }
        GameOutcome.Rejected rejected = (GameOutcome.Rejected) outcome;
        out.add(rejected.reason().name());
        out.add(rejected.message());
        return state;
    }

    private static GameState readBack(GameState state) throws IOException {
        byte[] bytes = HexFormat.of().parseHex(avro(state));
        return new SpecificDatumReader<>(GameState.class).read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }
}
