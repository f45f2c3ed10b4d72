package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameFixtures.arena;
import static io.hal9.topology.game.engine.GameFixtures.command;
import static io.hal9.topology.game.engine.GameFixtures.monster;
import static io.hal9.topology.game.engine.GameFixtures.onlyMonster;
import static io.hal9.topology.game.engine.GameFixtures.play;
import static io.hal9.topology.game.engine.GameFixtures.tiles;
import static io.hal9.topology.game.engine.GameFixtures.withTiles;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;
import io.hal9.schemas.v1.Monster;

import org.junit.jupiter.api.Test;

/** The rules of a turn, on an open arena with fixed seeds; chances are checked over many seeds. */
class GameRulesTest {

    @Test
    void shouldDealOneToFourDamageWhenThePlayerWalksIntoAMonster() {
        Set<Integer> dealt = new HashSet<>();
        for (long seed = 0; seed < 300; seed++) {
            // Given a monster with plenty of HP right of the player
            GameState state = arena(seed).setMonsters(List.of(monster(1, 21, 10, 1000))).build();
            for (int blow = 0; blow < 3; blow++) {
                int before = onlyMonster(state).getHp();

                // When the player walks into it
                state = play(state, GameCommandType.MOVE_RIGHT);

                // Then it loses 1..4 HP and the player stays where they were
                int damage = before - onlyMonster(state).getHp();
                assertThat(damage).as("seed %d turn %d", seed, state.getTurn()).isBetween(1, 4);
                assertThat(state.getPlayerX()).isEqualTo(20);
                dealt.add(damage);
            }
        }
        assertThat(dealt).containsExactlyInAnyOrder(1, 2, 3, 4);
    }

    @Test
    void shouldRemoveAMonsterThatReachesZeroHp() {
        GameState state = arena(1).setMonsters(List.of(monster(1, 21, 10, 1))).build();

        GameState next = play(state, GameCommandType.MOVE_RIGHT);

        assertThat(next.getMonsters()).isEmpty();
        assertThat(next.getMessages()).last().asString()
                .startsWith("You hit the zombie process for").endsWith("and kill it.");
    }

