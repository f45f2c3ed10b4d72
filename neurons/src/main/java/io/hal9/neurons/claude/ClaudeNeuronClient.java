package io.hal9.neurons.claude;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.Headers;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.CacheCreation;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.OutputConfig;
import com.anthropic.models.messages.OutputTokensDetails;
import com.anthropic.models.messages.RefusalStopDetails;
import com.anthropic.models.messages.TextBlock;
import com.anthropic.models.messages.Usage;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.RateLimits;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.ModelCatalog;

/**
 * A {@link NeuronClient} over the official anthropic-java SDK (OkHttp transport, async client).
 *
 * <p><b>How to use:</b> build it once per process from {@link ClaudeSettings} and share it; each
 * {@link #ask} sends one Messages request (the profile's system prompt, one user message with the
 * content, the profile's model, max tokens and effort) and returns at once. The reply's blocks are
 * read by type: the text blocks are joined, thinking blocks (which the current models may send
 * first, thinking adaptively by default) are skipped; the model that answered, usage (prompt-cache
 * writes by lifetime, reads and thinking tokens included), stop reason (and a refusal's
 * {@code stop_details}) and the measured latency come with it.
 *
 * <p><b>The 5.x request surface</b> (platform.claude.com, the Haiku 5.5 and Sonnet 5.5 migration
 * guides): no {@code temperature}, {@code top_p} or {@code top_k} is ever sent (those models reject
 * them with 400); thinking is left to the model's adaptive default, steered by
 * {@code output_config.effort} when the profile names one (and never sent to a model that takes
 * none); no assistant prefill. With {@link ClaudeSettings#promptCaching()} on, a request whose
 * system prompt reaches the model's minimum cacheable length (the {@link ModelCatalog}, counted
 * with the model's tokenizer) carries one top-level {@code cache_control} (automatic caching), so
 * the layer's prompt is billed at the cache-read price on every call within the lifetime. An answer that stopped
 * early (cut at {@code max_tokens}, refused) is a reply, not a failure: HTTP 200, Claude is up;
 * what to do with it is the caller's decision ({@link NeuronReply#complete()}).
 *
 * <p><b>Requirements:</b> an API key (any non-empty key for the simulator). Without one every call
 * fails with {@link FailureCategory#AUTH} and nothing is sent. Timeout and SDK retries are taken
 * from the settings, never from the SDK's defaults (10 minutes, 2 retries).
 *
 * <p><b>Failures</b> complete the future with a {@link NeuronException}: 400/409/422 and other
 * 4xx are {@link FailureCategory#CLIENT_ERROR}, 404 {@link FailureCategory#MODEL_NOT_FOUND} (its
 * message names the model), 401/403 {@link FailureCategory#AUTH}, 402 and a 429 whose error code is
 * {@code enforced_spend_limit_reached} {@link FailureCategory#BILLING}, other 429s
 * {@link FailureCategory#RATE_LIMITED}, 529 {@link FailureCategory#OVERLOADED}, other 5xx
 * {@link FailureCategory#TRANSIENT}, timeouts anywhere in the cause chain (and 408)
 * {@link FailureCategory#TIMEOUT}, other I/O failures {@link FailureCategory#TRANSIENT}, anything
 * else {@link FailureCategory#UNKNOWN}. Every status keeps its {@code retry-after}, and an HTTP
 * error's message carries the API's {@code request_id} when it sent one (never the key).
 *
 * <p><b>Concurrency:</b> the client carries {@link ClaudeSettings#maxConcurrency()} calls in flight
 * at once. anthropic-java 3.14.0 builds its OkHttp dispatcher with {@code maxRequests} =
 * {@code maxRequestsPerHost} = 64 and no builder option changes that
 * ({@code dispatcherExecutorService} only swaps the thread pool), so one SDK client would queue
 * every call past the 64th (at 500 ms per call about 128 calls/s). This class therefore holds
 * {@code ceil(maxConcurrency / 64)} SDK clients, each with its own OkHttp dispatcher and
 * connection pool, and hands each {@link #ask} to the next one round-robin; n calls started
 * together land at most {@code ceil(n / clients)} on one client, so up to {@code maxConcurrency}
 * calls run at once and none queues in the SDK. Each client keeps up to its share
 * ({@code ceil(maxConcurrency / clients)}) of idle connections alive for 5 minutes, so a steady
 * load reuses connections (and TLS sessions) instead of opening new ones (OkHttp keeps only 5
 * idle by default). The SDK clients share one completion executor of up to 64 threads (the work
 * after a response arrives: reading and parsing it; when all are busy it runs on the OkHttp
 * thread that got the response), instead of each SDK client starting its own 64 (at 1,024 calls
 * in flight that would be about 950 more threads for the same throughput). Calls beyond
 * {@code maxConcurrency} still start while a client has one of its 64 slots free, and queue
 * inside that client otherwise; the caller (the neuron stage's in-flight limit) is expected to
 * keep below {@code maxConcurrency}. {@link #close()} closes every SDK client, then the shared
 * completion executor.
 *
 * <p><b>Current limitations:</b> OkHttp uses one thread per request in flight (the dispatcher's
 * cached pool), so 1,024 calls in flight mean about 1,024 threads blocked on sockets, plus their
 * stacks; going further asks for an own non-blocking {@code com.anthropic.core.http.HttpClient}
 * transport (e.g. over {@code java.net.http}). Round-robin ignores how busy a client is: calls of
 * very different durations can fill one client's 64 slots while another has free ones, in which
 * case a few calls queue even below {@code maxConcurrency}. Each SDK client opens its own
 * connections, so connections are not shared between them.
 */
