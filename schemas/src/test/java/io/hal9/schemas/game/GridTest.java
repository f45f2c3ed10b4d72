package io.hal9.schemas.game;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class GridTest {

    @Test
    void shouldStartWithEveryCellZero() {
        Grid grid = Grid.of(80, 24);

        assertThat(grid.width()).isEqualTo(80);
        assertThat(grid.height()).isEqualTo(24);
        assertThat(grid.count(0)).isEqualTo(80 * 24);
    }

    @Test
    void shouldReadBackWhatWasSetAtEachCorner() {
        Grid grid = Grid.of(80, 24);

        grid.set(0, 0, 1);
        grid.set(79, 0, 2);
        grid.set(0, 23, 3);
        grid.set(79, 23, 255);

        assertThat(grid.get(0, 0)).isEqualTo(1);
        assertThat(grid.get(79, 0)).isEqualTo(2);
        assertThat(grid.get(0, 23)).isEqualTo(3);
        assertThat(grid.get(79, 23)).isEqualTo(255);
        assertThat(grid.count(0)).isEqualTo(80 * 24 - 4);
    }

    @Test
    void shouldStoreCellsRowMajor() {
        // Given a 3x2 grid with (x=2, y=0) and (x=0, y=1) set
        Grid grid = Grid.of(3, 2);
        grid.set(2, 0, 7);
        grid.set(0, 1, 9);

        // Then the flat cells are row after row: index = y * width + x
        ByteBuffer cells = grid.toAvro().getCells();
        assertThat(cells.remaining()).isEqualTo(6);
        assertThat(cells.get(2)).isEqualTo((byte) 7);
        assertThat(cells.get(3)).isEqualTo((byte) 9);
    }

    @Test
    void shouldNameTheCellAndTheSizeWhenOutOfBounds() {
        Grid grid = Grid.of(80, 24);

        assertThatThrownBy(() -> grid.get(80, 3))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("x=80").hasMessageContaining("y=3").hasMessageContaining("80x24");
        assertThatThrownBy(() -> grid.set(5, -1, 1))
                .isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("x=5").hasMessageContaining("y=-1").hasMessageContaining("80x24");
        assertThat(grid.contains(79, 23)).isTrue();
        assertThat(grid.contains(80, 23)).isFalse();
        assertThat(grid.contains(0, 24)).isFalse();
    }

    @Test
    void shouldRefuseValuesThatDoNotFitOneByte() {
        Grid grid = Grid.of(4, 4);

        assertThatThrownBy(() -> grid.set(1, 2, 256))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x=1").hasMessageContaining("y=2").hasMessageContaining("256");
        assertThatThrownBy(() -> grid.set(1, 2, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(grid.get(1, 2)).isZero();
    }

    @Test
    void shouldRefuseAnEmptySize() {
        assertThatThrownBy(() -> Grid.of(0, 24))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x24");
    }

    @Test
    void shouldRoundTripThroughAvro() {
        Grid grid = Grid.of(80, 24);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 80; x++) {
                grid.set(x, y, (x * 7 + y * 13) % 256);
            }
        }

        Grid read = Grid.fromAvro(grid.toAvro());

        assertThat(read).isEqualTo(grid);
        assertThat(read.get(79, 23)).isEqualTo((79 * 7 + 23 * 13) % 256);
    }

    @Test
    void shouldNotShareCellsWithTheRecord() {
        Grid grid = Grid.of(2, 2);
        io.hal9.schemas.v1.Grid record = grid.toAvro();

        grid.set(0, 0, 5);
        Grid read = Grid.fromAvro(record);
        read.set(1, 1, 6);

        assertThat(Grid.fromAvro(record).count(0)).isEqualTo(4);
        assertThat(read.get(0, 0)).isZero();
    }

    @Test
    void shouldReadCellsFromABufferThatIsNotAtPositionZero() {
        // Given a record whose buffer is a slice of a larger array
        ByteBuffer buffer = ByteBuffer.wrap(new byte[] {99, 1, 2, 3, 4});
        buffer.position(1);
        io.hal9.schemas.v1.Grid record = new io.hal9.schemas.v1.Grid(2, 2, buffer);

        Grid grid = Grid.fromAvro(record);

        assertThat(grid.get(0, 0)).isEqualTo(1);
        assertThat(grid.get(1, 1)).isEqualTo(4);
        assertThat(buffer.position()).isEqualTo(1);
    }

    @Test
    void shouldRefuseARecordWhoseCellsDoNotMatchItsSize() {
        io.hal9.schemas.v1.Grid record = new io.hal9.schemas.v1.Grid(80, 24, ByteBuffer.wrap(new byte[80 * 23]));

        assertThatThrownBy(() -> Grid.fromAvro(record))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("80x24").hasMessageContaining("1920").hasMessageContaining("1840");
    }

    @Test
    void shouldRefuseARecordWithANegativeSize() {
        io.hal9.schemas.v1.Grid record = new io.hal9.schemas.v1.Grid(-1, 4, ByteBuffer.wrap(new byte[0]));

        assertThatThrownBy(() -> Grid.fromAvro(record)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldCopyIndependently() {
        Grid grid = Grid.of(3, 3);
        Grid copy = grid.copy();

        copy.set(1, 1, 2);

        assertThat(grid.get(1, 1)).isZero();
        assertThat(copy).isNotEqualTo(grid);
    }
}