    @Test
    void shouldLetAMonsterNextToThePlayerStrikeForOneToThreeInAboutHalfTheTurns() {
        Set<Integer> taken = new HashSet<>();
        int strikes = 0;
        int seeds = 1000;
        for (long seed = 0; seed < seeds; seed++) {
            GameState state = arena(seed).setMonsters(List.of(monster(1, 21, 10, 1000))).build();

            GameState next = play(state, GameCommandType.WAIT);

            int damage = state.getHp() - next.getHp();
            assertThat(damage).isBetween(0, 3);
            assertThat(onlyMonster(next).getX()).isEqualTo(21);
            if (damage > 0) {
                strikes++;
                taken.add(damage);
            }
        }
        assertThat(strikes).isBetween(seeds * 35 / 100, seeds * 65 / 100);
        assertThat(taken).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void shouldStepTowardThePlayerInAboutHalfTheTurns() {
        int steps = 0;
        int seeds = 1000;
        for (long seed = 0; seed < seeds; seed++) {
            // Given a monster 6 columns right and 3 rows below the player, in sight
            GameState state = arena(seed).setMonsters(List.of(monster(1, 26, 13, 5))).build();

            // When a turn passes
            Monster moved = onlyMonster(play(state, GameCommandType.WAIT));

            // Then it either stayed or took one step along the longer way
            if (moved.getX() == 26 && moved.getY() == 13) {
                continue;
            }
            assertThat(List.of(moved.getX(), moved.getY())).isEqualTo(List.of(25, 13));
            steps++;
        }
        assertThat(steps).isBetween(seeds * 35 / 100, seeds * 65 / 100);
    }

    @Test
    void shouldNeverStepAwayFromThePlayer() {
        for (long seed = 0; seed < 200; seed++) {
            GameState state = arena(seed)
                    .setMonsters(List.of(monster(1, 27, 10, 50), monster(2, 14, 15, 50), monster(3, 20, 3, 50),
                            monster(4, 25, 6, 50)))
                    .build();
            for (int turn = 0; turn < 8 && state.getStatus() == GameStatus.PLAYING; turn++) {
                GameState next = play(state, GameCommandType.WAIT);
                for (Monster before : state.getMonsters()) {
                    Monster after = byId(next, before.getId());
                    int stepped = Math.abs(after.getX() - before.getX()) + Math.abs(after.getY() - before.getY());
                    assertThat(stepped).isLessThanOrEqualTo(1);
                    assertThat(distanceToPlayer(after, next)).isLessThanOrEqualTo(distanceToPlayer(before, next));
                }
                state = next;
            }
        }
    }

    @Test
    void shouldLeaveMonstersOutOfSightWhereTheyAre() {
        GameState state = arena(3).setMonsters(List.of(monster(1, 60, 10, 5))).build();

        for (int turn = 0; turn < 30; turn++) {
            state = play(state, GameCommandType.WAIT);
        }

        assertThat(onlyMonster(state).getX()).isEqualTo(60);
        assertThat(state.getHp()).isEqualTo(20);
    }

    @Test
    void shouldNeverGlitchWhileIntegrityIsAtLeastOneHalf() {
        for (double integrity : new double[] {0.5, 0.73, 1.0}) {
            for (long seed = 0; seed < 2000; seed++) {
                GameState next = play(arena(seed).setRealityIntegrity(integrity).build(), GameCommandType.WAIT);

                assertThat(next.getGlitchTurn()).as("seed %d at %s", seed, integrity).isNull();
                assertThat(next.getMessages()).isEmpty();
            }
        }
    }

    @Test
    void shouldGlitchInAboutOneTurnInTenWhileIntegrityIsBelowOneHalf() {
        int glitches = 0;
        int seeds = 2000;
        for (long seed = 0; seed < seeds; seed++) {
            GameState next = play(arena(seed).setRealityIntegrity(0.49).build(), GameCommandType.WAIT);

            if (next.getGlitchTurn() != null) {
                glitches++;
                assertThat(next.getGlitchTurn()).isEqualTo(next.getTurn());
                assertThat(next.getMessages()).containsExactly("Reality glitches. For a moment the world comes apart.");
                assertThat(next.getAwareness()).isEqualTo(0.02);
            }
        }
        assertThat(glitches).isBetween(seeds * 7 / 100, seeds * 13 / 100);
    }

    @Test
    void shouldLowerIntegrityEachTimeThePlayerStepsIntoATear() {
        // Given a tear right of the player
        GameState state = withTiles(arena(5), Tile.TEAR, new Point(21, 10)).build();

        // When the player steps in, out and in again, three times
        state = play(state, GameCommandType.MOVE_RIGHT);
        assertThat(state.getRealityIntegrity()).isEqualTo(0.63);
        assertThat(state.getAwareness()).isEqualTo(0.1);
        assertThat(state.getPlayerX()).isEqualTo(21);
        assertThat(state.getMessages()).last()
                .isEqualTo("You step into a spatial tear. Reality integrity falls to 0.63.");
        state = play(play(state, GameCommandType.MOVE_LEFT), GameCommandType.MOVE_RIGHT);
        state = play(play(state, GameCommandType.MOVE_LEFT), GameCommandType.MOVE_RIGHT);

        // Then integrity fell by 0.10 each time, below the glitch threshold, and the tear is still there
        assertThat(state.getRealityIntegrity()).isEqualTo(0.43);
        assertThat(state.getAwareness()).isEqualTo(state.getGlitchTurn() == null ? 0.3 : 0.32);
        assertThat(tiles(state).get(21, 10)).isEqualTo(Tile.TEAR.code());
    }

    @Test
    void shouldThrowThePlayerAtLeastTenStepsAwayThroughTheWarpGate() {
        Set<Point> landings = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            GameState state = withTiles(arena(seed), Tile.GATE, new Point(21, 10)).build();

            GameState next = play(state, GameCommandType.MOVE_RIGHT);

            Point landing = new Point(next.getPlayerX(), next.getPlayerY());
            assertThat(landing.manhattan(new Point(21, 10))).isGreaterThanOrEqualTo(10);
            assertThat(tiles(next).get(landing.x(), landing.y())).isEqualTo(Tile.FLOOR.code());
            assertThat(next.getMessages()).last().asString().startsWith("The warp gate folds space");
            landings.add(landing);
        }
        assertThat(landings).hasSizeGreaterThan(50);
    }

