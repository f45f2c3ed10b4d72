package io.hal9.topology.game.engine;

/**
 * The numbers of the game: board size, hit points, damage, chances and limits. The engine, the
 * map generator and the screen read them from here, so a rule changes in one place.
 *
 * <p>Changing a number changes what stored games replay to; a game in a state store keeps its
 * state, but its next turns follow the new rule.
 */
public final class GameRules {

    /** Columns of the map and of the screen. */
    public static final int WIDTH = 80;
    /** Rows of the map grid and of the screen. */
    public static final int HEIGHT = 24;
    /**
     * Rows of the screen (and of the map) the map is drawn in; the two rows below hold the status
     * line and the latest message.
     */
    public static final int MAP_HEIGHT = 22;

    /** Rooms on every map. */
    public static final int ROOMS = 8;
    /** Spatial tears on every map. */
    public static final int TEARS = 3;
    /** Warp gates on every map. */
    public static final int GATES = 1;
    /** Monsters on a new map. */
    public static final int MONSTERS = 6;

    /** The player's hit points at the start, and the most they can have. */
    public static final int MAX_HP = 20;
    /** Least and most damage the player deals with one blow. */
    public static final int PLAYER_DAMAGE_MIN = 1;
    public static final int PLAYER_DAMAGE_MAX = 4;
    /** Least and most damage a monster deals with one blow. */
    public static final int MONSTER_DAMAGE_MIN = 1;
    public static final int MONSTER_DAMAGE_MAX = 3;
    /**
     * Chance that a monster the player can see acts in a turn: it steps toward the player, or
     * strikes when next to them.
     */
    public static final double MONSTER_ACT_CHANCE = 0.5;

    /** Reality integrity of a new game. */
    public static final double START_INTEGRITY = 0.73;
    /** Integrity lost each time the player steps into a spatial tear. */
    public static final double TEAR_INTEGRITY_LOSS = 0.10;
    /** Below this integrity reality glitches. */
    public static final double GLITCH_BELOW = 0.5;
    /** Chance per turn of a glitch while integrity is below {@link #GLITCH_BELOW}. */
    public static final double GLITCH_CHANCE = 0.10;
    /** Screen cells a glitch scrambles in the frame of its turn. */
    public static final int GLITCH_SCRAMBLED_CELLS = 60;

    /** Awareness gained by stepping into a tear. */
    public static final double TEAR_AWARENESS_GAIN = 0.10;
    /** Awareness gained by asking Professor Kim. */
    public static final double TALK_AWARENESS_GAIN = 0.05;
    /** Awareness gained by living through a glitch. */
    public static final double GLITCH_AWARENESS_GAIN = 0.02;

    /** How far the player sees (Euclidean, in cells). */
    public static final int VISION_RADIUS = 8;
    /** Least Manhattan distance between the warp gate and where it drops the player. */
    public static final int GATE_MIN_DISTANCE = 10;

    /** Messages a game keeps. */
    public static final int MESSAGES_KEPT = 100;
    /** Messages a frame shows. */
    public static final int FRAME_MESSAGES = 3;
    /** Turns a question to Professor Kim stays pending; after that TALK asks again. */
    public static final int TALK_PATIENCE_TURNS = 5;
    /** Longest answer from the neurons kept as a message, in characters. */
    public static final int ANSWER_MAX_CHARS = 500;
    /** Messages the context of a question to the neurons quotes. */
    public static final int TALK_CONTEXT_MESSAGES = 5;

    private GameRules() {
    }
}
