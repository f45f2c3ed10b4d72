package io.hal9.topology.node.admin;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.GameState;
import io.hal9.topology.game.GameTopology;
import io.hal9.topology.game.engine.GameFrames;
import io.hal9.topology.game.engine.ScreenText;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /games/{id}} on the admin server: the game's current screen as text, or its frame as
 * JSON with {@code ?format=json}. Any instance answers: the one that owns the game's partition
 * reads its store; another asks the owner over HTTP (Kafka Streams interactive queries, the owner
 * found through {@code application.server}). Responses name the instance that read the store in
 * {@value #SERVED_BY} and, when forwarded, the one that was asked in {@value #VIA}.
 *
 * <p>Status codes: 200; 404 for a game no one holds; 503 while the game's partition is moving
 * (rebalance, restore) or its owner cannot be reached; 400 for a bad format.
 */
public final class GameQueries implements HttpHandler {

    public static final String PATH = "/games/";
    static final String SERVED_BY = "X-HAL9-Served-By";
    static final String VIA = "X-HAL9-Via";
    private static final String FORWARDED = "X-HAL9-Forwarded";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaStreams game;
    private final HostInfo self;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /**
     * @param game the game application of this process (its {@link GameTopology#STORE} store)
     * @param self this admin server, as the game's {@code application.server} names it
     */
    public GameQueries(KafkaStreams game, HostInfo self) {
        this.game = game;
        this.self = self;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!"GET".equals(exchange.getRequestMethod())) {
            AdminServer.send(exchange, 405, "application/json", error("only GET"));
            return;
        }
        String id = URLDecoder.decode(exchange.getRequestURI().getRawPath().substring(PATH.length()),
                StandardCharsets.UTF_8);
        String format = query(exchange.getRequestURI()).getOrDefault("format", "text");
        if (id.isEmpty() || id.contains("/")) {
            AdminServer.send(exchange, 404, "application/json", error("use GET /games/{id}"));
            return;
        }
        if (!format.equals("text") && !format.equals("json")) {
            AdminServer.send(exchange, 400, "application/json", error("format must be text or json, not " + format));
            return;
        }
        KeyQueryMetadata owner = game.queryMetadataForKey(GameTopology.STORE, id, Serdes.String().serializer());
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            AdminServer.send(exchange, 503, "application/json", error("game partitions are being assigned; retry"));
            return;
        }
        if (owner.activeHost().equals(self)) {
            local(exchange, id, owner.partition(), format);
        } else if (exchange.getRequestHeaders().containsKey(FORWARDED)) {
            AdminServer.send(exchange, 503, "application/json", error("game " + id + " moved while the query was forwarded; retry"));
        } else {
            forward(exchange, owner.activeHost(), id, format);
        }
    }

    /** This instance's copy of the game store, for the games it owns. */
    private ReadOnlyKeyValueStore<String, GameState> localStore(int partition) {
        return game.store(StoreQueryParameters.fromNameAndType(GameTopology.STORE,
                QueryableStoreTypes.<String, GameState>keyValueStore()).withPartition(partition));
    }

    private void local(HttpExchange exchange, String id, int partition, String format) throws IOException {
        GameState state;
        try {
            state = localStore(partition).get(id);
        } catch (InvalidStateStoreException e) {
            AdminServer.send(exchange, 503, "application/json", error("game store is restoring or moving; retry"));
            return;
        }
        if (state == null) {
            AdminServer.send(exchange, 404, "application/json", error("no game " + id));
            return;
        }
        GameFrame frame = GameFrames.of(state);
        exchange.getResponseHeaders().set(SERVED_BY, describe(self));
        if (format.equals("json")) {
            AdminServer.send(exchange, 200, "application/json", JSON.writeValueAsString(asJson(frame)));
        } else {
            AdminServer.send(exchange, 200, "text/plain; charset=utf-8", ScreenText.render(frame) + "\n");
        }
    }

    private void forward(HttpExchange exchange, HostInfo owner, String id, String format) throws IOException {
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + PATH
                + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "?format=" + format);
        HttpResponse<String> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).header(FORWARDED, "1")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            AdminServer.send(exchange, 503, "application/json", error("the owner of game " + id + " (" + describe(owner)
                    + ") does not answer: " + e.getMessage()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            AdminServer.send(exchange, 503, "application/json", error("interrupted"));
            return;
        }
        answer.headers().firstValue(SERVED_BY).ifPresent(v -> exchange.getResponseHeaders().set(SERVED_BY, v));
        exchange.getResponseHeaders().set(VIA, describe(self));
        AdminServer.send(exchange, answer.statusCode(), answer.headers().firstValue("Content-Type").orElse("text/plain"),
                answer.body());
    }

    /** The frame as a JSON object, fields named as in the Avro contract. */
    static Map<String, Object> asJson(GameFrame frame) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("gameId", frame.getGameId());
        json.put("turn", frame.getTurn());
        json.put("screen", frame.getScreen());
        json.put("playerX", frame.getPlayerX());
        json.put("playerY", frame.getPlayerY());
        json.put("hp", frame.getHp());
        json.put("awareness", frame.getAwareness());
        json.put("realityIntegrity", frame.getRealityIntegrity());
        json.put("messages", frame.getMessages());
        json.put("status", frame.getStatus().name());
        return json;
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> params = new LinkedHashMap<>();
        String raw = uri.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return params;
    }

    private static String describe(HostInfo host) {
        return host.host() + ":" + host.port();
    }

    private static String error(String message) throws IOException {
        return JSON.writeValueAsString(Map.of("error", message));
    }
}
