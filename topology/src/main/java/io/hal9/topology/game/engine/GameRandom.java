package io.hal9.topology.game.engine;

import java.util.SplittableRandom;

/**
 * Where every random choice of a game comes from: a fresh generator seeded by the game seed, the
 * turn and the kind of choice. Nothing else is random, and nothing reads the clock, so the same
 * commands on the same state always give the same turns, and replaying a changelog rebuilds the
 * same games. Separate kinds keep choices independent: how a monster moves does not depend on
 * whether the player attacked in the same turn.
 */
public final class GameRandom {

    /** A kind of random choice. The salts are part of every stored game: never change them. */
    public enum Draw {
        /** Building a new map (turn 0). */
        MAP(1),
        /** The damage of the player's blow. */
        PLAYER_ATTACK(2),
        /** Whether each monster acts, and its damage. */
        MONSTERS(3),
        /** Where the warp gate drops the player. */
        GATE(4),
        /** Whether reality glitches. */
        GLITCH(5),
        /** Which screen cells a glitch scrambles. */
        SCREEN(6);

        private final long salt;

        Draw(long salt) {
            this.salt = salt;
        }
    }

    private GameRandom() {
    }

    /** The generator of one kind of choice in one turn of one game. */
    public static SplittableRandom of(long seed, int turn, Draw draw) {
        return new SplittableRandom(mix(seed, turn, draw.salt));
    }

    /** Mixes seed, turn and salt so that neighbouring inputs give unrelated seeds. */
    static long mix(long seed, int turn, long salt) {
        return scramble(scramble(scramble(seed) + turn) + salt);
    }

    /** The MurmurHash3 64-bit finalizer: a bijection that spreads every input bit. */
    private static long scramble(long value) {
        long z = value;
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
