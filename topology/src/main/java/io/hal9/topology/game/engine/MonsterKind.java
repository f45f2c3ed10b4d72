package io.hal9.topology.game.engine;

/** The kinds of monster, each known by its glyph on the screen and in the stored state. */
public enum MonsterKind {

    BUG("b", "bug", 3),
    RACE_CONDITION("r", "race condition", 4),
    ZOMBIE_PROCESS("z", "zombie process", 5);

    private final String glyph;
    private final String displayName;
    private final int hp;

    MonsterKind(String glyph, String displayName, int hp) {
        this.glyph = glyph;
        this.displayName = displayName;
        this.hp = hp;
    }

    /** The one character drawn for it and stored as its kind. */
    public String glyph() {
        return glyph;
    }

    /** How messages call it, e.g. "zombie process". */
    public String displayName() {
        return displayName;
    }

    /** Its hit points when the map is made. */
    public int hp() {
        return hp;
    }

    /** How messages call the monster with this glyph; "monster" for a glyph the game does not know. */
    public static String nameOf(String glyph) {
        for (MonsterKind kind : values()) {
            if (kind.glyph.equals(glyph)) {
                return kind.displayName;
            }
        }
        return "monster";
    }
}
