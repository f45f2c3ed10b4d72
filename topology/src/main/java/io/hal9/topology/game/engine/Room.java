package io.hal9.topology.game.engine;

/**
 * A room of the map: its floor is the {@code width} x {@code height} cells from ({@code x},
 * {@code y}); its walls are the ring of cells around that floor.
 */
public record Room(int x, int y, int width, int height) {

    public Room {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("a room needs a floor of at least 1x1, not " + width + "x" + height);
        }
    }

    /** The last column of the floor. */
    public int right() {
        return x + width - 1;
    }

    /** The last row of the floor. */
    public int bottom() {
        return y + height - 1;
    }

    /** Whether (px, py) is on the floor of this room. */
    public boolean contains(int px, int py) {
        return px >= x && px <= right() && py >= y && py <= bottom();
    }

    /** Whether the walls of the two rooms, or their floors, share a cell. */
    public boolean overlaps(Room other) {
        return x - 1 <= other.right() + 1 && other.x - 1 <= right() + 1
                && y - 1 <= other.bottom() + 1 && other.y - 1 <= bottom() + 1;
    }
}
