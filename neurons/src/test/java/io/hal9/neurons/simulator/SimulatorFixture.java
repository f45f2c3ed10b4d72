package io.hal9.neurons.simulator;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.claude.ClaudeSettings;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.testing.TestSettings;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link ClaudeSimulator} on a free port plus a {@link ClaudeNeuronClient} against it, both
 * closed after each test. Register it on an instance field:
 *
 * <pre>{@code
 * @RegisterExtension
 * final SimulatorFixture fixture = new SimulatorFixture();
 * }</pre>
 *
 * After each test it closes, in this order, whatever was handed to {@link #closing} (last first),
 * the client and the simulator; anything already closed through {@link #closeClient()} or
 * {@link #closeSimulator()} is not closed again.
 */
public final class SimulatorFixture implements AfterEachCallback {

    /** The API key the client sends; the simulator accepts any non-blank key. */
    public static final String KEY = "sk-ant-test-0123456789abcdef";

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private ClaudeSimulator simulator;
    private ClaudeNeuronClient client;
    private AnthropicClient sdk;

    /** Starts the simulator on 127.0.0.1 and a free port. */
    public ClaudeSimulator start(SimulatorOptions options) {
        if (simulator != null) {
            throw new IllegalStateException("the simulator is already running; closeSimulator() first");
        }
        simulator = ClaudeSimulator.start("127.0.0.1", 0, options);
        return simulator;
    }

    /** A client with {@link #KEY}, the given timeout and no SDK retries against the running simulator. */
    public ClaudeNeuronClient client(Duration timeout) {
        return client(TestSettings.claude(KEY, baseUrl(), timeout, 0));
    }

    /** A client with the given settings (point them at {@link #baseUrl()}). */
    public ClaudeNeuronClient client(ClaudeSettings settings) {
        if (client != null) {
            throw new IllegalStateException("the client is already open; closeClient() first");
        }
        client = new ClaudeNeuronClient(settings);
        return client;
    }

    /**
     * A plain Anthropic SDK client with {@link #KEY}, a 10 s timeout and no retries against the
     * running simulator, the same one all through a test and closed after it: for what {@link ClaudeNeuronClient} does not send
     * (thinking, effort, sampling parameters, cache control) or read (content blocks, models).
     */
    public AnthropicClient sdk() {
        if (sdk == null) {
            AnthropicClient opened = AnthropicOkHttpClient.builder().baseUrl(baseUrl()).apiKey(KEY)
                    .timeout(Duration.ofSeconds(10)).maxRetries(0).build();
            closing(() -> {
                sdk = null;
                opened.close();
            });
            sdk = opened;
        }
        return sdk;
    }

    /** The bundled catalog's entry of {@code model}: to compute what the simulator answers without its figures. */
    public static CatalogEntry entry(String model) {
        return ModelCatalog.bundled().find(model)
                .orElseThrow(() -> new AssertionError("the bundled catalog does not list " + model));
    }

    /** Closes {@code resource} after the test, before the client and the simulator. */
    public <T extends AutoCloseable> T closing(T resource) {
        resources.push(resource);
        return resource;
    }

    public ClaudeSimulator simulator() {
        return require(simulator, "simulator");
    }

    public ClaudeNeuronClient client() {
        return require(client, "client");
    }

    public String baseUrl() {
        return simulator().baseUrl();
    }

    /** A JSON POST of {@code body} to {@code path} on the running simulator; {@code headers} are name/value pairs. */
    public HttpRequest post(String path, String body, Duration timeout, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .timeout(timeout)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return request.build();
    }

    /** Closes the client now; it is not closed again after the test. */
    public void closeClient() {
        ClaudeNeuronClient open = client();
        client = null;
        open.close();
    }

    /** Closes the simulator now; it is not closed again after the test, and another may be started. */
    public void closeSimulator() {
        ClaudeSimulator running = simulator();
        simulator = null;
        running.close();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        while (!resources.isEmpty()) {
            resources.pop().close();
        }
        if (client != null) {
            closeClient();
        }
        if (simulator != null) {
            closeSimulator();
        }
    }

    private static <T> T require(T value, String name) {
        if (value == null) {
            throw new IllegalStateException("no " + name + ": start it first");
        }
        return value;
    }
}