public final class ClaudeNeuronClient implements NeuronClient {

    /** Requests one anthropic-java 3.14.0 client runs at once (its OkHttp dispatcher's fixed cap). */
    static final int SDK_REQUESTS_PER_CLIENT = 64;
    /** How long an idle connection is kept for reuse. */
    static final long KEEP_ALIVE_MINUTES = 5;
    /** Threads of the completion executor shared by the SDK clients (one SDK client's default). */
    static final int COMPLETION_THREADS = 64;
    /** Name prefix of the shared completion executor's threads. */
    static final String COMPLETION_THREAD_NAME = "claude-neuron-completion-";

    private final ClaudeSettings settings;
    private final ModelCatalog catalog;
    /** The SDK clients used round-robin; empty when no API key is configured. */
    private final List<AnthropicClient> clients;
    /** Runs the SDK clients' response handling; {@code null} when no API key is configured. */
    private final ThreadPoolExecutor completions;
    private final AtomicLong nextClient = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    /** A client that reads the bundled model catalog. */
    public ClaudeNeuronClient(ClaudeSettings settings) {
        this(settings, ModelCatalog.bundled());
    }

    /** A client whose prompt caching reads each model's minimum cacheable length from {@code catalog}. */
    public ClaudeNeuronClient(ClaudeSettings settings, ModelCatalog catalog) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        if (!settings.hasApiKey()) {
            this.completions = null;
            this.clients = List.of();
            return;
        }
        this.completions = completionExecutor();
        try {
            this.clients = buildClients(settings, completions);
        } catch (RuntimeException e) {
            completions.shutdown();
            throw e;
        }
    }

    /**
     * Like the SDK's own default: up to 64 threads, no queue, the submitting thread runs what finds
     * them all busy; once closed it rejects (so a late response fails its call instead of being
     * dropped, which a plain {@code CallerRunsPolicy} would do).
     */
    private static ThreadPoolExecutor completionExecutor() {
        AtomicLong threads = new AtomicLong();
        return new ThreadPoolExecutor(0, COMPLETION_THREADS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                runnable -> {
                    Thread thread = new Thread(runnable, COMPLETION_THREAD_NAME + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                },
                (task, executor) -> {
                    if (executor.isShutdown()) {
                        throw new RejectedExecutionException("the Claude neuron client is closed");
                    }
                    task.run();
                });
    }

    private static List<AnthropicClient> buildClients(ClaudeSettings settings, ExecutorService completions) {
        int count = sdkClientsFor(settings.maxConcurrency());
        int idlePerClient = ceilDiv(settings.maxConcurrency(), count);
        // A plain Executor: the SDK shuts down an ExecutorService it is given when that one client closes.
        Executor sharedCompletions = completions::execute;
        List<AnthropicClient> built = new ArrayList<>(count);
        try {
            for (int i = 0; i < count; i++) {
                built.add(AnthropicOkHttpClient.builder()
                        .baseUrl(settings.baseUrl())
                        .apiKey(settings.apiKey())
                        .timeout(settings.timeout())
                        .maxRetries(settings.maxRetries())
                        // both or neither: the SDK throws when only one of the two is set
                        .maxIdleConnections(idlePerClient)
                        .keepAliveDuration(Duration.ofMinutes(KEEP_ALIVE_MINUTES))
                        .completionExecutor(sharedCompletions)
                        .build());
            }
        } catch (RuntimeException e) {
            closeAll(built, e);
            throw e;
        }
        return List.copyOf(built);
    }

    /** How many SDK clients carry {@code maxConcurrency} calls at once: ceil(maxConcurrency / 64). */
    static int sdkClientsFor(int maxConcurrency) {
        if (maxConcurrency < 1) {
            throw new IllegalArgumentException("maxConcurrency must be >= 1, got " + maxConcurrency);
        }
        return ceilDiv(maxConcurrency, SDK_REQUESTS_PER_CLIENT);
    }

    private static int ceilDiv(int dividend, int divisor) {
        return (dividend + divisor - 1) / divisor;
    }

    @Override
    public CompletableFuture<NeuronReply> ask(NeuronRequest request) {
        Objects.requireNonNull(request, "request");
        requests.incrementAndGet();
        if (clients.isEmpty()) {
            return CompletableFuture.failedFuture(new NeuronException(FailureCategory.AUTH,
                    "no API key configured (" + ClaudeSettings.API_KEY_ENV + " is not set)"));
        }
        LayerProfile profile = request.profile();
        long started = System.nanoTime();
        CompletableFuture<HttpResponseFor<Message>> call;
        try {
            MessageCreateParams params = params(request);
            // the raw response: its anthropic-ratelimit-* headers say how much room the account has left
            call = nextClient().async().messages().withRawResponse().create(params);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(ClaudeFailures.classify(e, settings.apiKey(), profile.model()));
        }
        CompletableFuture<NeuronReply> reply = new CompletableFuture<>();
        call.whenComplete((response, failure) -> {
            if (failure != null) {
                reply.completeExceptionally(ClaudeFailures.classify(failure, settings.apiKey(), profile.model()));
                return;
            }
            try {
                Message message = response.parse();
                reply.complete(toReply(message, (System.nanoTime() - started) / 1_000_000,
                        RateLimits.parse(name -> header(response.headers(), name))));
            } catch (RuntimeException e) {
                reply.completeExceptionally(ClaudeFailures.classify(e, settings.apiKey(), profile.model()));
            }
        });
        return reply;
    }

    /**
     * The Messages request for {@code request}: model, max tokens, system prompt, the content as the
     * one user message, the profile's effort (if any) and, when prompt caching is on and the system
     * prompt is long enough to be cached by the model, a top-level {@code cache_control}.
     */
    MessageCreateParams params(NeuronRequest request) {
        LayerProfile profile = request.profile();
        MessageCreateParams.Builder params = MessageCreateParams.builder()
                .model(profile.model())
                .maxTokens(profile.maxTokens())
                .system(profile.systemPrompt())
                .addUserMessage(request.content());
        Optional<CatalogEntry> model = catalog.find(profile.model());
        if (!profile.effort().isEmpty() && model.map(CatalogEntry::takesEffort).orElse(true)) {
            params.outputConfig(OutputConfig.builder().effort(OutputConfig.Effort.of(profile.effort())).build());
        }
        if (cachesSystemPrompt(profile, model)) {
            CacheControlEphemeral.Builder cacheControl = CacheControlEphemeral.builder();
            if (settings.promptCaching() == PromptCaching.ONE_HOUR) {
                cacheControl.ttl(CacheControlEphemeral.Ttl.of(PromptCaching.ONE_HOUR.ttl()));
            }
            params.cacheControl(cacheControl.build());
        }
        return params.build();
    }

    /**
     * Whether a request of {@code profile} turns on prompt caching: caching is on and the system
     * prompt reaches the model's minimum cacheable length (a model the catalog does not know: never,
     * the start-up check refuses it anyway).
     */
    private boolean cachesSystemPrompt(LayerProfile profile, Optional<CatalogEntry> model) {
        return settings.promptCaching() != PromptCaching.OFF && model
                .filter(entry -> entry.estimateTokens(profile.systemPrompt().length()) >= entry.minCacheableTokens())
                .isPresent();
    }

    private AnthropicClient nextClient() {
        return clients.get((int) Math.floorMod(nextClient.getAndIncrement(), (long) clients.size()));
    }

    /** A header's first value, its name compared without case. */
    static Optional<String> header(Headers headers, String name) {
        for (String present : headers.names()) {
            if (present.equalsIgnoreCase(name)) {
                return headers.values(present).stream().findFirst();
            }
        }
        return Optional.empty();
    }

    private static NeuronReply toReply(Message message, long latencyMs, RateLimits rateLimits) {
        String text = message.content().stream()
                .map(ContentBlock::text)
                .flatMap(Optional::stream)
                .map(TextBlock::text)
                .collect(Collectors.joining("\n"));
        String stopReason = message.stopReason().map(Object::toString).orElse("");
        Usage usage = message.usage();
        return new NeuronReply(text, message.model().asString(), usage.inputTokens(), usage.outputTokens(), stopReason,
                latencyMs, false, rateLimits, usage.cacheCreationInputTokens().orElse(0L),
                usage.cacheReadInputTokens().orElse(0L), stopDetails(message),
                usage.cacheCreation().map(CacheCreation::ephemeral1hInputTokens).orElse(0L),
                usage.outputTokensDetails().map(OutputTokensDetails::thinkingTokens).orElse(0L));
    }

    /**
     * A refusal's {@code stop_details} in words: {@code "<category>: <explanation>"}, either part alone
     * when the other is missing (both may be {@code null}), {@code null} when there are none.
     */
    private static String stopDetails(Message message) {
        Optional<RefusalStopDetails> details = message.stopDetails();
        if (details.isEmpty()) {
            return null;
        }
        Optional<String> category = details.get().category().map(Object::toString);
        Optional<String> explanation = details.get().explanation().filter(e -> !e.isBlank());
        if (category.isPresent() && explanation.isPresent()) {
            return category.get() + ": " + explanation.get();
        }
        return category.or(() -> explanation).orElse(null);
    }

    @Override
    public long requestCount() {
        return requests.get();
    }

    /** The settings this client was built with (the key stays redacted in their string form). */
    public ClaudeSettings settings() {
        return settings;
    }

    /** Number of SDK clients this client spreads its calls over (0 without an API key). */
    int sdkClientCount() {
        return clients.size();
    }

    /** Closes every SDK client, even when closing one of them fails, then the completion executor. */
    @Override
    public void close() {
        RuntimeException failure = closeAll(clients, null);
        if (completions != null) {
            completions.shutdown();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException closeAll(List<AnthropicClient> toClose, RuntimeException failure) {
        RuntimeException first = failure;
        for (AnthropicClient client : toClose) {
            try {
                client.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }

    @Override
    public String toString() {
        return "ClaudeNeuronClient[" + settings + "]";
    }
}
