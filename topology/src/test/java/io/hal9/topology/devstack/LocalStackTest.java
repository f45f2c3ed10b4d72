package io.hal9.topology.devstack;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.net.PortInUseException;
import io.hal9.topology.net.Ports;
import io.hal9.topology.testing.KafkaFixture;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The local stack: what it starts, that its parts work together, and that it cleans up after itself. */
class LocalStackTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String MESSAGE = """
            {"model":"claude-haiku-4-5","max_tokens":64,
             "messages":[{"role":"user","content":"add a health endpoint"}]}""";

    @BeforeAll
    static void trapExit() {
        KafkaFixture.trapExitAndHalt();
    }

    @Test
    void shouldRunASignalThroughBrokerRegistryAndSimulatorOnFreePortsAndFreeThemOnClose() throws Exception {
        LocalStack stack = LocalStack.builder().registry()
                .simulator(SimulatorOptions.defaults().withLatency(Duration.ofMillis(5)))
                .stateDir("hal9-local-stack-test").start();
        Path stateDir;
        List<Integer> ports;
        try (stack) {
            stateDir = stack.stateDir();
            ports = List.of(stack.broker().port(), stack.registryServer().port(), stack.simulator().port());
            // Given a topic on the broker and the signal serde of the stack's registry
            Topics topics = new Topics(Hal9Config.of(Map.of(
                    Hal9Config.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                    Hal9Config.SCHEMA_REGISTRY_URL_CONFIG, stack.registryUrl())), stack.registry());
            stack.broker().createTopics(1, "signals");

            // When a signal is published and read back
            try (KafkaProducer<byte[], Signal> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                    new ByteArraySerializer(), topics.signalSerde().serializer())) {
                producer.send(new ProducerRecord<>("signals", key("k"), signal("s1", "round trip"))).get();
            }
            List<ConsumerRecord<byte[], byte[]>> records = KafkaFixture.consume(stack.bootstrapServers(), "signals", 1, TIMEOUT);

            // Then it arrives whole, its schema registered in the stack's registry
            assertThat(records).hasSize(1);
            Signal read = topics.signalSerde().deserializer().deserialize("signals", records.get(0).value());
            assertThat(read.getActivation().getContent()).isEqualTo("round trip");
            assertThat(stack.registryServer().requestCount()).isPositive();
            // and the simulator answers a Messages API call
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(stack.simulatorUrl() + "/v1/messages"))
                    .header("content-type", "application/json").header("x-api-key", "k")
                    .POST(HttpRequest.BodyPublishers.ofString(MESSAGE)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(stack.simulator().requestCount()).isEqualTo(1);
            assertThat(stateDir).isDirectory();
        }

        // and on close every port is free again and the state directory is gone
        for (int port : ports) {
            assertThatCode(() -> Ports.requireFree("closed", LocalStack.HOST, port)).doesNotThrowAnyException();
        }
        assertThat(Files.exists(stateDir)).isFalse();
    }

    @Test
    void shouldRefuseATakenPortNamingItsHolderBeforeStartingAnything() throws Exception {
        int kafkaPort = Ports.freePort();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName(LocalStack.HOST))) {
            LocalStack.Builder builder = LocalStack.builder().kafkaPort(kafkaPort).registryPort(taken.getLocalPort());

            assertThatThrownBy(builder::start)
                    .isInstanceOf(PortInUseException.class)
                    .hasMessageMatching("schema registry port " + taken.getLocalPort() + " on 127\\.0\\.0\\.1 is already"
                            + " in use, held by pid " + ProcessHandle.current().pid() + " \\(.*java.*\\)");
            // the broker, checked first, was never started
            assertThatCode(() -> Ports.requireFree("Kafka", LocalStack.HOST, kafkaPort)).doesNotThrowAnyException();
        }
    }

    @Test
    void shouldCloseWhatHadStartedWhenALaterPartFails() {
        int kafkaPort = Ports.freePort();
        int registryPort = Ports.freePort();
        LocalStack.Builder builder = LocalStack.builder().kafkaPort(kafkaPort).registryPort(registryPort)
                .simulator(0, () -> {
                    throw new IllegalArgumentException("no simulator today");
                });

        assertThatThrownBy(builder::start).isInstanceOf(IllegalArgumentException.class).hasMessage("no simulator today");

        // the broker and the registry had started; both are closed again
        assertThatCode(() -> Ports.requireFree("Kafka", LocalStack.HOST, kafkaPort)).doesNotThrowAnyException();
        assertThatCode(() -> Ports.requireFree("schema registry", LocalStack.HOST, registryPort)).doesNotThrowAnyException();
    }

    @Test
    void shouldUseARunningBrokerWithoutStartingOne() {
        try (LocalStack stack = LocalStack.builder().kafka("127.0.0.1:1").registry().start()) {
            assertThat(stack.bootstrapServers()).isEqualTo("127.0.0.1:1");
            assertThatThrownBy(stack::broker).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("uses the running one on 127.0.0.1:1");
            assertThatThrownBy(stack::simulator).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no Claude simulator");
        }
    }
}
