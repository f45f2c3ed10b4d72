package io.hal9.topology.game.engine;

import java.util.Objects;
import java.util.Optional;

import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;
import io.hal9.topology.game.engine.GameOutcome.Applied;
import io.hal9.topology.game.engine.GameOutcome.Rejected;

/**
 * The rules of HAL9's game neurons as pure functions: a stored game state and a command in, the
 * next state and its frame out. The game topology calls it for every command and keeps the state
 * in its store; nothing here touches Kafka, a clock or shared randomness, so the same command on
 * the same state always gives the same result.
 *
 * <p>How to use: {@link #apply} with the stored state ({@code null} when the key has none) and the
 * command. {@link Applied}: store its state, emit its frame, and when it carries a
 * {@link TalkRequest} ask the neurons; their answer, whenever it comes, goes through
 * {@link #withNeuronAnswer} (emit {@link GameFrames#of} of the result). {@link Rejected}: keep the
 * state, report the reason. The engine does not throw for bad commands or unreadable states;
 * those are rejections.
 *
 * <p>The rules are summed up in the package documentation; the numbers are in {@link GameRules}.
 */
public final class GameEngine {

    private GameEngine() {
    }

    /**
     * Applies one command to a game.
     *
     * @param current the game's stored state, or {@code null} when there is none
     * @param command the command; its {@code issuedAt} is not read
     */
    public static GameOutcome apply(GameState current, GameCommand command) {
        Objects.requireNonNull(command, "command");
        String gameId = command.getGameId();
        if (gameId == null || gameId.isBlank()) {
            return new Rejected(Rejection.INVALID_COMMAND, "a game command needs a game id");
        }
        if (command.getCommand() == null) {
            return new Rejected(Rejection.INVALID_COMMAND, "the command for game " + gameId + " says nothing to do");
        }
        if (current != null && !gameId.equals(current.getGameId())) {
            return new Rejected(Rejection.INVALID_COMMAND,
                    "command for game " + gameId + " applied to the state of game " + current.getGameId());
        }
        if (command.getCommand() == GameCommandType.NEW_GAME) {
            return newGame(current, command);
        }
        if (current == null) {
            return new Rejected(Rejection.UNKNOWN_GAME,
                    "no game " + gameId + "; start one with NEW_GAME and a seed");
        }
        if (current.getStatus() == GameStatus.DEAD) {
            return new Rejected(Rejection.GAME_OVER,
                    "game " + gameId + " is over (died on turn " + current.getTurn() + "); NEW_GAME starts again");
        }
        World world;
        try {
            world = World.of(current);
        } catch (IllegalArgumentException unreadable) {
            return new Rejected(Rejection.INVALID_STATE,
                    "game " + gameId + " cannot be read: " + unreadable.getMessage());
        }
        if (command.getCommand() == GameCommandType.HELP) {
            world.help();
        } else {
            world.playTurn(command.getCommand());
        }
        GameState next = world.toState();
        Optional<TalkRequest> talk = world.askedKim() ? Optional.of(TalkRequest.about(next)) : Optional.empty();
        return new Applied(next, GameFrames.of(next), talk);
    }

    /**
     * A new game at turn 0 on the map of {@code seed}: the player at the centre with 20 HP,
     * reality integrity 0.73, Professor Kim, 6 monsters, 3 tears and a warp gate.
     */
    public static GameState newGame(String gameId, long seed) {
        Objects.requireNonNull(gameId, "gameId");
        return World.newGame(gameId, seed).toState();
    }

    /**
     * The game after the neurons answered a TALK: the answer appended as Professor Kim's message
     * (whitespace folded to single spaces, cut to 500 characters), nothing pending any more. No
     * turn passes, and a dead game hears the answer too. The game never waits for an answer: the
     * player may have moved on since.
     *
     * @throws IllegalArgumentException when {@code state} cannot be read as a game (its grids do not
     *                                  match their sizes); {@link #apply} would have rejected it
     */
    public static GameState withNeuronAnswer(GameState state, String answer) {
        Objects.requireNonNull(state, "state");
        String text = answer == null ? "" : answer.strip().replaceAll("\\s+", " ");
        if (text.isEmpty()) {
            text = "...";
        }
        if (text.length() > GameRules.ANSWER_MAX_CHARS) {
            int cut = GameRules.ANSWER_MAX_CHARS - 3;
            if (Character.isHighSurrogate(text.charAt(cut - 1))) {
                cut--;
            }
            text = text.substring(0, cut) + "...";
        }
        World world = World.of(state);
        world.hearKim(text);
        return world.toState();
    }

    private static GameOutcome newGame(GameState current, GameCommand command) {
        if (command.getSeed() == null) {
            return new Rejected(Rejection.MISSING_SEED, "NEW_GAME for game " + command.getGameId() + " needs a seed");
        }
        if (current != null && current.getStatus() == GameStatus.PLAYING) {
            return new Rejected(Rejection.GAME_IN_PROGRESS, "game " + command.getGameId()
                    + " is being played (turn " + current.getTurn() + "); NEW_GAME restarts only a finished game");
        }
        GameState state = newGame(command.getGameId(), command.getSeed());
        return new Applied(state, GameFrames.of(state), Optional.empty());
    }
}
