package io.hal9.topology.game.engine;

/** A cell of the map: column {@code x} from the left, row {@code y} from the top. */
public record Point(int x, int y) {

    /** Steps between the two cells moving only left, right, up and down. */
    public int manhattan(Point other) {
        return Math.abs(x - other.x) + Math.abs(y - other.y);
    }

    /** Steps between the two cells moving in eight directions: 1 for the eight cells around this one. */
    public int chebyshev(Point other) {
        return Math.max(Math.abs(x - other.x), Math.abs(y - other.y));
    }
}
