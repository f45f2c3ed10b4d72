package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameFixtures.arena;
import static io.hal9.topology.game.engine.GameFixtures.command;
import static io.hal9.topology.game.engine.GameFixtures.newGame;
import static io.hal9.topology.game.engine.GameFixtures.play;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;

import io.hal9.schemas.serde.AvroTrust;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;
import io.hal9.topology.game.engine.GameOutcome.Applied;
import io.hal9.topology.game.engine.GameOutcome.Rejected;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's contract with the game topology: which commands it applies, which it refuses, and
 * how a game talks to the neurons.
 */
class GameEngineTest {

    @BeforeAll
    static void trustGameContracts() {
        // the tests copy game records with their builders, which Avro allows only for trusted classes
        AvroTrust.ensure();
    }

    @Test
    void shouldStartANewGameFromASeed() {
        GameOutcome outcome = GameEngine.apply(null, newGame("g-1", 42));

        assertThat(outcome).isInstanceOfSatisfying(Applied.class, applied -> {
            assertThat(applied.state()).isEqualTo(GameEngine.newGame("g-1", 42));
            assertThat(applied.frame().getGameId()).isEqualTo("g-1");
            assertThat(applied.frame().getTurn()).isZero();
            assertThat(applied.frame().getHp()).isEqualTo(20);
            assertThat(applied.talk()).isEmpty();
        });
    }

    @Test
    void shouldRejectEveryCommandButNewGameForAnUnknownGame() {
        for (GameCommandType type : GameCommandType.values()) {
            if (type != GameCommandType.NEW_GAME) {
                assertRejected(GameEngine.apply(null, command("g-1", type)), Rejection.UNKNOWN_GAME, "no game g-1");
            }
        }
    }

    @Test
    void shouldRejectNewGameWithoutSeed() {
        GameOutcome outcome = GameEngine.apply(null, command("g-1", GameCommandType.NEW_GAME));

        assertRejected(outcome, Rejection.MISSING_SEED, "seed");
    }

    @Test
    void shouldRejectNewGameForAGameBeingPlayed() {
        GameState playing = play(GameEngine.newGame("g-1", 42), command("g-1", GameCommandType.WAIT));

        assertRejected(GameEngine.apply(playing, newGame("g-1", 7)), Rejection.GAME_IN_PROGRESS, "turn 1");
    }

    @Test
    void shouldStartAgainWhenNewGameFollowsDeath() {
        GameState dead = GameState.newBuilder(GameEngine.newGame("g-1", 42))
                .setHp(0).setStatus(GameStatus.DEAD).build();

        GameState again = play(dead, newGame("g-1", 7));

        assertThat(again).isEqualTo(GameEngine.newGame("g-1", 7));
    }

    @Test
    void shouldRejectACommandForAnotherGamesState() {
        GameState state = GameEngine.newGame("g-1", 42);

        GameOutcome otherGame = GameEngine.apply(state, command("g-2", GameCommandType.WAIT));
        GameOutcome noGame = GameEngine.apply(state, command("", GameCommandType.WAIT));

        assertRejected(otherGame, Rejection.INVALID_COMMAND, "g-2");
        assertRejected(noGame, Rejection.INVALID_COMMAND, "game id");
    }

    @Test
    void shouldRejectACommandThatSaysNothingToDo() {
        GameCommand empty = new GameCommand("g-1", null, null, GameFixtures.ISSUED);

        assertRejected(GameEngine.apply(GameEngine.newGame("g-1", 42), empty), Rejection.INVALID_COMMAND, "nothing");
    }

    @Test
    void shouldRejectAStateWhoseGridDoesNotMatchItsSize() {
        GameState broken = arena(1).build();
        broken.getTiles().setCells(ByteBuffer.wrap(new byte[10]));

        assertRejected(GameEngine.apply(broken, command(GameCommandType.WAIT)), Rejection.INVALID_STATE, "80x24");
    }

    @Test
    void shouldAskTheNeuronsWhenThePlayerTalksNextToProfessorKim() {
        // Given Professor Kim diagonally next to the player
        GameState state = arena(1).setNpcX(21).setNpcY(11).setMessages(List.of("You hit the bug for 3.")).build();

        // When the player talks
        Applied applied = (Applied) GameEngine.apply(state, command(GameCommandType.TALK));

        // Then the outcome asks the neurons with the game's context, and the question is pending
        assertThat(applied.talk()).hasValueSatisfying(talk -> {
            assertThat(talk.gameId()).isEqualTo(GameFixtures.ARENA);
            assertThat(talk.turn()).isEqualTo(1);
            assertThat(talk.context())
                    .contains("turn 1")
                    .contains("position (20, 10), HP 20/20, awareness 0.05, reality integrity 0.73")
                    .contains("Professor Kim: position (21, 11)")
                    .contains("Monsters in sight: none")
                    .contains("- You hit the bug for 3.\n- You ask Professor Kim what is happening to this world.\n");
        });
        assertThat(applied.state().getPendingTalkTurn()).isEqualTo(1);
        assertThat(applied.state().getAwareness()).isEqualTo(0.05);
        assertThat(applied.frame().getMessages()).last()
                .isEqualTo("You ask Professor Kim what is happening to this world.");
    }

