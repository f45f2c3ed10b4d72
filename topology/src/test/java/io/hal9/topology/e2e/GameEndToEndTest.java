package io.hal9.topology.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.game.GameTopology;
import io.hal9.topology.game.engine.GameEngine;
import io.hal9.topology.game.engine.GameFixtures;
import io.hal9.topology.game.engine.GameOutcome;
import io.hal9.topology.game.engine.Tile;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.node.Hal9Node;
import io.hal9.topology.testing.ClaudeTestSettings;
import io.hal9.topology.testing.IsolatedSettings;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The game application on a real broker: state rebuilt from the changelog, queries answered by any instance. */
class GameEndToEndTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = KafkaFixture.withStack(stack -> stack.registry()
            .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(5))));

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dirs;

    private final List<Hal9Node> nodes = new ArrayList<>();
    private Map<String, Object> settings;
    private Topics topics;

    @BeforeEach
    void topics(TestInfo test) {
        settings = IsolatedSettings.of(test, KAFKA.bootstrapServers(), KAFKA.stack().registryUrl());
        settings.put(Hal9Config.GAME_ENABLED_CONFIG, true);
        topics = new Topics(Hal9Config.of(settings), KAFKA.stack().registry());
        KAFKA.createTopics(4, topics.allNames().toArray(String[]::new));
    }

    @AfterEach
    void stopNodes() {
        nodes.forEach(Hal9Node::close);
    }

    @Test
    void shouldRebuildTheSameGameFromTheChangelogOnANewStateDirectory() throws Exception {
        // Given a game played on one instance
        Hal9Node first = startNode("first");
        send("g1", 42L, "llllljjj");
        KAFKA.consume(topics.gameFramesName(), 9, WAIT);
        String screen = await().atMost(WAIT).until(() -> get(first, "g1", "text"), r -> r.statusCode() == 200).body();
        String state = GameFixtures.avro(localState(first, "g1"));

        // When that instance goes away with its state directory, and a new one starts on an empty one
        first.close();
        nodes.remove(first);
        Hal9Node second = startNode("second");

        // Then the new instance holds exactly the same game, restored from the changelog
        HttpResponse<String> restored = await().atMost(WAIT)
                .until(() -> get(second, "g1", "text"), r -> r.statusCode() == 200);
        assertThat(restored.body()).isEqualTo(screen);
        assertThat(GameFixtures.avro(localState(second, "g1"))).isEqualTo(state);
        // and the game goes on from there: the next command makes turn 9
        send("g1", null, "l");
        await().atMost(WAIT).untilAsserted(() -> assertThat(localState(second, "g1").getTurn()).isEqualTo(9));
    }

    @Test
    void shouldAnswerAQueryFromTheInstanceThatDoesNotOwnTheGame() throws Exception {
        // Given two instances of the game application sharing its partitions
        Hal9Node a = startNode("a");
        Hal9Node b = startNode("b");
        await().atMost(WAIT).until(() -> a.running() && b.running() && ownsTasks(a) && ownsTasks(b));
        // and eight games spread over them
        for (int i = 0; i < 8; i++) {
            send("g" + i, 100L + i, "l");
        }
        KAFKA.consume(topics.gameFramesName(), 16, WAIT);

        // When each game is asked for on both instances
        int forwardedToA = 0;
        int forwardedToB = 0;
        for (int i = 0; i < 8; i++) {
            String id = "g" + i;
            Hal9Node owner = ownerOf(a, id).port() == a.adminPort() ? a : b;
            Hal9Node other = owner == a ? b : a;
            HttpResponse<String> fromOwner = await().atMost(WAIT)
                    .until(() -> get(owner, id, "json"), r -> r.statusCode() == 200);
            HttpResponse<String> fromOther = get(other, id, "json");

            // Then both answer with the owner's frame; the other one says it asked the owner
            assertThat(fromOther.statusCode()).isEqualTo(200);
            assertThat(fromOther.body()).isEqualTo(fromOwner.body()).contains("\"gameId\":\"" + id + "\"");
            assertThat(fromOther.headers().firstValue("X-HAL9-Served-By")).hasValue("127.0.0.1:" + owner.adminPort());
            assertThat(fromOther.headers().firstValue("X-HAL9-Via")).hasValue("127.0.0.1:" + other.adminPort());
            assertThat(fromOwner.headers().firstValue("X-HAL9-Via")).isEmpty();
            if (owner == a) {
                forwardedToA++;
            } else {
                forwardedToB++;
            }
        }
        // and queries went both ways
        assertThat(forwardedToA).isPositive();
        assertThat(forwardedToB).isPositive();
        // and a game no one has is a 404 from either
        assertThat(get(a, "nobody", "text").statusCode()).isEqualTo(404);
        assertThat(get(b, "nobody", "text").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldPrintTheSameScreenForANewGameWithTheSameSeedFromTheCommandLine() {
        // Given the game running
        startNode("cli");

        // When `hal9 game` plays the same seed and keys on two new games
        Cli first = hal9("game", "--id", "g1", "--seed", "42", "--commands", "llllljjj");
        Cli second = hal9("game", "--id", "g2", "--seed", "42", "--commands", "llllljjj");

        // Then both print the same 80x24 screen
        assertThat(first.status()).as(first.err()).isZero();
        assertThat(second.status()).as(second.err()).isZero();
        List<String> lines = first.out().lines().toList();
        assertThat(lines).hasSize(24).allSatisfy(line -> assertThat(line).hasSize(80));
        assertThat(lines.get(22)).contains("Turn 8").contains("PLAYING");
        assertThat(second.out()).isEqualTo(first.out());

        // and a refused command says why; an unknown key is refused before anything is sent
        Cli again = hal9("game", "--id", "g1", "--seed", "42", "--commands", "l");
        assertThat(again.err()).contains("refused").contains("GAME_IN_PROGRESS");
        assertThat(again.out().lines().toList().get(22)).contains("Turn 9");
        Cli typo = hal9("game", "--id", "g1", "--commands", "lx");
        assertThat(typo.status()).isEqualTo(2);
        assertThat(typo.err()).contains("unknown key 'x'");
    }

    @Test
    void shouldShowProfessorKimsAnswerFromTheNeuronsInTheGame() throws Exception {
        // Given the three layers and the game on one instance, Claude simulated over HTTP
        Hal9Node node = startNode("talk", true);
        // and a game walked next to Professor Kim (the engine is deterministic, so the walk planned
        // here is the walk the game topology makes)
        long seed = 0;
        List<GameCommandType> walk = null;
        while (walk == null) {
            walk = walkToKim("talk", ++seed);
        }
        List<GameCommandType> script = new ArrayList<>(walk);
        script.add(GameCommandType.TALK);

        // When the player talks to him
        send("talk", seed, script);

        // Then the question travels L2 -> L3 -> L4 and the answer shows among the game's messages
        HttpResponse<String> answered = await().atMost(WAIT).until(() -> get(node, "talk", "json"),
                r -> r.statusCode() == 200 && r.body().contains("Professor Kim: "));
        assertThat(answered.body()).contains("\"turn\":" + script.size());
        List<ConsumerRecord<byte[], byte[]>> results =
                KAFKA.consume(topics.results().name(), 1, WAIT);
        Signal result = topics.signalSerde().deserializer().deserialize(topics.results().name(), results.get(0).value());
        assertThat(result.getMetadata()).containsEntry(GameTopology.GAME_ID_METADATA, "talk");
        assertThat(result.getHops()).extracting(Hop::getLayer).containsExactly("L2", "L3", "L4");
        assertThat(KAFKA.consume(topics.deadLetters().name(), 0, Duration.ofSeconds(1))).isEmpty();
    }

    /** Moves that take a new game of {@code seed} next to Professor Kim alive, or null when this seed does not. */
    private static List<GameCommandType> walkToKim(String gameId, long seed) {
        GameState state = ((GameOutcome.Applied) GameEngine.apply(null, GameFixtures.newGame(gameId, seed))).state();
        List<GameCommandType> moves = new ArrayList<>();
        while (Math.max(Math.abs(state.getPlayerX() - state.getNpcX()), Math.abs(state.getPlayerY() - state.getNpcY())) > 1) {
            GameCommandType next = firstStepTowardKim(state);
            if (next == null || moves.size() > 300) {
                return null;
            }
            GameOutcome outcome = GameEngine.apply(state, GameFixtures.command(gameId, next));
            if (!(outcome instanceof GameOutcome.Applied applied) || applied.state().getHp() < 10) {
                return null;
            }
            state = applied.state();
            moves.add(next);
        }
        return moves;
    }

    /** Breadth-first over plain floor, around monsters, to any cell next to Kim. */
    private static GameCommandType firstStepTowardKim(GameState state) {
        Grid tiles = Grid.fromAvro(state.getTiles());
        int width = tiles.width();
        int[][] steps = {{-1, 0}, {0, 1}, {0, -1}, {1, 0}};
        GameCommandType[] types = {GameCommandType.MOVE_LEFT, GameCommandType.MOVE_DOWN, GameCommandType.MOVE_UP,
                GameCommandType.MOVE_RIGHT};
        Set<Integer> blocked = new HashSet<>();
        state.getMonsters().forEach(m -> blocked.add(m.getY() * width + m.getX()));
        blocked.add(state.getNpcY() * width + state.getNpcX());
        Map<Integer, GameCommandType> firstStep = new HashMap<>();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int start = state.getPlayerY() * width + state.getPlayerX();
        firstStep.put(start, null);
        queue.add(start);
        while (!queue.isEmpty()) {
            int cell = queue.poll();
            int x = cell % width;
            int y = cell / width;
            if (cell != start && Math.max(Math.abs(x - state.getNpcX()), Math.abs(y - state.getNpcY())) <= 1) {
                return firstStep.get(cell);
            }
            for (int i = 0; i < steps.length; i++) {
                int nx = x + steps[i][0];
                int ny = y + steps[i][1];
                int next = ny * width + nx;
                if (tiles.contains(nx, ny) && tiles.get(nx, ny) == Tile.FLOOR.code() && !blocked.contains(next)
                        && !firstStep.containsKey(next)) {
                    firstStep.put(next, cell == start ? types[i] : firstStep.get(cell));
                    queue.add(next);
                }
            }
        }
        return null;
    }

    private record Cli(int status, String out, String err) {
    }

    private Cli hal9(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Hal9.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", KAFKA.bootstrapServers(), "--registry-url", KAFKA.stack().registryUrl(),
                "--timeout", "20"));
        for (String key : List.of(Hal9Config.TOPIC_GAME_COMMANDS_CONFIG, Hal9Config.TOPIC_GAME_FRAMES_CONFIG,
                Hal9Config.TOPIC_DLQ_CONFIG)) {
            all.addAll(List.of("--set", key + "=" + settings.get(key)));
        }
        int status = cli.execute(all.toArray(String[]::new));
        return new Cli(status, out.toString(), err.toString());
    }

    private Hal9Node startNode(String name) {
        return startNode(name, false);
    }

    private Hal9Node startNode(String name, boolean withLayers) {
        Map<String, Object> own = new HashMap<>(settings);
        own.put(Hal9Config.STATE_DIR_CONFIG, dirs.resolve(name).toString());
        Hal9Config config = Hal9Config.of(own);
        Hal9Node node = new Hal9Node(config, withLayers ? config.layersChain() : List.of(), new ClaudeNeuronClient(
                ClaudeTestSettings.of("test-key", KAFKA.stack().simulatorUrl())));
        nodes.add(node);
        node.start();
        await().atMost(WAIT).until(node::running);
        return node;
    }

    private void send(String gameId, long seed, List<GameCommandType> script) {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaProducer<byte[], GameCommand> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.gameCommands().valueSerde().serializer())) {
            byte[] key = gameId.getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(topics.gameCommands().name(), key, GameFixtures.newGame(gameId, seed)));
            for (GameCommandType type : script) {
                producer.send(new ProducerRecord<>(topics.gameCommands().name(), key, GameFixtures.command(gameId, type)));
            }
        }
    }

    private void send(String gameId, Long seed, String keys) {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaProducer<byte[], GameCommand> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                topics.gameCommands().valueSerde().serializer())) {
            byte[] key = gameId.getBytes(StandardCharsets.UTF_8);
            if (seed != null) {
                producer.send(new ProducerRecord<>(topics.gameCommands().name(), key, GameFixtures.newGame(gameId, seed)));
            }
            for (char c : keys.toCharArray()) {
                GameCommandType type = c == 'l' ? GameCommandType.MOVE_RIGHT : GameCommandType.MOVE_DOWN;
                producer.send(new ProducerRecord<>(topics.gameCommands().name(), key, GameFixtures.command(gameId, type)));
            }
        }
    }

    private static boolean ownsTasks(Hal9Node node) {
        return node.game().orElseThrow().streams().metadataForLocalThreads().stream()
                .anyMatch(thread -> !thread.activeTasks().isEmpty());
    }

    private static HostInfo ownerOf(Hal9Node node, String gameId) {
        KeyQueryMetadata metadata = node.game().orElseThrow().streams()
                .queryMetadataForKey(GameTopology.STORE, gameId, Serdes.String().serializer());
        return metadata.activeHost();
    }

    private static GameState localState(Hal9Node node, String gameId) {
        return node.game().orElseThrow().streams().store(StoreQueryParameters.fromNameAndType(GameTopology.STORE,
                QueryableStoreTypes.<String, GameState>keyValueStore())).get(gameId);
    }

    private static HttpResponse<String> get(Hal9Node node, String gameId, String format) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + "/games/" + gameId
                + "?format=" + format)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
