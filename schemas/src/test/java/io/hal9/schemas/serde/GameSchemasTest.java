package io.hal9.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;
import io.hal9.schemas.v1.Monster;

import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The game contracts survive the wire: through the registry-backed serde and as plain Avro binary. */
class GameSchemasTest {

    private static final Instant ISSUED = Instant.parse("2026-11-02T10:15:30.123Z");

    private SchemaRegistryServer registry;
    private HttpSchemaRegistryClient client;

    @BeforeEach
    void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        client = new HttpSchemaRegistryClient(registry.url());
    }

    @AfterEach
    void stopRegistry() {
        registry.close();
    }

    @Test
    void shouldRoundTripGameCommandThroughRegistry() {
        GameCommand command = newGame();

        GameCommand read = roundTrip(GameCommand.class, "hal9.game.commands", command);

        assertThat(read).isEqualTo(command);
        assertThat(read.getSeed()).isEqualTo(42L);
        assertThat(read.getIssuedAt()).isEqualTo(ISSUED);
    }

    @Test
    void shouldLeaveTheSeedEmptyWhenACommandDoesNotSetIt() {
        GameCommand move = GameCommand.newBuilder()
                .setGameId("g-1").setCommand(GameCommandType.MOVE_LEFT).setIssuedAt(ISSUED).build();

        GameCommand read = roundTrip(GameCommand.class, "hal9.game.commands", move);

        assertThat(read.getSeed()).isNull();
        assertThat(read.getCommand()).isEqualTo(GameCommandType.MOVE_LEFT);
    }

    @Test
    void shouldRoundTripGameFrameThroughRegistry() {
        GameFrame frame = frame();

        GameFrame read = roundTrip(GameFrame.class, "hal9.game.frames", frame);

        assertThat(read).isEqualTo(frame);
        assertThat(read.getScreen()).hasSize(24).allSatisfy(line -> assertThat(line).hasSize(80));
    }

    @Test
    void shouldRoundTripGameStateThroughRegistry() {
        GameState state = state();

        GameState read = roundTrip(GameState.class, "hal9-game-state-changelog", state);

        assertThat(read).isEqualTo(state);
        assertThat(Grid.fromAvro(read.getTiles()).get(79, 23)).isEqualTo(2);
        assertThat(read.getMonsters()).extracting(Monster::getGlyph).containsExactly("b", "z");
    }

    @Test
    void shouldRoundTripEveryGameRecordAsPlainAvroBinary() throws Exception {
        assertThat(binaryRoundTrip(newGame(), GameCommand.getClassSchema())).isEqualTo(newGame());
        assertThat(binaryRoundTrip(frame(), GameFrame.getClassSchema())).isEqualTo(frame());
        assertThat(binaryRoundTrip(state(), GameState.getClassSchema())).isEqualTo(state());
        io.hal9.schemas.v1.Grid grid = tiles().toAvro();
        assertThat(binaryRoundTrip(grid, io.hal9.schemas.v1.Grid.getClassSchema())).isEqualTo(grid);
    }

    private <T extends SpecificRecord> T roundTrip(Class<T> type, String topic, T value) {
        Serde<T> serde = AvroSerdes.of(type, client, false);
        return serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, value));
    }

    private static <T extends SpecificRecord> T binaryRoundTrip(T value, Schema schema) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<T>(schema).write(value, encoder);
        encoder.flush();
        return new SpecificDatumReader<T>(schema)
                .read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
    }

    private static GameCommand newGame() {
        return GameCommand.newBuilder()
                .setGameId("g-1")
                .setCommand(GameCommandType.NEW_GAME)
                .setSeed(42L)
                .setIssuedAt(ISSUED)
                .build();
    }

    private static GameFrame frame() {
        List<String> screen = new ArrayList<>(Collections.nCopies(24, " ".repeat(80)));
        screen.set(11, " ".repeat(40) + "@" + " ".repeat(39));
        return GameFrame.newBuilder()
                .setGameId("g-1")
                .setTurn(7)
                .setScreen(screen)
                .setPlayerX(40)
                .setPlayerY(11)
                .setHp(17)
                .setAwareness(0.15)
                .setRealityIntegrity(0.63)
                .setMessages(List.of("You hit the bug for 3.", "The bug dies.", "You step into a spatial tear."))
                .setStatus(GameStatus.PLAYING)
                .build();
    }

    private static Grid tiles() {
        Grid tiles = Grid.of(80, 24);
        tiles.set(40, 11, 1);
        tiles.set(79, 23, 2);
        return tiles;
    }

    private static GameState state() {
        Grid visibility = Grid.of(80, 24);
        visibility.set(40, 11, 2);
        return GameState.newBuilder()
                .setGameId("g-1")
                .setSeed(42L)
                .setTurn(7)
                .setTiles(tiles().toAvro())
                .setVisibility(visibility.toAvro())
                .setPlayerX(40)
                .setPlayerY(11)
                .setHp(17)
                .setAwareness(0.15)
                .setRealityIntegrity(0.63)
                .setMonsters(List.of(new Monster(1, 44, 12, 3, "b"), new Monster(2, 10, 3, 5, "z")))
                .setNpcX(60)
                .setNpcY(4)
                .setMessages(List.of("Welcome.", "You hit the bug for 3."))
                .setStatus(GameStatus.PLAYING)
                .setPendingTalkTurn(6)
                .setGlitchTurn(null)
                .build();
    }
}
