package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameRules.HEIGHT;
import static io.hal9.topology.game.engine.GameRules.MAP_HEIGHT;
import static io.hal9.topology.game.engine.GameRules.WIDTH;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.Monster;
import io.hal9.topology.game.engine.GameRandom.Draw;

/**
 * A new map, as {@link #generate(long)} builds it from a seed: 80 x 24 tiles, its rooms, where the
 * player starts, where Professor Kim stands and the monsters.
 *
 * <p>How a map is made: the 22 map rows are cut into a 3 x 3 board of cells; every cell but one
 * outer cell (chosen at random) holds one room, so there are always 8. The centre room covers the
 * centre of the map, (40, 11), where the player starts. Each room keeps a cell of margin inside
 * its board cell, so neighbouring rooms are at least two cells apart. Rooms in neighbouring board
 * cells are joined by an L-shaped corridor through doors in their walls: a random spanning tree
 * (every room reachable) plus one more corridor to make a loop. The 3 spatial tears, the warp gate,
 * Professor Kim and the 6 monsters stand on the floor of the outer rooms; Professor Kim, who never
 * moves, never stands in front of a door, so no way is ever blocked. The bottom two rows stay
 * rock: the screen draws the status line and the latest message there.
 *
 * @param tiles    the map, tile codes as {@link Tile#code()}
 * @param rooms    the 8 rooms, in board order (left to right, top to bottom)
 * @param start    where the player starts: the centre of the map
 * @param npc      where Professor Kim stands
 * @param monsters the monsters, ids 1 to 6
 */
public record Dungeon(Grid tiles, List<Room> rooms, Point start, Point npc, List<Monster> monsters) {

    /** Columns of the three board columns, first and last. */
    private static final int[][] COLUMN_BANDS = {{0, 25}, {26, 53}, {54, 79}};
    /** Rows of the three board rows, first and last. */
    private static final int[][] ROW_BANDS = {{0, 6}, {7, 14}, {15, 21}};
    private static final int CENTRE_CELL = 4;
    private static final Point CENTRE = new Point(WIDTH / 2, MAP_HEIGHT / 2);
    private static final int MIN_ROOM_WIDTH = 4;
    private static final int MAX_ROOM_WIDTH = 16;
    private static final int MIN_ROOM_HEIGHT = 2;

    public Dungeon {
        rooms = List.copyOf(rooms);
        monsters = List.copyOf(monsters);
    }

    /** The map of a game with this seed; the same seed always gives the same map. */
    public static Dungeon generate(long seed) {
        SplittableRandom random = GameRandom.of(seed, 0, Draw.MAP);
        Grid tiles = Grid.of(WIDTH, HEIGHT);

        int[] outerCells = {0, 1, 2, 3, 5, 6, 7, 8};
        int skipped = outerCells[random.nextInt(outerCells.length)];
        Room[] byCell = new Room[9];
        List<Room> rooms = new ArrayList<>();
        for (int cell = 0; cell < 9; cell++) {
            if (cell == skipped) {
                continue;
            }
            Room room = cell == CENTRE_CELL ? centreRoom(random) : outerRoom(random, cell);
            byCell[cell] = room;
            rooms.add(room);
            carveRoom(tiles, room);
        }
        joinRooms(tiles, byCell, random);

        List<Room> outer = new ArrayList<>(rooms);
        outer.remove(byCell[CENTRE_CELL]);
        shuffle(outer, random);
        List<Point> taken = new ArrayList<>(List.of(CENTRE));
        for (int i = 0; i < GameRules.TEARS; i++) {
            Point tear = freeCell(tiles, outer.get(i), taken, random, false);
            tiles.set(tear.x(), tear.y(), Tile.TEAR.code());
        }
        for (int i = 0; i < GameRules.GATES; i++) {
            Point gate = freeCell(tiles, outer.get(GameRules.TEARS + i), taken, random, false);
            tiles.set(gate.x(), gate.y(), Tile.GATE.code());
        }
        Point npc = freeCell(tiles, outer.get(GameRules.TEARS + GameRules.GATES), taken, random, true);
        List<Monster> monsters = new ArrayList<>();
        MonsterKind[] kinds = MonsterKind.values();
        for (int id = 1; id <= GameRules.MONSTERS; id++) {
            Point at = freeCell(tiles, outer.get(random.nextInt(outer.size())), taken, random, false);
            MonsterKind kind = kinds[random.nextInt(kinds.length)];
            monsters.add(new Monster(id, at.x(), at.y(), kind.hp(), kind.glyph()));
        }
        return new Dungeon(tiles, rooms, CENTRE, npc, monsters);
    }

    /** The room the player starts in, around the centre of the map. */
    public Room startRoom() {
        return rooms.stream().filter(room -> room.contains(start.x(), start.y())).findFirst().orElseThrow();
    }

    /** A room of 6..14 x 2..4 floor cells that covers the centre of the map. */
    private static Room centreRoom(SplittableRandom random) {
        int width = 6 + random.nextInt(9);
        int height = 2 + random.nextInt(3);
        int[] columns = inner(COLUMN_BANDS[1]);
        int[] rows = inner(ROW_BANDS[1]);
        int x = between(random,
                Math.max(columns[0], CENTRE.x() - width + 1), Math.min(CENTRE.x(), columns[1] - width + 1));
        int y = between(random,
                Math.max(rows[0], CENTRE.y() - height + 1), Math.min(CENTRE.y(), rows[1] - height + 1));
        return new Room(x, y, width, height);
    }

