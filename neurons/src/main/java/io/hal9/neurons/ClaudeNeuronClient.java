package io.hal9.neurons;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.TextBlock;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A {@link NeuronClient} over the official anthropic-java SDK (OkHttp transport, async client).
 *
 * <p><b>How to use:</b> build it once per process from {@link ClaudeSettings} and share it; each
 * {@link #ask} sends one Messages request (the profile's system prompt, one user message with the
 * content, the profile's model and max tokens) and returns at once. The reply's text blocks are
 * joined; usage, stop reason and the measured latency come with it.
 *
 * <p><b>Requirements:</b> an API key (any non-empty key for the simulator). Without one every call
 * fails with {@link FailureCategory#AUTH} and nothing is sent. Timeout and SDK retries are taken
 * from the settings, never from the SDK's defaults (10 minutes, 2 retries).
 *
 * <p><b>Failures</b> complete the future with a {@link NeuronException}: 400/404/409/422 and other
 * 4xx are {@link FailureCategory#CLIENT_ERROR}, 401/403 {@link FailureCategory#AUTH}, 429
 * {@link FailureCategory#RATE_LIMITED} with its {@code retry-after}, 5xx and 529
 * {@link FailureCategory#TRANSIENT}, timeouts anywhere in the cause chain (and 408)
 * {@link FailureCategory#TIMEOUT}, other I/O failures {@link FailureCategory#TRANSIENT}, anything
 * else {@link FailureCategory#UNKNOWN}.
 *
 * <p><b>Current limitations:</b> anthropic-java 3.14.0 builds its OkHttp dispatcher with
 * {@code maxRequests} = {@code maxRequestsPerHost} = 64 and offers no option to change it, so one
 * client runs at most 64 calls at a time; further calls queue inside the SDK (at 500 ms per call
 * about 128 calls/s per client). Lifting the cap needs several clients used round-robin or an own
 * {@code com.anthropic.core.http.HttpClient} transport; OkHttp also uses one thread per call in
 * flight and keeps only 5 idle connections by default.
 */
public final class ClaudeNeuronClient implements NeuronClient {

    private final ClaudeSettings settings;
    private final AnthropicClient client;
    private final AtomicLong requests = new AtomicLong();

    public ClaudeNeuronClient(ClaudeSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        AnthropicOkHttpClient.Builder builder = AnthropicOkHttpClient.builder()
                .baseUrl(settings.baseUrl())
                .timeout(settings.timeout())
                .maxRetries(settings.maxRetries());
        if (settings.hasApiKey()) {
            builder.apiKey(settings.apiKey());
        }
        this.client = settings.hasApiKey() ? builder.build() : null;
    }

    @Override
    public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
        Objects.requireNonNull(request, "request");
        requests.incrementAndGet();
        if (client == null) {
            return CompletableFuture.failedFuture(new NeuronException(FailureCategory.AUTH,
                    "no API key configured (" + ClaudeSettings.API_KEY_ENV + " is not set)"));
        }
        LayerProfile profile = request.profile();
        long started = System.nanoTime();
        CompletableFuture<Message> call;
        try {
            MessageCreateParams params = MessageCreateParams.builder()
                    .model(profile.model())
                    .maxTokens(profile.maxTokens())
                    .system(profile.systemPrompt())
                    .addUserMessage(request.content())
                    .build();
            call = client.async().messages().create(params);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(ClaudeFailures.classify(e, settings.apiKey()));
        }
        CompletableFuture<NeuronReply> reply = new CompletableFuture<>();
        call.whenComplete((message, failure) -> {
            if (failure != null) {
                reply.completeExceptionally(ClaudeFailures.classify(failure, settings.apiKey()));
                return;
            }
            try {
                reply.complete(toReply(message, (System.nanoTime() - started) / 1_000_000));
            } catch (RuntimeException e) {
                reply.completeExceptionally(ClaudeFailures.classify(e, settings.apiKey()));
            }
        });
        return reply;
    }

    private static NeuronReply toReply(Message message, long latencyMs) {
        String text = message.content().stream()
                .map(ContentBlock::text)
                .flatMap(java.util.Optional::stream)
                .map(TextBlock::text)
                .collect(Collectors.joining("\n"));
        String stopReason = message.stopReason().map(Object::toString).orElse("");
        return new NeuronReply(text, message.model().asString(), message.usage().inputTokens(),
                message.usage().outputTokens(), stopReason, latencyMs);
    }

    @Override
    public long requestCount() {
        return requests.get();
    }

    /** The settings this client was built with (the key stays redacted in their string form). */
    public ClaudeSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "ClaudeNeuronClient[" + settings + "]";
    }
}
