package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameFixtures.arena;
import static io.hal9.topology.game.engine.GameFixtures.monster;
import static io.hal9.topology.game.engine.GameFixtures.play;
import static io.hal9.topology.game.engine.GameFixtures.withTiles;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.serde.AvroTrust;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.Monster;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The frame's screen: 24 lines of 80 characters, glyphs, remembered and unseen cells, status rows. */
class GameScreenTest {

    @BeforeAll
    static void trustGameContracts() {
        // the tests copy game records with their builders, which Avro allows only for trusted classes
        AvroTrust.ensure();
    }

    @Test
    void shouldAlwaysDrawTwentyFourLinesOfEightyCharacters() {
        for (long seed = 0; seed < 10; seed++) {
            GameState state = null;
            for (GameCommand command : GameDeterminismTest.script(seed, 200)) {
                if (GameEngine.apply(state, command) instanceof GameOutcome.Applied applied) {
                    assertScreenShape(applied.frame());
                    state = applied.state();
                }
            }
            // answers from the neurons are free text: line breaks, tabs, emoji, any length
            state = GameEngine.withNeuronAnswer(state, "Tears\n\tmultiply \uD83C\uDF00 " + "x".repeat(300));
            assertScreenShape(GameFrames.of(state));
        }
    }

    @Test
    void shouldDrawEveryoneAndEveryTileWithItsGlyph() {
        // Given Professor Kim, a tear, a gate, a wall and a monster near the player in the arena
        GameState state = withTiles(arena(1), Tile.TEAR, new Point(22, 8)).build();
        state = withTiles(GameState.newBuilder(state), Tile.GATE, new Point(18, 8)).build();
        state = withTiles(GameState.newBuilder(state), Tile.WALL, new Point(20, 4))
                .setNpcX(24).setNpcY(10)
                .setMonsters(List.of(new Monster(1, 20, 14, 100, "b")))
                .build();

        // When the player looks around
        GameState next = play(state, GameCommandType.WAIT);
        List<String> screen = GameFrames.of(next).getScreen();

        // Then each is drawn with its glyph
        Monster bug = next.getMonsters().get(0);
        assertThat(screen.get(10).charAt(20)).isEqualTo('@');
        assertThat(screen.get(10).charAt(24)).isEqualTo('K');
        assertThat(screen.get(bug.getY()).charAt(bug.getX())).isEqualTo('b');
        assertThat(screen.get(8).charAt(22)).isEqualTo('~');
        assertThat(screen.get(8).charAt(18)).isEqualTo('*');
        assertThat(screen.get(4).charAt(20)).isEqualTo('#');
        assertThat(screen.get(10).charAt(21)).isEqualTo('.');
        assertThat(screen.get(10).charAt(60)).as("never seen").isEqualTo(' ');
    }

    @Test
    void shouldDrawOnlyTheTileOfARememberedCell() {
        // Given a monster and Professor Kim on cells the player saw before but does not see now
        Grid mask = Grid.of(GameRules.WIDTH, GameRules.HEIGHT);
        mask.set(30, 5, Visibility.SEEN);
        mask.set(31, 5, Visibility.SEEN);
        GameState state = arena(1).setVisibility(mask.toAvro())
                .setMonsters(List.of(monster(1, 30, 5, 5))).setNpcX(31).setNpcY(5).build();

        // Then the screen shows the floor there, not who stands on it
        String row = Screen.render(state).get(5);
        assertThat(row.charAt(30)).isEqualTo('.');
        assertThat(row.charAt(31)).isEqualTo('.');
        assertThat(row.charAt(32)).isEqualTo(' ');
    }

    @Test
    void shouldShowTheStatusAndTheLatestMessageOnTheBottomRows() {
        GameState state = GameEngine.newGame("g", 42);

        List<String> screen = GameFrames.of(state).getScreen();

        assertThat(screen.get(22)).startsWith("HP 20/20  Integrity 0.73  Awareness 0.00  Turn 0  PLAYING");
        assertThat(screen.get(23).strip()).isEqualTo("Find Professor Kim (K). HELP lists the commands.");
    }

    @Test
    void shouldScrambleTheScreenOnTheTurnRealityGlitches() {
        // Given a turn on which reality glitched
        GameState glitched = null;
        for (long seed = 0; glitched == null; seed++) {
            GameState next = play(arena(seed).setRealityIntegrity(0.4).build(), GameCommandType.WAIT);
            glitched = next.getGlitchTurn() != null ? next : null;
        }

        // When it is drawn
        List<String> scrambled = Screen.render(glitched);
        List<String> calm = Screen.render(GameState.newBuilder(glitched).setGlitchTurn(null).build());

        // Then many map cells differ, the player is still drawn, and the status rows are intact
        int differing = 0;
        for (int y = 0; y < GameRules.MAP_HEIGHT; y++) {
            for (int x = 0; x < GameRules.WIDTH; x++) {
                differing += scrambled.get(y).charAt(x) != calm.get(y).charAt(x) ? 1 : 0;
            }
        }
        assertThat(differing).isGreaterThan(20);
        assertThat(scrambled.get(glitched.getPlayerY()).charAt(glitched.getPlayerX())).isEqualTo('@');
        assertThat(scrambled.subList(22, 24)).isEqualTo(calm.subList(22, 24));
        assertThat(scrambled.get(23)).startsWith("Reality glitches.");
    }

    @Test
    void shouldRenderTheScreenAsTwentyFourLinesJoinedByNewlines() {
        GameFrame frame = GameFrames.of(GameEngine.newGame("g", 42));

        String text = ScreenText.render(frame);

        assertThat(text.split("\n", -1)).containsExactlyElementsOf(frame.getScreen());
        assertThat(text).hasSize(24 * 80 + 23).doesNotEndWith("\n");
    }

    @Test
    void shouldFitAnyTextIntoOneScreenLine() {
        assertThat(Screen.fit("short")).hasSize(80).startsWith("short ");
        assertThat(Screen.fit("y".repeat(200))).hasSize(80).endsWith("y...");
        assertThat(Screen.fit("a\tb\u0007c \uD83C\uDF00 d")).startsWith("a?b?c ? d ").hasSize(80);
        assertThat(Screen.fit("caf\u00e9")).startsWith("caf\u00e9 ");
    }

    @Test
    void shouldShowTheLatestThreeMessagesInTheFrame() {
        GameState state = GameEngine.newGame("g", 42);
        state = play(state, GameCommandType.HELP);

        GameFrame frame = GameFrames.of(state);

        assertThat(state.getMessages()).hasSize(5);
        assertThat(frame.getMessages()).isEqualTo(World.HELP);
    }

    private static void assertScreenShape(GameFrame frame) {
        assertThat(frame.getScreen()).hasSize(24).allSatisfy(line -> assertThat(line).hasSize(80));
        assertThat(frame.getMessages()).hasSizeLessThanOrEqualTo(3);
    }
}
