package io.hal9.topology.game.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;
import io.hal9.schemas.v1.Monster;

import org.junit.jupiter.api.Test;

/** NEW_GAME maps, over many seeds. */
class GameMapTest {

    private static final int SEEDS = 300;

    @Test
    void shouldBuildAnEightyByTwentyFourMapOfEightSeparateRooms() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Dungeon dungeon = Dungeon.generate(seed);

            assertThat(dungeon.tiles().width()).isEqualTo(80);
            assertThat(dungeon.tiles().height()).isEqualTo(24);
            assertThat(dungeon.rooms()).as("rooms of seed %d", seed).hasSize(8);
            for (Room room : dungeon.rooms()) {
                assertThat(dungeon.rooms()).filteredOn(other -> other != room && other.overlaps(room)).isEmpty();
                assertRoomIsWalled(dungeon.tiles(), room);
            }
        }
    }

    @Test
    void shouldReachEveryRoomFromThePlayer() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Dungeon dungeon = Dungeon.generate(seed);

            Set<Point> reached = reachable(dungeon.tiles(), dungeon.start(), dungeon.npc());

            for (Room room : dungeon.rooms()) {
                for (int y = room.y(); y <= room.bottom(); y++) {
                    for (int x = room.x(); x <= room.right(); x++) {
                        Point cell = new Point(x, y);
                        if (!cell.equals(dungeon.npc())) {
                            assertThat(reached).as("seed %d: %s in %s", seed, cell, room).contains(cell);
                        }
                    }
                }
            }
        }
    }

    @Test
    void shouldPlaceThreeTearsAndOneWarpGateInsideRooms() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Dungeon dungeon = Dungeon.generate(seed);
            Grid tiles = dungeon.tiles();

            assertThat(tiles.count(Tile.TEAR.code())).as("tears of seed %d", seed).isEqualTo(3);
            assertThat(tiles.count(Tile.GATE.code())).as("gates of seed %d", seed).isEqualTo(1);
            for (int y = 0; y < tiles.height(); y++) {
                for (int x = 0; x < tiles.width(); x++) {
                    if (tiles.get(x, y) == Tile.TEAR.code() || tiles.get(x, y) == Tile.GATE.code()) {
                        assertThat(inSomeRoom(dungeon.rooms(), x, y)).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void shouldStartThePlayerAtTheCentreWithTwentyHp() {
        for (long seed = 0; seed < 50; seed++) {
            GameState state = GameEngine.newGame("g", seed);

            assertThat(state.getPlayerX()).isEqualTo(40);
            assertThat(state.getPlayerY()).isEqualTo(11);
            assertThat(Dungeon.generate(seed).startRoom().contains(40, 11)).isTrue();
            assertThat(state.getHp()).isEqualTo(20);
            assertThat(state.getRealityIntegrity()).isEqualTo(0.73);
            assertThat(state.getAwareness()).isZero();
            assertThat(state.getTurn()).isZero();
            assertThat(state.getStatus()).isEqualTo(GameStatus.PLAYING);
            assertThat(state.getSeed()).isEqualTo(seed);
        }
    }

    @Test
    void shouldPlaceProfessorKimAndSixMonstersOnFreeFloorInRooms() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Dungeon dungeon = Dungeon.generate(seed);
            Set<Point> standing = new HashSet<>(List.of(dungeon.start(), dungeon.npc()));

            assertThat(dungeon.tiles().get(dungeon.npc().x(), dungeon.npc().y())).isEqualTo(Tile.FLOOR.code());
            assertThat(inSomeRoom(dungeon.rooms(), dungeon.npc().x(), dungeon.npc().y())).isTrue();
            assertThat(dungeon.monsters()).hasSize(6).extracting(Monster::getId).containsExactly(1, 2, 3, 4, 5, 6);
            for (Monster monster : dungeon.monsters()) {
                assertThat(dungeon.tiles().get(monster.getX(), monster.getY())).isEqualTo(Tile.FLOOR.code());
                assertThat(standing.add(new Point(monster.getX(), monster.getY()))).as("one per cell").isTrue();
                assertThat(monster.getHp()).isPositive();
            }
        }
    }

    @Test
    void shouldKeepTheTwoStatusRowsRock() {
        for (long seed = 0; seed < SEEDS; seed++) {
            Grid tiles = Dungeon.generate(seed).tiles();

            for (int y = GameRules.MAP_HEIGHT; y < GameRules.HEIGHT; y++) {
                for (int x = 0; x < GameRules.WIDTH; x++) {
                    assertThat(tiles.get(x, y)).isEqualTo(Tile.ROCK.code());
                }
            }
        }
    }

    @Test
    void shouldShowThePlayerTheStartRoomAtOnce() {
        GameState state = GameEngine.newGame("g", 42);

        assertThat(GameFixtures.visibility(state).get(40, 11)).isEqualTo(Visibility.VISIBLE);
        assertThat(state.getMessages()).hasSize(2);
    }

    /** Floor cells reachable from {@code from} walking left, right, up and down; nobody walks through Professor Kim. */
    static Set<Point> reachable(Grid tiles, Point from, Point blocked) {
        Set<Point> seen = new HashSet<>(List.of(from));
        Deque<Point> queue = new ArrayDeque<>(List.of(from));
        while (!queue.isEmpty()) {
            Point at = queue.poll();
            for (Point next : List.of(new Point(at.x() + 1, at.y()), new Point(at.x() - 1, at.y()),
                    new Point(at.x(), at.y() + 1), new Point(at.x(), at.y() - 1))) {
                if (tiles.contains(next.x(), next.y()) && Tile.of(tiles.get(next.x(), next.y())).walkable()
                        && !next.equals(blocked) && seen.add(next)) {
                    queue.add(next);
                }
            }
        }
        return seen;
    }

    private static void assertRoomIsWalled(Grid tiles, Room room) {
        for (int y = room.y() - 1; y <= room.bottom() + 1; y++) {
            for (int x = room.x() - 1; x <= room.right() + 1; x++) {
                Tile tile = Tile.of(tiles.get(x, y));
                if (room.contains(x, y)) {
                    assertThat(tile).isIn(Tile.FLOOR, Tile.TEAR, Tile.GATE);
                } else {
                    assertThat(tile).as("wall or door at (%d, %d)", x, y).isIn(Tile.WALL, Tile.FLOOR);
                }
            }
        }
        assertThat(room.y() - 1).isGreaterThanOrEqualTo(0);
        assertThat(room.bottom() + 1).isLessThan(GameRules.MAP_HEIGHT);
    }

    private static boolean inSomeRoom(List<Room> rooms, int x, int y) {
        return rooms.stream().anyMatch(room -> room.contains(x, y));
    }
}
