package io.hal9.topology.cli.game;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.serde.AvroSerdes;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.topology.cli.common.ClusterOptions;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.game.engine.ScreenText;
import io.hal9.topology.kafka.Topics;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code hal9 game}: plays a game on a running HAL9 (the demo's by default). Commands go to
 * {@code hal9.game.commands}; the command waits until every one of them has its frame (the frame
 * that names the command it applied) on
 * {@code hal9.game.frames} (or its dead letter on {@code hal9.dlq}, printed with the reason) and
 * prints the last screen. Without {@code --commands} it reads keys from the terminal, a line at a
 * time, and prints the screen after each line.
 */
@Command(name = "game", mixinStandardHelpOptions = true,
        description = {"Play a HAL9 game: send commands and print the resulting 80x24 screen.",
                "Keys: h left, j down, k up, l right, . wait, t talk (next to Professor Kim), ? help."})
public final class PlayCommand implements Callable<Integer> {

    public static final String DEFAULT_ADMIN_URL = "http://127.0.0.1:8080";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--id", required = true, description = "Game id (also the record key).")
    String gameId;

    @Option(names = "--seed", description = "Start a new game with this seed first (the same seed always gives the "
            + "same world).")
    Long seed;

    @Option(names = "--commands", description = "Keys to play, e.g. llllljjj; without it, read keys from the terminal.")
    String commands;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Option(names = "--admin-url", defaultValue = DEFAULT_ADMIN_URL,
            description = "Admin server of any HAL9 instance running the game, to show a game without playing "
                    + "(default ${DEFAULT-VALUE}).")
    String adminUrl;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds to wait for the frames (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<GameCommandType> script = commands == null ? List.of() : parse(commands);
        if (seed == null && commands == null && System.console() == null) {
            // nothing to play and no terminal: show the game as it is
            out.println(fetchScreen());
            out.flush();
            return ExitCodes.OK;
        }
        Hal9Config config = cluster.load();
        SchemaRegistryClient registry = new HttpSchemaRegistryClient(config.schemaRegistryUrl());
        Topics topics = new Topics(config, registry);
        try (Session session = new Session(config, topics, registry)) {
            List<GameCommandType> first = new ArrayList<>();
            if (seed != null) {
                first.add(GameCommandType.NEW_GAME);
            }
            if (commands != null) {
                first.addAll(script);
                GameFrame last = session.play(first, err);
                if (last == null) {
                    err.println("hal9 game: no command of game " + gameId + " was applied");
                    err.flush();
                    return ExitCodes.UNFINISHED;
                }
                out.println(ScreenText.render(last));
                out.flush();
                return ExitCodes.OK;
            }
            GameFrame last = first.isEmpty() ? null : session.play(first, err);
            if (last != null) {
                out.println(ScreenText.render(last));
            } else {
                out.println(fetchScreen());
            }
            out.println("keys then Enter (h j k l . t ?), q to quit");
            out.flush();
            BufferedReader keys = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = keys.readLine(); line != null && !line.trim().equals("q"); line = keys.readLine()) {
                List<GameCommandType> typed;
                try {
                    typed = parse(line.trim());
                } catch (CommandLine.ParameterException e) {
                    err.println(e.getMessage());
                    err.flush();
                    continue;
                }
                GameFrame frame = typed.isEmpty() ? null : session.play(typed, err);
                if (frame != null) {
                    out.println(ScreenText.render(frame));
                    out.flush();
                }
            }
            return ExitCodes.OK;
        }
    }

    private List<GameCommandType> parse(String keys) {
        List<GameCommandType> parsed = new ArrayList<>();
        for (char key : keys.toCharArray()) {
            parsed.add(switch (key) {
                case 'h' -> GameCommandType.MOVE_LEFT;
                case 'j' -> GameCommandType.MOVE_DOWN;
                case 'k' -> GameCommandType.MOVE_UP;
                case 'l' -> GameCommandType.MOVE_RIGHT;
                case '.' -> GameCommandType.WAIT;
                case 't' -> GameCommandType.TALK;
                case '?' -> GameCommandType.HELP;
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "unknown key '" + key
                        + "' in --commands: use h j k l (move), . (wait), t (talk), ? (help)");
            });
        }
        return parsed;
    }

    private String fetchScreen() throws Exception {
        URI uri = URI.create(adminUrl + "/games/" + URLEncoder.encode(gameId, StandardCharsets.UTF_8));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(timeoutSeconds)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(uri + " answered " + response.statusCode() + ": " + response.body().strip());
        }
        return response.body().stripTrailing();
    }

    /** A producer of commands and a reader of the game's frames and dead letters, positioned at the end. */
    private final class Session implements AutoCloseable {

        private final KafkaProducer<byte[], GameCommand> producer;
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Deserializer<GameFrame> frames;
        private final Deserializer<DeadLetter> deadLetters;
        private final String framesTopic;
        private final String commandsTopic;
        private final byte[] key;

        Session(Hal9Config config, Topics topics, SchemaRegistryClient registry) {
            this.key = gameId.getBytes(StandardCharsets.UTF_8);
            this.framesTopic = topics.gameFramesName();
            this.commandsTopic = topics.gameCommands().name();
            this.frames = AvroSerdes.of(GameFrame.class, registry, false).deserializer();
            this.deadLetters = topics.deadLetterSerde().deserializer();
            Properties common = new Properties();
            common.putAll(config.kafkaProperties());
            common.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            Properties producerProps = new Properties();
            producerProps.putAll(common);
            producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            producerProps.put(ProducerConfig.CLIENT_ID_CONFIG, "hal9-game-" + gameId);
            producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, TimeUnit.SECONDS.toMillis(timeoutSeconds));
            this.producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(),
                    topics.gameCommands().valueSerde().serializer());
            Properties consumerProps = new Properties();
            consumerProps.putAll(common);
            consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "hal9-game-" + gameId + "-" + UUID.randomUUID());
            this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(commandsTopic, framesTopic, topics.deadLetters().name())) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(timeoutSeconds));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + topic + " does not exist on " + config.bootstrapServers()
                            + " (hal9 topics creates it; the demo has it)");
                }
                if (!topic.equals(commandsTopic)) {
                    infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // fix the positions before anything is sent
        }

        /** Sends {@code script} in order and waits for a frame or a dead letter per command; returns the last frame. */
        GameFrame play(List<GameCommandType> script, PrintWriter err) throws Exception {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (GameCommandType type : script) {
                GameCommand command = GameCommand.newBuilder().setGameId(gameId).setCommand(type)
                        .setSeed(type == GameCommandType.NEW_GAME ? seed : null)
                        .setIssuedAt(Instant.now()).build();
                sent.add(producer.send(new ProducerRecord<>(commandsTopic, key, command)));
            }
            producer.flush();
            for (Future<RecordMetadata> each : sent) {
                each.get(timeoutSeconds, TimeUnit.SECONDS); // a failed send fails the command, naming why
            }
            int answered = 0;
            GameFrame last = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (answered < script.size()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("waited " + timeoutSeconds + " s for " + (script.size() - answered)
                            + " of " + script.size() + " frames of game " + gameId + " on " + framesTopic
                            + "; is the game running (hal9 demo, or hal9 run --game)?");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (!Arrays.equals(record.key(), key)) {
                        continue;
                    }
                    if (record.topic().equals(framesTopic)) {
                        GameFrame frame = frames.deserialize(record.topic(), record.headers(), record.value());
                        last = frame;
                        if (frame.getAppliedCommand() != null) { // not a frame made by Kim's answer
                            answered++;
                        }
                    } else {
                        DeadLetter letter = deadLetters.deserialize(record.topic(), record.headers(), record.value());
                        if (commandsTopic.equals(letter.getSourceTopic())) {
                            err.println("hal9 game: refused: " + letter.getReason());
                            err.flush();
                            answered++;
                        }
                    }
                }
            }
            return last;
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
