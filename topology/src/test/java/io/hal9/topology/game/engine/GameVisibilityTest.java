package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameFixtures.arena;
import static io.hal9.topology.game.engine.GameFixtures.command;
import static io.hal9.topology.game.engine.GameFixtures.play;
import static io.hal9.topology.game.engine.GameFixtures.tiles;
import static io.hal9.topology.game.engine.GameFixtures.visibility;
import static io.hal9.topology.game.engine.GameFixtures.withTiles;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;

import org.junit.jupiter.api.Test;

/** What the player sees: radius 8, line of sight, and what they remember. */
class GameVisibilityTest {

    @Test
    void shouldSeeEveryCellWithinRadiusEightAndNothingBeyondInTheOpen() {
        // Given a player at (20, 10) in the open
        GameState state = play(arena(1).build(), GameCommandType.WAIT);

        // Then exactly the cells within radius 8 are visible
        Grid mask = visibility(state);
        for (int y = 0; y < GameRules.HEIGHT; y++) {
            for (int x = 0; x < GameRules.WIDTH; x++) {
                int dx = x - 20;
                int dy = y - 10;
                assertThat(mask.get(x, y) == Visibility.VISIBLE).as("(%d, %d)", x, y)
                        .isEqualTo(dx * dx + dy * dy <= 64);
            }
        }
    }

    @Test
    void shouldSeeWhatIsInSightWithinRadiusAndNothingBeyondOnEveryMap() {
        for (long seed = 0; seed < 20; seed++) {
            GameState state = GameEngine.newGame("g", seed);
            SplittableRandom keys = new SplittableRandom(seed);
            GameCommandType[] moves = {GameCommandType.MOVE_LEFT, GameCommandType.MOVE_DOWN,
                    GameCommandType.MOVE_UP, GameCommandType.MOVE_RIGHT};
            for (int turn = 0; turn < 60 && state.getStatus() == GameStatus.PLAYING; turn++) {
                state = play(state, command("g", moves[keys.nextInt(moves.length)]));
                assertVisibilityFollowsTheRules(state);
            }
        }
    }

    @Test
    void shouldNotSeeThroughWalls() {
        // Given a wall three columns right of the player, from row 4 to row 16
        Point[] wall = new Point[13];
        for (int i = 0; i < wall.length; i++) {
            wall[i] = new Point(23, 4 + i);
        }
        GameState state = play(withTiles(arena(1), Tile.WALL, wall).build(), GameCommandType.WAIT);

        // Then the wall is seen, and the floor behind it is not
        Grid mask = visibility(state);
        assertThat(mask.get(22, 10)).isEqualTo(Visibility.VISIBLE);
        assertThat(mask.get(23, 10)).isEqualTo(Visibility.VISIBLE);
        assertThat(mask.get(25, 10)).isEqualTo(Visibility.UNSEEN);
        assertThat(mask.get(27, 12)).isEqualTo(Visibility.UNSEEN);
    }

    @Test
    void shouldRememberCellsSeenBeforeAndForgetNothing() {
        // Given a player who saw (28, 10) at the start
        GameState state = play(arena(1).build(), GameCommandType.WAIT);
        assertThat(visibility(state).get(28, 10)).isEqualTo(Visibility.VISIBLE);

        // When they walk ten cells to the left
        for (int i = 0; i < 10; i++) {
            state = play(state, GameCommandType.MOVE_LEFT);
        }

        // Then that cell is remembered, drawn as floor; a cell never seen stays blank
        assertThat(visibility(state).get(28, 10)).isEqualTo(Visibility.SEEN);
        assertThat(visibility(state).get(40, 10)).isEqualTo(Visibility.UNSEEN);
        String row = GameFrames.of(state).getScreen().get(10);
        assertThat(row.charAt(28)).isEqualTo('.');
        assertThat(row.charAt(40)).isEqualTo(' ');
        assertThat(row.charAt(10)).isEqualTo('@');
    }

    private static void assertVisibilityFollowsTheRules(GameState state) {
        Grid tiles = tiles(state);
        Grid mask = visibility(state);
        int px = state.getPlayerX();
        int py = state.getPlayerY();
        for (int y = 0; y < GameRules.HEIGHT; y++) {
            for (int x = 0; x < GameRules.WIDTH; x++) {
                boolean withinRadius = Visibility.withinRadius(x - px, y - py, 8);
                if (!withinRadius) {
                    assertThat(mask.get(x, y)).as("(%d, %d) beyond radius", x, y).isNotEqualTo(Visibility.VISIBLE);
                } else if (Visibility.inSight(tiles, px, py, x, y)) {
                    assertThat(mask.get(x, y)).as("(%d, %d) in sight", x, y).isEqualTo(Visibility.VISIBLE);
                }
            }
        }
    }
}
