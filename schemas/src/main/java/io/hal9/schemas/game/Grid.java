package io.hal9.schemas.game;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A rectangular grid of small values (0..255) kept flat and row-major in one byte array, as game
 * state stores it: the tiles of a map, a visibility mask. Cell (x, y) is {@code cells[y * width + x]},
 * x counting columns from the left and y rows from the top.
 *
 * <p>A grid is mutable, like a buffer: the game engine copies one from the stored state, changes
 * it, and writes it back with {@link #toAvro()}. Reading a stored grid with {@link #fromAvro}
 * checks that its size and its cells agree.
 */
public final class Grid {

    private final int width;
    private final int height;
    private final byte[] cells;

    private Grid(int width, int height, byte[] cells) {
        this.width = width;
        this.height = height;
        this.cells = cells;
    }

    /** A {@code width} x {@code height} grid with every cell 0. */
    public static Grid of(int width, int height) {
        checkSize(width, height);
        return new Grid(width, height, new byte[Math.multiplyExact(width, height)]);
    }

    /**
     * The grid a stored record describes; the record is not changed and not shared.
     *
     * @throws IllegalArgumentException when the size is not positive or the cells are not exactly
     *                                  {@code width * height} bytes
     */
    public static Grid fromAvro(io.hal9.schemas.v1.Grid record) {
        Objects.requireNonNull(record, "record");
        int width = record.getWidth();
        int height = record.getHeight();
        checkSize(width, height);
        ByteBuffer buffer = record.getCells().duplicate();
        long expected = (long) width * height;
        if (buffer.remaining() != expected) {
            throw new IllegalArgumentException("a " + width + "x" + height + " grid needs " + expected
                    + " cells, the record has " + buffer.remaining());
        }
        byte[] cells = new byte[buffer.remaining()];
        buffer.get(cells);
        return new Grid(width, height, cells);
    }

    /** This grid as a record to store or send; later changes to this grid do not reach it. */
    public io.hal9.schemas.v1.Grid toAvro() {
        return io.hal9.schemas.v1.Grid.newBuilder()
                .setWidth(width)
                .setHeight(height)
                .setCells(ByteBuffer.wrap(cells.clone()))
                .build();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** Whether (x, y) is a cell of this grid. */
    public boolean contains(int x, int y) {
        return x >= 0 && x < width && y >= 0 && y < height;
    }

    /**
     * The value of cell (x, y), 0..255.
     *
     * @throws IndexOutOfBoundsException when (x, y) is outside the grid
     */
    public int get(int x, int y) {
        return cells[index(x, y)] & 0xFF;
    }

    /**
     * Sets cell (x, y) to {@code value}.
     *
     * @throws IndexOutOfBoundsException when (x, y) is outside the grid
     * @throws IllegalArgumentException  when {@code value} is not 0..255
     */
    public void set(int x, int y, int value) {
        int index = index(x, y);
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException("cell (x=" + x + ", y=" + y + ") takes a value 0..255, not " + value);
        }
        cells[index] = (byte) value;
    }

    /** Sets every cell to {@code value} (0..255). */
    public void fill(int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException("a cell takes a value 0..255, not " + value);
        }
        Arrays.fill(cells, (byte) value);
    }

    /** An independent grid with the same size and cells. */
    public Grid copy() {
        return new Grid(width, height, cells.clone());
    }

    /** How many cells hold {@code value}. */
    public int count(int value) {
        int count = 0;
        for (byte cell : cells) {
            if ((cell & 0xFF) == value) {
                count++;
            }
        }
        return count;
    }

    private int index(int x, int y) {
        if (!contains(x, y)) {
            throw new IndexOutOfBoundsException("cell (x=" + x + ", y=" + y + ") is outside the "
                    + width + "x" + height + " grid");
        }
        return y * width + x;
    }

    private static void checkSize(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("a grid needs a positive width and height, not " + width + "x" + height);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Grid that
                && width == that.width && height == that.height && Arrays.equals(cells, that.cells);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(cells);
    }

    @Override
    public String toString() {
        return "Grid[" + width + "x" + height + "]";
    }
}
