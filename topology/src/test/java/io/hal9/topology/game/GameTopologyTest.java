package io.hal9.topology.game;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.serde.AvroSerializer;
import io.hal9.schemas.v1.Activation;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.ErrorCategory;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.game.engine.GameFixtures;
import io.hal9.topology.kafka.Topic;
import io.hal9.topology.kafka.Topics;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The game topology in a {@link TopologyTestDriver}: commands in, frames, questions and dead letters out. */
class GameTopologyTest {

    private static SchemaRegistryServer registry;

    @TempDir
    Path stateDirs;

    private TopologyTestDriver driver;
    private Topics topics;
    private int drivers;

    @BeforeAll
    static void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void startDriver() {
        driver = newDriver();
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void shouldEmitAFrameForEveryAppliedCommandAndKeepTheGameInTheStore() {
        // Given a new game with seed 42 and one step to the right
        commands(driver).pipeInput(key("g1"), GameFixtures.newGame("g1", 42));
        commands(driver).pipeInput(key("g1"), GameFixtures.command("g1", GameCommandType.MOVE_RIGHT));

        // Then two frames, turn 0 then turn 1, under the game id, each a full 80x24 screen
        List<GameFrame> frames = frames(driver).readValuesToList();
        assertThat(frames).extracting(GameFrame::getTurn).containsExactly(0, 1);
        // each naming the command it shows, so a client can wait for one frame per command
        assertThat(frames).extracting(GameFrame::getAppliedCommand)
                .containsExactly(GameCommandType.NEW_GAME, GameCommandType.MOVE_RIGHT);
        assertThat(frames).allSatisfy(frame -> {
            assertThat(frame.getGameId()).isEqualTo("g1");
            assertThat(frame.getScreen()).hasSize(24).allSatisfy(line -> assertThat(line).hasSize(80));
        });
        // and the store holds the game at turn 1
        assertThat(store(driver).get("g1").getTurn()).isEqualTo(1);
        // and nothing else came out
        assertThat(deadLetters(driver).isEmpty()).isTrue();
        assertThat(questions(driver).isEmpty()).isTrue();
    }

    @Test
    void shouldGiveTheSameFramesForTheSameSeedAndCommandsInAnotherRun() {
        List<GameFrame> first = play(driver, "g", 7, "lllljjjkkhh.");
        TopologyTestDriver second = newDriver();
        try {
            List<GameFrame> again = play(second, "g", 7, "lllljjjkkhh.");
            // byte-identical frames, and the same stored state
            assertThat(again.stream().map(GameFixtures::avro).toList())
                    .isEqualTo(first.stream().map(GameFixtures::avro).toList());
            assertThat(GameFixtures.avro(store(second).get("g"))).isEqualTo(GameFixtures.avro(store(driver).get("g")));
        } finally {
            second.close();
        }
    }

    @Test
    void shouldDeadLetterACommandForAnUnknownGameAndStoreNothing() {
        commands(driver).pipeInput(key("ghost"), GameFixtures.command("ghost", GameCommandType.MOVE_LEFT));

        DeadLetter letter = deadLetters(driver).readValue();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.INVALID_INPUT);
        assertThat(letter.getReason()).contains("UNKNOWN_GAME");
        assertThat(letter.getSourceTopic()).isEqualTo(topics.rawGameCommands().name());
        assertThat(letter.getLayer()).isEqualTo("GAME");
        assertThat(store(driver).get("ghost")).isNull();
        assertThat(frames(driver).isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterMalformedBytesAndLeaveTheGameAsItWas() {
        commands(driver).pipeInput(key("g1"), GameFixtures.newGame("g1", 42));
        frames(driver).readValue();
        byte[] before = GameFixtures.avro(store(driver).get("g1")).getBytes(StandardCharsets.UTF_8);

        raw(driver).pipeInput(key("g1"), "h".getBytes(StandardCharsets.UTF_8));

        DeadLetter letter = deadLetters(driver).readValue();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.DESERIALIZATION);
        assertThat(letter.getReason()).startsWith("undecodable game command");
        assertThat(letter.getOriginalValue()).isEqualTo(ByteBuffer.wrap("h".getBytes(StandardCharsets.UTF_8)));
        assertThat(GameFixtures.avro(store(driver).get("g1")).getBytes(StandardCharsets.UTF_8)).isEqualTo(before);
        assertThat(frames(driver).isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterACommandAnOlderTopologyDoesNotKnow() {
        commands(driver).pipeInput(key("g1"), GameFixtures.newGame("g1", 42));
        frames(driver).readValue();

        // a newer writer adds a JUMP command; this topology cannot read it and must not guess
        raw(driver).pipeInput(key("g1"), commandFromANewerWriter("g1", "JUMP"));

        DeadLetter letter = deadLetters(driver).readValue();
        assertThat(letter.getCategory()).isEqualTo(ErrorCategory.DESERIALIZATION);
        assertThat(letter.getReason()).contains("JUMP");
        assertThat(store(driver).get("g1").getTurn()).isZero();
        assertThat(frames(driver).isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterACommandWhoseKeyIsNotItsGame() {
        commands(driver).pipeInput(key("g1"), GameFixtures.newGame("g2", 42));

        DeadLetter letter = deadLetters(driver).readValue();
        assertThat(letter.getReason()).contains("the record key must be the game id");
        assertThat(store(driver).get("g1")).isNull();
        assertThat(store(driver).get("g2")).isNull();
    }

    @Test
    void shouldAskTheNeuronsWhenTalkingNextToKimAndShowTheAnswerWhenItComes() {
        // Given a game where the player stands next to Professor Kim
        GameState beside = GameFixtures.arena(5).setGameId("talk").setNpcX(21).setNpcY(10).build();
        store(driver).put("talk", beside);

        // When the player talks
        commands(driver).pipeInput(key("talk"), GameFixtures.command("talk", GameCommandType.TALK));

        // Then a question goes to L2 under the game id, naming the game and the turn
        var question = questions(driver).readRecord();
        assertThat(new String(question.key(), StandardCharsets.UTF_8)).isEqualTo("talk");
        Signal asked = question.value();
        assertThat(asked.getMetadata()).containsEntry(GameTopology.GAME_ID_METADATA, "talk")
                .containsEntry(GameTopology.GAME_TURN_METADATA, "1");
        assertThat(asked.getActivation().getContent()).contains("Professor Kim");
        frames(driver).readValue();

        // When the answer reaches the results topic (the layers keep the metadata)
        Signal answer = Signal.newBuilder(asked).setActivation(Activation.newBuilder()
                .setContent("The walls are thinner than they look.").build()).build();
        results(driver).pipeInput(key("talk"), answer);

        // Then a new frame shows it among the game's messages, at the same turn
        GameFrame answered = frames(driver).readValue();
        assertThat(answered.getTurn()).isEqualTo(1);
        assertThat(answered.getAppliedCommand()).as("a frame made by an answer, not by a command").isNull();
        assertThat(answered.getMessages()).anySatisfy(m -> assertThat(m).contains("thinner than they look"));
        assertThat(store(driver).get("talk").getMessages()).last().asString().contains("thinner than they look");
        assertThat(deadLetters(driver).isEmpty()).isTrue();
    }

    @Test
    void shouldPassOverResultsThatDoNotBelongToAGame() {
        Signal result = Signal.newBuilder().setSignalId("s").setRootId("s")
                .setActivation(Activation.newBuilder().setContent("plan").build()).build();
        results(driver).pipeInput(key("order-1"), result);
        raw(driver, topics.results().name()).pipeInput(key("order-2"), new byte[] {1, 2, 3});

        assertThat(frames(driver).isEmpty()).isTrue();
        assertThat(deadLetters(driver).isEmpty()).isTrue();
        assertThat(questions(driver).isEmpty()).isTrue();
    }

    private TopologyTestDriver newDriver() {
        Hal9Config config = Hal9Config.of(Map.of());
        topics = new Topics(config, new HttpSchemaRegistryClient(registry.url()));
        StreamsBuilder builder = new StreamsBuilder();
        GameTopology.build(builder, topics, "L2");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hal9-game");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDirs.resolve("driver-" + drivers++).toString());
        return new TopologyTestDriver(builder.build(), props);
    }

    private List<GameFrame> play(TopologyTestDriver on, String gameId, long seed, String keys) {
        commands(on).pipeInput(key(gameId), GameFixtures.newGame(gameId, seed));
        for (char c : keys.toCharArray()) {
            GameCommandType type = switch (c) {
                case 'h' -> GameCommandType.MOVE_LEFT;
                case 'j' -> GameCommandType.MOVE_DOWN;
                case 'k' -> GameCommandType.MOVE_UP;
                case 'l' -> GameCommandType.MOVE_RIGHT;
                default -> GameCommandType.WAIT;
            };
            commands(on).pipeInput(key(gameId), GameFixtures.command(gameId, type));
        }
        return frames(on).readValuesToList();
    }

    private byte[] commandFromANewerWriter(String gameId, String newSymbol) {
        String json = GameCommand.getClassSchema().toString().replace("\"HELP\"]", "\"HELP\",\"" + newSymbol + "\"]");
        Schema newer = new Schema.Parser().parse(json);
        GenericRecord record = new GenericData.Record(newer);
        record.put("gameId", gameId);
        record.put("command", new GenericData.EnumSymbol(newer.getField("command").schema(), newSymbol));
        record.put("seed", null);
        record.put("issuedAt", 0L);
        return new AvroSerializer<GenericRecord>(new HttpSchemaRegistryClient(registry.url()), false)
                .serialize(topics.rawGameCommands().name(), record);
    }

    private TestInputTopic<byte[], GameCommand> commands(TopologyTestDriver on) {
        Topic<byte[], GameCommand> topic = topics.gameCommands();
        return on.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private TestInputTopic<byte[], byte[]> raw(TopologyTestDriver on) {
        return raw(on, topics.rawGameCommands().name());
    }

    private TestInputTopic<byte[], byte[]> raw(TopologyTestDriver on, String topic) {
        return on.createInputTopic(topic, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    }

    private TestInputTopic<byte[], Signal> results(TopologyTestDriver on) {
        return on.createInputTopic(topics.results().name(), Serdes.ByteArray().serializer(),
                topics.signalSerde().serializer());
    }

    private TestOutputTopic<byte[], GameFrame> frames(TopologyTestDriver on) {
        Topic<byte[], GameFrame> topic = topics.gameFrames();
        return on.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    private TestOutputTopic<byte[], Signal> questions(TopologyTestDriver on) {
        return on.createOutputTopic(topics.inputName("L2"), Serdes.ByteArray().deserializer(),
                topics.signalSerde().deserializer());
    }

    private TestOutputTopic<byte[], DeadLetter> deadLetters(TopologyTestDriver on) {
        return on.createOutputTopic(topics.deadLetters().name(), Serdes.ByteArray().deserializer(),
                topics.deadLetterSerde().deserializer());
    }

    private static KeyValueStore<String, GameState> store(TopologyTestDriver on) {
        return on.getKeyValueStore(GameTopology.STORE);
    }

    private static byte[] key(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }
}