    @Test
    void shouldOnlySayNobodyHearsWhenThePlayerTalksAwayFromProfessorKim() {
        Applied applied = (Applied) GameEngine.apply(arena(1).setNpcX(22).build(), command(GameCommandType.TALK));

        assertThat(applied.talk()).isEmpty();
        assertThat(applied.state().getPendingTalkTurn()).isNull();
        assertThat(applied.state().getMessages()).containsExactly("Nobody is close enough to hear you.");
        assertThat(applied.state().getTurn()).isEqualTo(1);
    }

    @Test
    void shouldNotAskAgainWhileTheLastQuestionIsPending() {
        GameState state = play(arena(1).setNpcX(21).setNpcY(10).build(), GameCommandType.TALK);

        // asked again at turns 2..5: still pending
        for (int turn = 2; turn <= 5; turn++) {
            Applied again = (Applied) GameEngine.apply(state, command(GameCommandType.TALK));
            assertThat(again.talk()).as("turn %d", turn).isEmpty();
            assertThat(again.state().getMessages()).last()
                    .isEqualTo("Professor Kim is still thinking about your last question.");
            state = again.state();
        }

        // at turn 6 the first question has waited 5 turns: the player asks anew
        Applied anew = (Applied) GameEngine.apply(state, command(GameCommandType.TALK));
        assertThat(anew.talk()).hasValueSatisfying(talk -> assertThat(talk.turn()).isEqualTo(6));
        assertThat(anew.state().getPendingTalkTurn()).isEqualTo(6);
    }

    @Test
    void shouldAddTheNeuronsAnswerWhenItArrivesWithoutPassingATurn() {
        // Given a question to Professor Kim, and the player walking on meanwhile
        GameState state = play(arena(1).setNpcX(21).setNpcY(10).build(), GameCommandType.TALK);
        state = play(play(state, GameCommandType.MOVE_LEFT), GameCommandType.MOVE_LEFT);

        // When the answer arrives
        GameState answered = GameEngine.withNeuronAnswer(state, "  The tears\nare\t growing.  ");

        // Then Professor Kim says it, nothing is pending, and the player can ask again at once
        assertThat(answered.getMessages()).last().isEqualTo("Professor Kim: The tears are growing.");
        assertThat(answered.getPendingTalkTurn()).isNull();
        assertThat(answered.getTurn()).isEqualTo(3);
        assertThat(answered.getPlayerX()).isEqualTo(18);
        GameState back = play(play(answered, GameCommandType.MOVE_RIGHT), GameCommandType.MOVE_RIGHT);
        assertThat(((Applied) GameEngine.apply(back, command(GameCommandType.TALK))).talk()).isPresent();
    }

    @Test
    void shouldCutALongAnswerToFiveHundredCharacters() {
        GameState answered = GameEngine.withNeuronAnswer(arena(1).build(), "w".repeat(2000));

        String message = answered.getMessages().get(0);
        assertThat(message).startsWith("Professor Kim: www").endsWith("w...");
        assertThat(message.length()).isEqualTo("Professor Kim: ".length() + 500);
    }

    @Test
    void shouldGiveHelpWithoutPassingATurn() {
        GameState state = arena(1).build();

        Applied applied = (Applied) GameEngine.apply(state, command(GameCommandType.HELP));

        assertThat(applied.state().getTurn()).isZero();
        assertThat(applied.state().getMessages()).isEqualTo(World.HELP);
        assertThat(applied.talk()).isEmpty();
    }

    @Test
    void shouldKeepTheGameIdOfTheCommandInStateAndFrame() {
        GameCommand start = newGame("table-7", 3);

        Applied applied = (Applied) GameEngine.apply(null, start);

        assertThat(applied.state().getGameId()).isEqualTo("table-7");
        assertThat(applied.frame().getGameId()).isEqualTo("table-7");
    }

    private static void assertRejected(GameOutcome outcome, Rejection reason, String mentioned) {
        assertThat(outcome).isInstanceOfSatisfying(Rejected.class, rejected -> {
            assertThat(rejected.reason()).isEqualTo(reason);
            assertThat(rejected.message()).contains(mentioned);
        });
    }
}
