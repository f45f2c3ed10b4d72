package io.hal9.topology.game.engine;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.Monster;

/**
 * The player asked Professor Kim something: ask the neurons, with {@code context} as the work.
 * When their answer arrives, {@link GameEngine#withNeuronAnswer} adds it to the game.
 *
 * @param gameId  the game that asks
 * @param turn    the turn of the question; with the game id it names the question
 * @param context what the neurons need to answer: where the player is, HP, awareness, reality
 *                integrity, the monsters in sight and the latest messages
 */
public record TalkRequest(String gameId, int turn, String context) {

    public TalkRequest {
        Objects.requireNonNull(gameId, "gameId");
        Objects.requireNonNull(context, "context");
    }

    /** The question of a game in {@code state}, just after the TALK. */
    static TalkRequest about(GameState state) {
        StringBuilder text = new StringBuilder();
        text.append("HAL9 game ").append(state.getGameId()).append(", turn ").append(state.getTurn())
                .append(". The player stands next to Professor Kim, the scientist who suspects this world is a"
                        + " simulation, and asks what is happening to it.\n");
        text.append(String.format(Locale.ROOT,
                "Player: position (%d, %d), HP %d/%d, awareness %.2f, reality integrity %.2f.\n",
                state.getPlayerX(), state.getPlayerY(), state.getHp(), GameRules.MAX_HP,
                state.getAwareness(), state.getRealityIntegrity()));
        text.append("Professor Kim: position (").append(state.getNpcX()).append(", ").append(state.getNpcY())
                .append(").\n");
        text.append("Monsters in sight: ").append(monstersInSight(state)).append(".\n");
        text.append("Latest messages:\n");
        List<String> messages = state.getMessages();
        for (String message : messages.subList(Math.max(0, messages.size() - GameRules.TALK_CONTEXT_MESSAGES),
                messages.size())) {
            text.append("- ").append(message).append('\n');
        }
        text.append("Answer as Professor Kim, in one or two short sentences.");
        return new TalkRequest(state.getGameId(), state.getTurn(), text.toString());
    }

    private static String monstersInSight(GameState state) {
        Grid visibility = Grid.fromAvro(state.getVisibility());
        StringBuilder seen = new StringBuilder();
        for (Monster monster : state.getMonsters()) {
            if (visibility.contains(monster.getX(), monster.getY())
                    && visibility.get(monster.getX(), monster.getY()) == Visibility.VISIBLE) {
                seen.append(seen.length() == 0 ? "" : "; ")
                        .append(MonsterKind.nameOf(monster.getGlyph()))
                        .append(" at (").append(monster.getX()).append(", ").append(monster.getY()).append(") with ")
                        .append(monster.getHp()).append(" HP");
            }
        }
        return seen.length() == 0 ? "none" : seen.toString();
    }
}
