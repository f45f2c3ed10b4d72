package io.hal9.topology.game.engine;

import io.hal9.schemas.game.Grid;

/**
 * The visibility mask: which cells the player sees now, which they saw before and remember, and
 * which they never saw. The mask is a grid of the map's size holding {@link #UNSEEN},
 * {@link #SEEN} or {@link #VISIBLE} per cell.
 *
 * <p>A cell is visible when it lies within the vision radius (Euclidean) and the straight line
 * to it (Bresenham) crosses only transparent cells; the cell itself may be opaque, so walls facing
 * the player are seen. A cell within the radius is also visible when one of the eight cells around
 * it is transparent and visible that way: straight lines that graze a wall would otherwise leave
 * gaps in the walls and doors of a lit room.
 */
public final class Visibility {

    /** Never seen: drawn blank. */
    public static final int UNSEEN = 0;
    /** Seen before and remembered: its tile is drawn, but no monster or person on it. */
    public static final int SEEN = 1;
    /** In sight now: drawn with whoever stands on it. */
    public static final int VISIBLE = 2;

    private Visibility() {
    }

    /**
     * Recomputes the mask for a player at ({@code px}, {@code py}): what was visible becomes
     * remembered, and what is in sight now becomes visible.
     */
    public static void update(Grid tiles, Grid mask, int px, int py, int radius) {
        for (int y = 0; y < mask.height(); y++) {
            for (int x = 0; x < mask.width(); x++) {
                if (mask.get(x, y) == VISIBLE) {
                    mask.set(x, y, SEEN);
                }
            }
        }
        int side = 2 * radius + 1;
        boolean[] lit = new boolean[side * side];
        for (int dy = -radius; dy <= radius; dy++) {
            for (int dx = -radius; dx <= radius; dx++) {
                int x = px + dx;
                int y = py + dy;
                lit[(dy + radius) * side + dx + radius] = withinRadius(dx, dy, radius)
                        && tiles.contains(x, y) && inSight(tiles, px, py, x, y);
            }
        }
        for (int dy = -radius; dy <= radius; dy++) {
            for (int dx = -radius; dx <= radius; dx++) {
                int x = px + dx;
                int y = py + dy;
                if (!mask.contains(x, y) || !withinRadius(dx, dy, radius)) {
                    continue;
                }
                if (lit[(dy + radius) * side + dx + radius]
                        || bordersLitFloor(tiles, lit, side, radius, dx, dy, px, py)) {
                    mask.set(x, y, VISIBLE);
                }
            }
        }
    }

    /** Whether a cell {@code dx}, {@code dy} away lies within {@code radius}. */
    public static boolean withinRadius(int dx, int dy, int radius) {
        return dx * dx + dy * dy <= radius * radius;
    }

    /**
     * Whether the straight line from one cell to another crosses only transparent cells (the two
     * ends themselves are not looked at).
     */
    public static boolean inSight(Grid tiles, int fromX, int fromY, int toX, int toY) {
        int dx = Math.abs(toX - fromX);
        int dy = -Math.abs(toY - fromY);
        int stepX = fromX < toX ? 1 : -1;
        int stepY = fromY < toY ? 1 : -1;
        int error = dx + dy;
        int x = fromX;
        int y = fromY;
        while (true) {
            if (x == toX && y == toY) {
                return true;
            }
            if ((x != fromX || y != fromY) && !transparent(tiles, x, y)) {
                return false;
            }
            int doubled = 2 * error;
            if (doubled >= dy) {
                error += dy;
                x += stepX;
            }
            if (doubled <= dx) {
                error += dx;
                y += stepY;
            }
        }
    }

    private static boolean bordersLitFloor(Grid tiles, boolean[] lit, int side, int radius, int dx, int dy,
            int px, int py) {
        for (int ny = dy - 1; ny <= dy + 1; ny++) {
            for (int nx = dx - 1; nx <= dx + 1; nx++) {
                if (Math.abs(nx) > radius || Math.abs(ny) > radius || (nx == dx && ny == dy)) {
                    continue;
                }
                if (lit[(ny + radius) * side + nx + radius] && transparent(tiles, px + nx, py + ny)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean transparent(Grid tiles, int x, int y) {
        return tiles.contains(x, y) && Tile.of(tiles.get(x, y)).transparent();
    }
}