    /** A room anywhere inside its board cell, walls one cell in from the cell's edges. */
    private static Room outerRoom(SplittableRandom random, int cell) {
        int[] columns = inner(COLUMN_BANDS[cell % 3]);
        int[] rows = inner(ROW_BANDS[cell / 3]);
        int roomyWidth = columns[1] - columns[0] + 1;
        int roomyHeight = rows[1] - rows[0] + 1;
        int width = between(random, MIN_ROOM_WIDTH, Math.min(MAX_ROOM_WIDTH, roomyWidth));
        int height = between(random, MIN_ROOM_HEIGHT, roomyHeight);
        int x = between(random, columns[0], columns[1] - width + 1);
        int y = between(random, rows[0], rows[1] - height + 1);
        return new Room(x, y, width, height);
    }

    /** First and last floor line of a band: one line of margin, then one of wall. */
    private static int[] inner(int[] band) {
        return new int[] {band[0] + 2, band[1] - 2};
    }

    private static void carveRoom(Grid tiles, Room room) {
        for (int y = room.y() - 1; y <= room.bottom() + 1; y++) {
            for (int x = room.x() - 1; x <= room.right() + 1; x++) {
                tiles.set(x, y, room.contains(x, y) ? Tile.FLOOR.code() : Tile.WALL.code());
            }
        }
    }

    /** A random spanning tree of corridors between neighbouring rooms, plus one corridor more. */
    private static void joinRooms(Grid tiles, Room[] byCell, SplittableRandom random) {
        List<int[]> pairs = new ArrayList<>();
        for (int cell = 0; cell < 9; cell++) {
            if (byCell[cell] == null) {
                continue;
            }
            if (cell % 3 < 2 && byCell[cell + 1] != null) {
                pairs.add(new int[] {cell, cell + 1});
            }
            if (cell / 3 < 2 && byCell[cell + 3] != null) {
                pairs.add(new int[] {cell, cell + 3});
            }
        }
        shuffle(pairs, random);
        int[] group = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        boolean loopMade = false;
        for (int[] pair : pairs) {
            int a = root(group, pair[0]);
            int b = root(group, pair[1]);
            if (a != b) {
                group[a] = b;
            } else if (loopMade) {
                continue;
            } else {
                loopMade = true;
            }
            Room from = byCell[pair[0]];
            Room to = byCell[pair[1]];
            if (pair[1] == pair[0] + 1) {
                corridorEast(tiles, from, to, random);
            } else {
                corridorSouth(tiles, from, to, random);
            }
        }
    }

    private static int root(int[] group, int cell) {
        int root = cell;
        while (group[root] != root) {
            root = group[root];
        }
        return root;
    }

    /** From a door in the east wall of {@code west} to a door in the west wall of {@code east}. */
    private static void corridorEast(Grid tiles, Room west, Room east, SplittableRandom random) {
        int fromX = west.right() + 1;
        int fromY = between(random, west.y(), west.bottom());
        int toX = east.x() - 1;
        int toY = between(random, east.y(), east.bottom());
        int turnX = between(random, fromX + 1, toX - 1);
        floorRow(tiles, fromY, fromX, turnX);
        floorColumn(tiles, turnX, fromY, toY);
        floorRow(tiles, toY, turnX, toX);
    }

    /** From a door in the south wall of {@code north} to a door in the north wall of {@code south}. */
    private static void corridorSouth(Grid tiles, Room north, Room south, SplittableRandom random) {
        int fromX = between(random, north.x(), north.right());
        int fromY = north.bottom() + 1;
        int toX = between(random, south.x(), south.right());
        int toY = south.y() - 1;
        int turnY = between(random, fromY + 1, toY - 1);
        floorColumn(tiles, fromX, fromY, turnY);
        floorRow(tiles, turnY, fromX, toX);
        floorColumn(tiles, toX, turnY, toY);
    }

    private static void floorRow(Grid tiles, int y, int x1, int x2) {
        for (int x = Math.min(x1, x2); x <= Math.max(x1, x2); x++) {
            tiles.set(x, y, Tile.FLOOR.code());
        }
    }

    private static void floorColumn(Grid tiles, int x, int y1, int y2) {
        for (int y = Math.min(y1, y2); y <= Math.max(y1, y2); y++) {
            tiles.set(x, y, Tile.FLOOR.code());
        }
    }

    /**
     * A floor cell of {@code room} nobody stands on, marked taken. {@code awayFromDoors}: also not
     * next to a door, for someone who never moves out of the way.
     */
    private static Point freeCell(Grid tiles, Room room, List<Point> taken, SplittableRandom random,
            boolean awayFromDoors) {
        List<Point> free = new ArrayList<>();
        for (int y = room.y(); y <= room.bottom(); y++) {
            for (int x = room.x(); x <= room.right(); x++) {
                Point cell = new Point(x, y);
                if (tiles.get(x, y) == Tile.FLOOR.code() && !taken.contains(cell)
                        && !(awayFromDoors && nextToDoor(tiles, room, x, y))) {
                    free.add(cell);
                }
            }
        }
        if (free.isEmpty()) {
            throw new IllegalStateException("room " + room + " has no free floor left");
        }
        Point chosen = free.get(random.nextInt(free.size()));
        taken.add(chosen);
        return chosen;
    }

    private static boolean nextToDoor(Grid tiles, Room room, int x, int y) {
        int[][] around = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        for (int[] step : around) {
            int nx = x + step[0];
            int ny = y + step[1];
            if (!room.contains(nx, ny) && tiles.get(nx, ny) == Tile.FLOOR.code()) {
                return true;
            }
        }
        return false;
    }

    private static int between(SplittableRandom random, int first, int last) {
        return random.nextInt(first, last + 1);
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T swap = list.get(i);
            list.set(i, list.get(j));
            list.set(j, swap);
        }
    }
}
