package io.hal9.topology.game.engine;

/**
 * What a map cell is, as its code is stored in the tiles grid, with the glyph the screen draws
 * for it. Codes are part of the stored state: never renumber them.
 */
public enum Tile {

    /** Solid rock between rooms and corridors; drawn blank. */
    ROCK(0, ' ', false, false),
    /** Room floor and corridors. */
    FLOOR(1, '.', true, true),
    /** The walls around a room; corridors enter through doors, which are floor. */
    WALL(2, '#', false, false),
    /** A spatial tear: walking into it frays reality (integrity falls). */
    TEAR(3, '~', true, true),
    /** The warp gate: walking into it throws the player elsewhere on the map. */
    GATE(4, '*', true, true);

    private final int code;
    private final char glyph;
    private final boolean walkable;
    private final boolean transparent;

    Tile(int code, char glyph, boolean walkable, boolean transparent) {
        this.code = code;
        this.glyph = glyph;
        this.walkable = walkable;
        this.transparent = transparent;
    }

    /** The tile a stored code stands for; a code the game does not know is solid rock. */
    public static Tile of(int code) {
        for (Tile tile : values()) {
            if (tile.code == code) {
                return tile;
            }
        }
        return ROCK;
    }

    /** The value stored in the tiles grid. */
    public int code() {
        return code;
    }

    /** The character the screen draws for a seen cell of this tile. */
    public char glyph() {
        return glyph;
    }

    /** Whether the player can stand on it. */
    public boolean walkable() {
        return walkable;
    }

    /** Whether the player sees past it. */
    public boolean transparent() {
        return transparent;
    }
}
