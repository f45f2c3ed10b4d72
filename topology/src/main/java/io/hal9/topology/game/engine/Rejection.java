package io.hal9.topology.game.engine;

/** Why the engine refused a command; the game, if there is one, is unchanged. */
public enum Rejection {

    /** The command needs a game, and there is none under its id (only NEW_GAME starts one). */
    UNKNOWN_GAME,
    /** NEW_GAME without a seed. */
    MISSING_SEED,
    /** NEW_GAME for a game that is still being played. */
    GAME_IN_PROGRESS,
    /** The player is dead; only NEW_GAME is taken. */
    GAME_OVER,
    /** The command has no game id or no command, or names another game than the state it was applied to. */
    INVALID_COMMAND,
    /** The stored state cannot be read as a game (its grids do not match their sizes). */
    INVALID_STATE
}
