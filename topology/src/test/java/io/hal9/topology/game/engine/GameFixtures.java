package io.hal9.topology.game.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;
import io.hal9.schemas.v1.Monster;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** Games and commands for the engine tests: generated games, and an open arena to set scenes in. */
public final class GameFixtures {

    public static final String ARENA = "arena";
    public static final Instant ISSUED = Instant.parse("2026-11-02T10:15:30Z");

    private GameFixtures() {
    }

    public static GameCommand command(String gameId, GameCommandType type) {
        return GameCommand.newBuilder().setGameId(gameId).setCommand(type).setIssuedAt(ISSUED).build();
    }

    public static GameCommand command(GameCommandType type) {
        return command(ARENA, type);
    }

    public static GameCommand newGame(String gameId, long seed) {
        return GameCommand.newBuilder()
                .setGameId(gameId).setCommand(GameCommandType.NEW_GAME).setSeed(seed).setIssuedAt(ISSUED).build();
    }

    /** The state after {@code command}, which must be applied. */
    public static GameState play(GameState state, GameCommand command) {
        GameOutcome outcome = GameEngine.apply(state, command);
        assertThat(outcome).isInstanceOf(GameOutcome.Applied.class);
        return ((GameOutcome.Applied) outcome).state();
    }

    public static GameState play(GameState state, GameCommandType type) {
        return play(state, command(state.getGameId(), type));
    }

    /**
     * A game on an open arena: the whole 80 x 22 map floor inside a ring of wall, the two status
     * rows rock; the player at (20, 10) with 20 HP, Professor Kim far away at (70, 18), no
     * monsters, integrity 0.73, nothing seen yet.
     */
    public static GameState.Builder arena(long seed) {
        Grid tiles = Grid.of(GameRules.WIDTH, GameRules.HEIGHT);
        for (int y = 0; y < GameRules.MAP_HEIGHT; y++) {
            for (int x = 0; x < GameRules.WIDTH; x++) {
                boolean edge = x == 0 || y == 0 || x == GameRules.WIDTH - 1 || y == GameRules.MAP_HEIGHT - 1;
                tiles.set(x, y, (edge ? Tile.WALL : Tile.FLOOR).code());
            }
        }
        return GameState.newBuilder()
                .setGameId(ARENA)
                .setSeed(seed)
                .setTurn(0)
                .setTiles(tiles.toAvro())
                .setVisibility(Grid.of(GameRules.WIDTH, GameRules.HEIGHT).toAvro())
                .setPlayerX(20)
                .setPlayerY(10)
                .setHp(GameRules.MAX_HP)
                .setAwareness(0.0)
                .setRealityIntegrity(GameRules.START_INTEGRITY)
                .setMonsters(List.of())
                .setNpcX(70)
                .setNpcY(18)
                .setMessages(List.of())
                .setStatus(GameStatus.PLAYING)
                .setPendingTalkTurn(null)
                .setGlitchTurn(null);
    }

    /** The arena with some cells changed to {@code tile}. */
    public static GameState.Builder withTiles(GameState.Builder state, Tile tile, Point... cells) {
        Grid tiles = Grid.fromAvro(state.getTiles());
        for (Point cell : cells) {
            tiles.set(cell.x(), cell.y(), tile.code());
        }
        return state.setTiles(tiles.toAvro());
    }

    public static Monster monster(int id, int x, int y, int hp) {
        return new Monster(id, x, y, hp, MonsterKind.ZOMBIE_PROCESS.glyph());
    }

    public static Monster onlyMonster(GameState state) {
        assertThat(state.getMonsters()).hasSize(1);
        return state.getMonsters().get(0);
    }

    public static Grid tiles(GameState state) {
        return Grid.fromAvro(state.getTiles());
    }

    public static Grid visibility(GameState state) {
        return Grid.fromAvro(state.getVisibility());
    }

    /** The Avro binary encoding, as hex so that lists of encodings compare by content. */
    public static String avro(SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return HexFormat.of().formatHex(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
