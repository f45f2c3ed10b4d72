package io.hal9.topology.layer;

import static io.hal9.topology.testing.TestSignals.key;
import static io.hal9.topology.testing.TestSignals.signal;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.resilience.CachedNeuronClient;
import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.schemas.serde.AvroDeserializer;
import io.hal9.schemas.serde.AvroSerdes;
import io.hal9.schemas.v1.Hop;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The route stage of content routing in isolation: {@link MockProcessorContext} and the instance's held answers. */
class SignalRouterTest {

    private static final String TOPIC = "hal9.signals.l2";
    private static final long NOW = 1_000_000;

    private static SchemaRegistryServer registry;
    private static Serializer<Signal> encoder;

    private final MockProcessorContext<byte[], Admission> context = new MockProcessorContext<>();
    private LayerStage stage;
    private SignalRouter router;

    @BeforeAll
    static void startRegistry() {
        registry = SchemaRegistryServer.start("127.0.0.1", 0);
        encoder = AvroSerdes.signal(new HttpSchemaRegistryClient(registry.url())).serializer();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void start() {
        Hal9Config config = Hal9Config.of(Map.of());
        stage = LayerStage.create(LayerSpec.of("L2", config), Hal9Settings.stage(config), Hal9Settings.capacity(config),
                new NoCalls(),
                new LayerMetrics(new SimpleMeterRegistry(), "L2"), new SimpleMeterRegistry())
                .withClock(() -> Instant.ofEpochMilli(NOW));
        router = new SignalRouter(stage, new NeuronRecords(stage.spec(),
                new AvroDeserializer<>(new HttpSchemaRegistryClient(registry.url()), Signal.class)));
        router.init(context);
        context.setCurrentSystemTimeMs(NOW);
    }

    @Test
    void shouldAnswerAtOnceWorkWhoseAnswerTheInstanceHolds() {
        // Given the instance holds an unexpired answer to the work
        stage.answers().hold(cacheKey("Tune the connection pool"),
                new NeuronReply("Raise it to 50", "model", 10, 20, "end_turn", 5).asCached(), NOW + 1);

        // When a signal with that work arrives, with a header
        context.setRecordMetadata(TOPIC, 0, 0);
        router.process(new Record<>(key("order-1"), encoder.serialize(TOPIC, signal("s-1", "Tune the connection pool")),
                NOW - 5, new RecordHeaders().add("trace", key("t-1"))));

        // Then its derived signal goes out from here, as the neuron stage sends one on: under the
        // producer's key, with the record's timestamp and no headers, as a cache hit
        assertThat(context.forwarded()).hasSize(1);
        CapturedForward<? extends byte[], ? extends Admission> out = context.forwarded().get(0);
        assertThat(out.record().key()).isEqualTo(key("order-1"));
        assertThat(out.record().timestamp()).isEqualTo(NOW - 5);
        assertThat(out.record().headers().toArray()).isEmpty();
        Signal derived = ((Admission.Answered) out.record().value()).forwarded().signal();
        assertThat(derived.getActivation().getContent()).isEqualTo("Raise it to 50");
        assertThat(derived.getParentId()).isEqualTo("s-1");
        assertThat(derived.getHops()).extracting(Hop::getCacheHit).containsExactly(true);
        assertThat(stage.metrics().storeHits()).isEqualTo(1);
    }

    @Test
    void shouldRouteWorkWhoseHeldAnswerHasExpiredByItsCacheKey() {
        // Given the instance's answer to the work expired at this very moment
        String cacheKey = cacheKey("Tune the connection pool");
        stage.answers().hold(cacheKey, new NeuronReply("Raise it to 50", "model", 10, 20, "end_turn", 5).asCached(),
                NOW);

        // When a signal with that work arrives
        route("order-1", signal("s-1", "Tune the connection pool"));

        // Then it goes on to the task that owns its cache key, which looks its store up
        assertThat(context.forwarded()).hasSize(1);
        Admission.Routed routed = (Admission.Routed) context.forwarded().get(0).record().value();
        assertThat(routed.cacheKey()).isEqualTo(cacheKey);
        assertThat(routed.entry().getSignal().getSignalId()).isEqualTo("s-1");
        assertThat(stage.metrics().storeHits()).isZero();
    }

    @Test
    void shouldRouteWorkNoTaskHasAnsweredByItsCacheKey() {
        // Given the instance holds an answer to other work only
        stage.answers().hold(cacheKey("Tune the connection pool"),
                new NeuronReply("Raise it to 50", "model", 10, 20, "end_turn", 5).asCached(), NOW + 60_000);

        route("order-2", signal("s-2", "Shard the orders table"));

        assertThat(context.forwarded()).hasSize(1);
        Admission.Routed routed = (Admission.Routed) context.forwarded().get(0).record().value();
        assertThat(routed.cacheKey()).isEqualTo(cacheKey("Shard the orders table"));
    }

    private void route(String key, Signal signal) {
        context.setRecordMetadata(TOPIC, 0, 0);
        router.process(new Record<>(key(key), encoder.serialize(TOPIC, signal), NOW));
    }

    private String cacheKey(String content) {
        return CachedNeuronClient.keyOf(new NeuronRequest(stage.spec().profile(), content, Map.of()));
    }

    /** The route stage never calls Claude. */
    private static final class NoCalls implements NeuronClient {
        @Override
        public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
            throw new AssertionError("the route stage called Claude for " + request.content());
        }

        @Override
        public long requestCount() {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