    @Test
    void shouldStopAtWallsAndAtProfessorKimWhileTheTurnPasses() {
        GameState state = arena(2).setPlayerX(1).setNpcX(1).setNpcY(11).build();

        GameState intoWall = play(state, GameCommandType.MOVE_LEFT);
        GameState intoKim = play(state, GameCommandType.MOVE_DOWN);

        assertThat(intoWall.getPlayerX()).isEqualTo(1);
        assertThat(intoWall.getTurn()).isEqualTo(1);
        assertThat(intoWall.getMessages()).containsExactly("A wall blocks your way.");
        assertThat(intoKim.getPlayerY()).isEqualTo(10);
        assertThat(intoKim.getMessages()).containsExactly("Professor Kim stands in your way; TALK to ask for advice.");
    }

    @Test
    void shouldWalkOneCellPerMoveFollowingTheViKeys() {
        GameState state = arena(4).build();

        assertThat(play(state, GameCommandType.MOVE_LEFT).getPlayerX()).isEqualTo(19);
        assertThat(play(state, GameCommandType.MOVE_RIGHT).getPlayerX()).isEqualTo(21);
        assertThat(play(state, GameCommandType.MOVE_UP).getPlayerY()).isEqualTo(9);
        assertThat(play(state, GameCommandType.MOVE_DOWN).getPlayerY()).isEqualTo(11);
        assertThat(play(state, GameCommandType.WAIT).getTurn()).isEqualTo(1);
    }

    @Test
    void shouldKeepTheLatestHundredMessagesAndShowTheLatestThree() {
        GameState state = arena(6).build();

        GameOutcome.Applied last = null;
        for (int i = 0; i < 60; i++) {
            last = (GameOutcome.Applied) GameEngine.apply(state, command(GameCommandType.HELP));
            state = last.state();
        }

        assertThat(state.getMessages()).hasSize(100);
        assertThat(state.getMessages().subList(97, 100)).isEqualTo(World.HELP);
        assertThat(last.frame().getMessages()).isEqualTo(World.HELP);
        assertThat(state.getTurn()).as("HELP lets no turn pass").isZero();
    }

    @Test
    void shouldStopPlayWhenThePlayerDies() {
        // Given a player with 1 HP next to a monster
        GameState state = arena(11).setHp(1).setMonsters(List.of(monster(1, 21, 10, 1000))).build();

        // When turns pass until the monster strikes
        GameOutcome.Applied applied = null;
        for (int turn = 0; turn < 50 && state.getStatus() == GameStatus.PLAYING; turn++) {
            applied = (GameOutcome.Applied) GameEngine.apply(state, command(GameCommandType.WAIT));
            state = applied.state();
        }

        // Then the player is dead, the frame says so, and every command but NEW_GAME is refused
        assertThat(state.getStatus()).isEqualTo(GameStatus.DEAD);
        assertThat(state.getHp()).isZero();
        assertThat(state.getMessages()).last().asString().startsWith("You die on turn " + state.getTurn());
        assertThat(applied.frame().getStatus()).isEqualTo(GameStatus.DEAD);
        assertThat(applied.frame().getHp()).isZero();
        for (GameCommandType type : GameCommandType.values()) {
            if (type != GameCommandType.NEW_GAME) {
                GameOutcome outcome = GameEngine.apply(state, command(type));
                assertThat(outcome).isInstanceOfSatisfying(GameOutcome.Rejected.class,
                        rejected -> assertThat(rejected.reason()).isEqualTo(Rejection.GAME_OVER));
            }
        }
    }

    private static Monster byId(GameState state, int id) {
        return state.getMonsters().stream().filter(m -> m.getId() == id).findFirst().orElseThrow();
    }

    private static int distanceToPlayer(Monster monster, GameState state) {
        return Math.abs(monster.getX() - state.getPlayerX()) + Math.abs(monster.getY() - state.getPlayerY());
    }
}
