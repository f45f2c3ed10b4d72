package io.hal9.neurons.simulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.Lifecycle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for Anthropic's Messages and Models APIs, for the demo and for tests: no network,
 * no key. It knows the model catalog, and answers each model as the API does.
 *
 * <p><b>How to use:</b> {@code ClaudeSimulator.start("127.0.0.1", 0, SimulatorOptions.defaults())},
 * point a {@link ClaudeNeuronClient} (or any Anthropic SDK client) at {@link #baseUrl()} with any
 * non-empty key, close it when done.
 *
 * <p><b>Requests and models.</b> {@code POST /v1/messages} needs a non-empty key in
 * {@code x-api-key} or {@code Authorization: Bearer} (else 401 {@code authentication_error}) and a
 * body with {@code model}, {@code max_tokens} &gt; 0 and non-empty {@code messages} (else 400
 * {@code invalid_request_error} naming the field). A model the {@link SimulatorOptions#catalog()}
 * does not know, one it says is retired on the options' clock's day, or one outside
 * {@link SimulatorOptions#models()} when a set is given, gets 404 {@code not_found_error}
 * ({@code "model: <model>"}). Then the model's catalog entry rules, each with 400
 * {@code invalid_request_error}:
 * <ul>
 * <li>a model without sampling parameters rejects {@code top_k}, a {@code temperature} other than 1,
 * a {@code top_p} other than 0.99, and both together, naming the parameter
 * ({@code "`temperature` is not supported for this model."});</li>
 * <li>an adaptive-thinking model rejects {@code thinking: {"type":"enabled"}} ("Use
 * "thinking.type.adaptive" and "output_config.effort" ..."); an extended-thinking model rejects
 * {@code adaptive} and takes {@code enabled} with {@code budget_tokens} &ge; 1,024 and below
 * {@code max_tokens};</li>
 * <li>{@code output_config.effort} must be one of the model's efforts (the message names the value),
 * and a model without efforts rejects any.</li>
 * </ul>
 *
 * <p><b>Answers.</b> The text is deterministic: it names the layer and role from the system
 * prompt's first line ("You are a HAL9 L3 Operational neuron."), the subject from the content's
 * first meaningful line, a numbered list for the role and a {@code [ref xxxxxxxx]} fingerprint of the
 * content. An adaptive-thinking model thinks by default (and with {@code {"type":"adaptive"}}; not
 * with {@code disabled} or {@code between_tools}), an adaptive-on-request model (4.6) with
 * {@code adaptive} or {@code enabled}, an extended-thinking model only with {@code enabled}
 * (spending its whole {@code budget_tokens}): the content then starts with a thinking block ({@code "thinking":""} and a
 * signature; a short summary with {@code thinking.display: "summarized"}), and thinking spends the
 * output tokens {@link SimulatedThinking} gives for the effort (the request's, else the model's
 * default), counted in {@code usage.output_tokens} and {@code usage.output_tokens_details.thinking_tokens}.
 * Tokens are counted with the model's tokenizer ({@link CatalogEntry#estimateTokens(long)}).
 * Thinking counts against {@code max_tokens}: when it reaches it, the answer is the thinking block
 * alone with {@code stop_reason} {@code max_tokens}; otherwise a text longer than what is left is cut
 * there ({@code max_tokens}, exactly {@code max_tokens} output tokens), else {@code end_turn}. With
 * a {@link SimulatorOptions#refusalRate()} a share of requests is refused as Claude refuses: HTTP 200,
 * {@code stop_reason} {@code refusal}, no content, 0 output tokens and a {@code stop_details} of type
 * {@code refusal} (category {@code null}, explanation {@link #REFUSAL_EXPLANATION}). Like the API it
 * names the dated snapshot that answered, not the alias asked for: {@code claude-haiku-4-5} is
 * answered by {@code claude-haiku-4-5-20250929} ({@link SimulatorOptions#snapshotDate()}); a model
 * whose catalog id has no date ({@code claude-sonnet-5-5}) is a pinned snapshot and answered as asked.
 *
 * <p><b>Prompt cache.</b> A request with a top-level {@code "cache_control":{"type":"ephemeral"}}
 * (optional {@code "ttl":"5m"|"1h"}) caches its whole system prompt; a {@code cache_control} on a
 * system content block caches the blocks up to it. When that prefix reaches the model's
 * {@link CatalogEntry#minCacheableTokens()}, the first such request of an API key and model writes
 * it ({@code cache_creation_input_tokens} and {@code cache_creation.ephemeral_5m_input_tokens} or
 * {@code ephemeral_1h_input_tokens}), later ones within the TTL on the clock read it
 * ({@code cache_read_input_tokens}; each read starts the TTL again), and {@code input_tokens} counts
 * only what follows the prefix. A shorter prefix is simply not cached. Without
 * {@code cache_control} nothing is cached. {@link SimulatorOptions#cacheUsage()}, when set, replaces
 * all this with fixed figures.
 *
 * <p><b>Latency and faults.</b> Every answer waits for its latency
 * ({@link SimulatorOptions.LatencyMode}: fixed, or the model's catalog profile for its output tokens
 * times a scale; plus jitter); a {@link FaultPlan} may replace an answer with an error in Anthropic's
 * error shape ({@code {"type":"error","error":{"type":..., "message":...[,"details":{"error_code":...}]},
 * "request_id":...}}, the same id as the {@code request-id} header), with {@code retry-after}, sent
 * after the latency of an empty answer plus the fault's own delay (a hang is a very long delay).
 *
 * <p><b>Models API.</b> {@code GET /v1/models/{model_id}} answers a model that answers today (by id,
 * alias or dated snapshot) as {@code ModelInfo} ({@code id} the catalog's id, {@code display_name},
 * {@code created_at}, {@code max_input_tokens}, {@code max_tokens}, {@code lifecycle}
 * {@code active} or {@code deprecated}, a legacy model being active, {@code retires_at}); any other
 * model gets 404 {@code not_found_error}. {@code GET /v1/models} lists those models in catalog order
 * ({@code limit}, {@code after_id}, {@code before_id}). Both need the key as Messages do, answer at
 * once and are not counted as calls.
 *
 * <p><b>Other paths.</b> {@code GET /sim/stats} answers {@link #stats()} as JSON; other paths answer
 * 404 {@code not_found_error}.
 *
 * <p><b>Concurrency:</b> requests are never serialized and no thread waits per request: parsing
 * runs on a small pool of handler threads, and each answer is scheduled for its due time and sent
 * from a scheduler, so a slow answer does not hold up the others and thousands of requests can
 * wait for their answers at once (checked with 1,024 at 500 ms). The simulator raises the JDK
 * server's idle-connection limit ({@code sun.net.httpserver.maxIdleConnections}, default 200) to
 * 2,048 unless it is already set, so clients that keep many connections alive are not cut off;
 * the JDK's per-request time limits ({@code sun.net.httpserver.maxReqTime}/{@code maxRspTime})
 * and {@code jdk.httpserver.maxConnections} are off by default (a warning is logged when
 * {@code maxRspTime} is set, since it cuts off answers slower than it). {@link #inFlight()} tells
 * how many requests wait for their answer right now, {@link #maxInFlightSeen()} the most at once.
 * {@link #holdAnswers()} keeps the answers to admitted requests (messages and injected faults) from
 * being sent until {@link #releaseAnswers()}, so a test can have any number of requests in flight at
 * once, however slow the machine, without betting on them all arriving within one latency.
 *
 * <p><b>Under load</b> it behaves like the API: with {@link AccountLimits} each API key is an account
 * with token buckets for requests, input and output tokens per minute (see {@link SimulatedAccount}),
 * and a request that would overdraw one gets 429 {@code rate_limit_error} at once, with a
 * {@code retry-after} in whole seconds (rounded up) until every bucket holds enough again. Input
 * tokens are those of {@code usage} (prompt-cache writes included, reads not, as for most models);
 * output tokens are those of the answer the request would get (the simulator knows it in advance,
 * thinking included), both taken on admission. Every answer to a keyed Messages request, success or
 * error, carries the account's {@code anthropic-ratelimit-*} headers for the limits that are set.
 * With a {@code capacity} C, a request arriving while C others are being served (admitted and not
 * yet answered, hangs included) gets 529 {@code overloaded_error} at once, without
 * {@code retry-after}. Checks run in this order: key, body, model, the model's rules, rate limits,
 * capacity, then the {@link FaultPlan}, so injected faults come on top of the limits; a request that
 * passes them all is answered, refused or cut at {@code max_tokens} (a refusal takes no output tokens
 * from the account, a cut answer its {@code max_tokens}), and only then writes or refreshes its
 * prompt-cache entry. {@link #stats()} (and {@code GET /sim/stats}, as JSON) counts calls, 429s,
 * 529s, calls that arrived while a {@code retry-after} sent to the same key was still running (it
 * runs from when the answer carrying it was written; a call that arrives before then was on its way
 * already), refusals, cut answers, prompt-cache writes and reads, and thinking tokens.
 *
 * <p><b>Current limitations.</b> Only the system prompt is cached (no tools, no breakpoints in
 * messages); only the first user message's text is read; the Models API has no
 * {@code capabilities}; sampling parameters are not range-checked.
 */
public final class ClaudeSimulator implements AutoCloseable {

    /** The {@code stop_details.explanation} of a simulated refusal. */
    public static final String REFUSAL_EXPLANATION = "The simulator declined this request (a simulated refusal).";

    private static final Logger LOG = LoggerFactory.getLogger(ClaudeSimulator.class);
    private static final String MESSAGES_PATH = "/v1/messages";
    private static final String STATS_PATH = "/sim/stats";
    private static final String MODELS_PATH = "/v1/models";
    private static final int MODELS_PAGE = 20;
    private static final int MODELS_PAGE_MAX = 1000;
    /** The {@code created_at} of every model the Models API lists. */
    private static final String MODEL_CREATED_AT = "2026-01-01T00:00:00Z";
    private static final int CHARS_PER_TOKEN = 4;
    private static final String RETRY_AFTER = "retry-after";
    private static final String REQUEST_ID = "request_id";
    private static final String IDLE_CONNECTIONS_PROPERTY = "sun.net.httpserver.maxIdleConnections";
    private static final String MAX_RESPONSE_TIME_PROPERTY = "sun.net.httpserver.maxRspTime";
    private static final int IDLE_CONNECTIONS = 2048;
    private static final int HANDLER_THREADS = 16;
    private static final int SCHEDULER_THREADS = 4;
    private static final long REFUSALS_SALT = 0x7265667573616cL; // "refusal"

    private final ObjectMapper json = new ObjectMapper();
    private final SimulatorOptions options;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService scheduler;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicReference<RecordedRequest> lastRequest = new AtomicReference<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlightSeen = new AtomicInteger();
    private final Set<Pending> pending = ConcurrentHashMap.newKeySet();
    private final AtomicInteger serving = new AtomicInteger();
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong overloaded = new AtomicLong();
    private final AtomicLong insideRetryAfter = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private final AtomicLong promptCacheWrites = new AtomicLong();
    private final AtomicLong promptCacheReads = new AtomicLong();
    private final AtomicLong thinkingTokens = new AtomicLong();
    private final PromptCache promptCache = new PromptCache();
    private final Map<String, SimulatedAccount> accounts = new ConcurrentHashMap<>();
    /** Per API key, the furthest {@code retry-after} deadline sent to it. */
    private final Map<String, Instant> retryAfterDeadlines = new ConcurrentHashMap<>();
    /** Done while answers flow; while they are held, an open future that {@link #releaseAnswers()} completes. */
    private final AtomicReference<CompletableFuture<Void>> release =
            new AtomicReference<>(CompletableFuture.completedFuture(null));

    private ClaudeSimulator(HttpServer server, SimulatorOptions options) {
        this.server = server;
        this.options = options;
        this.handlers = Executors.newFixedThreadPool(HANDLER_THREADS, daemonThreads("claude-simulator-http"));
        this.scheduler = Executors.newScheduledThreadPool(SCHEDULER_THREADS, daemonThreads("claude-simulator-reply"));
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
    }

    /**
     * Starts a simulator listening on {@code host:port} (port 0 picks a free port).
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static ClaudeSimulator start(String host, int port, SimulatorOptions options) {
        Objects.requireNonNull(options, "options");
        if (System.getProperty(IDLE_CONNECTIONS_PROPERTY) == null) {
            System.setProperty(IDLE_CONNECTIONS_PROPERTY, Integer.toString(IDLE_CONNECTIONS));
        }
        String maxResponseTime = System.getProperty(MAX_RESPONSE_TIME_PROPERTY);
        if (maxResponseTime != null) {
            LOG.warn("{}={} s: the JDK server cuts off answers slower than that ({} plus up to {})",
                    MAX_RESPONSE_TIME_PROPERTY, maxResponseTime, describeLatency(options), options.jitter());
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 1024);
            ClaudeSimulator simulator = new ClaudeSimulator(server, options);
            server.start();
            LOG.info("Claude simulator listening on {}", simulator.baseUrl());
            return simulator;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Claude simulator on " + host + ":" + port, e);
        }
    }

    /** The port the simulator listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>}, the base URL for a client. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Number of requests received on {@code /v1/messages}, whatever their outcome. */
    public long requestCount() {
        return requests.get();
    }

    /**
     * Calls, 429s and 529s sent, calls inside a {@code retry-after}, refusals, answers cut at
     * {@code max_tokens}, prompt-cache writes and reads, and thinking tokens, since the simulator started.
     */
    public SimulatorStats stats() {
        return new SimulatorStats(requests.get(), rateLimited.get(), overloaded.get(), insideRetryAfter.get(),
                refused.get(), truncated.get(), promptCacheWrites.get(), promptCacheReads.get(), thinkingTokens.get());
    }

    /** The most recent request received on {@code /v1/messages}, if any. */
    public Optional<RecordedRequest> lastRequest() {
        return Optional.ofNullable(lastRequest.get());
    }

    /**
     * Requests received on {@code /v1/messages} whose answer (message or error) has not been sent
     * yet: a gauge. A request counts from the moment it is received until the simulator starts
     * writing its answer, so a client that has its answer no longer finds it counted.
     */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Requests being served now: past every check and holding one of the {@code capacity} places
     * until their answer is written (a request counts in {@link #inFlight()} a moment earlier).
     */
    public int serving() {
        return serving.get();
    }

    /** The highest {@link #inFlight()} since the simulator started. */
    public int maxInFlightSeen() {
        return maxInFlightSeen.get();
    }

    /**
     * Holds the answers to admitted Messages requests, normal answers and the {@link FaultPlan}'s
     * faults alike, until {@link #releaseAnswers()}: each is then sent at the later of its due time
     * (received + latency, + the fault's delay) and the release. Held requests count in
     * {@link #inFlight()}. Answers sent at once (401, 400, 429 and 529 from the limits and the
     * capacity, other paths) are never held. For tests: hold, send, wait until {@link #inFlight()}
     * reaches the number wanted, release.
     */
    public void holdAnswers() {
        release.updateAndGet(current -> current.isDone() ? new CompletableFuture<>() : current);
    }

    /** Sends the answers {@link #holdAnswers()} held (those already due at once) and stops holding. */
    public void releaseAnswers() {
        release.get().complete(null);
    }

    /** Stops listening at once; answers still pending are dropped and no longer counted in flight. */
    @Override
    public void close() {
        server.stop(0);
        scheduler.shutdownNow();
        handlers.shutdownNow();
        pending.forEach(Pending::answered);
    }

    /**
     * A request on {@code /v1/messages} counted in flight until {@link #answered()}, once; also
     * counted against the capacity from {@link #serve(int)} on, and knowing its API key once read.
     */
    private final class Pending {
        private final AtomicBoolean open = new AtomicBoolean(true);
        private volatile boolean served;
        private volatile String apiKey;

        Pending() {
            pending.add(this);
            int now = inFlight.incrementAndGet();
            maxInFlightSeen.accumulateAndGet(now, Math::max);
        }

        /** Takes one of {@code capacity} places, or returns false when all are taken. */
        boolean serve(int capacity) {
            int now;
            do {
                now = serving.get();
                if (now >= capacity) {
                    return false;
                }
            } while (!serving.compareAndSet(now, now + 1));
            served = true;
            return true;
        }

        void answered() {
            if (open.compareAndSet(true, false)) {
                inFlight.decrementAndGet();
                if (served) {
                    serving.decrementAndGet();
                }
                pending.remove(this);
            }
        }
    }

    private void handle(HttpExchange exchange) {
        Pending request = null;
        try {
            byte[] body = readBody(exchange);
            String path = exchange.getRequestURI().getPath();
            if (STATS_PATH.equals(path) && "GET".equals(exchange.getRequestMethod())) {
                reply(exchange, null, 200, json.valueToTree(stats()), Map.of());
                return;
            }
            if (MODELS_PATH.equals(path) || path.startsWith(MODELS_PATH + "/")) {
                handleModels(exchange, path);
                return;
            }
            if (!MESSAGES_PATH.equals(path)) {
                reply(exchange, null, 404, error("not_found_error", "Not found: " + path), Map.of());
                return;
            }
            long sequence = requests.incrementAndGet();
            request = new Pending();
            handleMessage(exchange, request, sequence, parse(body));
        } catch (RuntimeException | IOException e) {
            LOG.warn("Claude simulator failed on a request", e);
            reply(exchange, request, 500, error("api_error", "simulator failure: " + e.getMessage()), Map.of());
        }
    }

    private void handleMessage(HttpExchange exchange, Pending pendingAnswer, long sequence, JsonNode request) {
        String method = exchange.getRequestMethod();
        lastRequest.set(new RecordedRequest(method, MESSAGES_PATH, headersOf(exchange), request));
        if (!"POST".equals(method)) {
            reply(exchange, pendingAnswer, 405, error("invalid_request_error", "Method not allowed: " + method),
                    Map.of());
            return;
        }
        Optional<String> apiKey = apiKey(exchange);
        if (apiKey.isEmpty()) {
            reply(exchange, pendingAnswer, 401, missingKey(), Map.of());
            return;
        }
        String key = apiKey.get();
        pendingAnswer.apiKey = key;
        Instant now = options.clock().instant();
        Instant deadline = retryAfterDeadlines.get(key);
        if (deadline != null && now.isBefore(deadline)) {
            insideRetryAfter.incrementAndGet();
        }
        SimulatedAccount account = options.limits().any()
                ? accounts.computeIfAbsent(key, k -> new SimulatedAccount(options.limits(), now))
                : null;
        Map<String, String> accountHeaders = account == null ? Map.of() : account.headers(now);
        Optional<String> invalid = validate(request);
        if (invalid.isPresent()) {
            reply(exchange, pendingAnswer, 400, error("invalid_request_error", invalid.get()), accountHeaders);
            return;
        }
        String model = request.get("model").asText();
        Optional<CatalogEntry> known = options.answering(model);
        if (known.isEmpty()) {
            reply(exchange, pendingAnswer, 404, error("not_found_error", "model: " + model), accountHeaders);
            return;
        }
        CatalogEntry entry = known.get();
        ModelRules.Checked checked = ModelRules.check(request, entry);
        PromptCache.Asked cacheAsked = options.cacheUsage().isPresent() ? PromptCache.Asked.NOTHING
                : PromptCache.asked(request);
        Optional<String> rejected = checked.rejection().or(cacheAsked::rejection);
        if (rejected.isPresent()) {
            reply(exchange, pendingAnswer, 400, error("invalid_request_error", rejected.get()), accountHeaders);
            return;
        }
        SimulatedRequest simulated = new SimulatedRequest(sequence, model,
                systemText(request.get("system")), textOf(request.get("messages").get(0).get("content")));
        InputUsage input = inputUsage(entry, simulated, cacheAsked.breakpoint(), key, now);
        ModelRules.Thought thought = checked.thought();
        Answer answer = FaultPlans.picked(options.refusalSeed(), REFUSALS_SALT, sequence, options.refusalRate())
                ? Answer.REFUSED
                : Answer.capped(SimulatedAnswers.answer(simulated.system(), simulated.content()), thought,
                        thought.summarized() ? SimulatedAnswers.thinkingSummary(simulated.system(),
                                simulated.content()) : "",
                        request.get("max_tokens").asLong(), entry);
        Map<String, String> headers = Map.of();
        if (account != null) {
            // prompt-cache reads do not count toward the input-token limit; writes do
            SimulatedAccount.Admission admission = account.admit(input.inputTokens() + input.cacheCreation(),
                    answer.outputTokens(), now);
            headers = admission.headers();
            if (!admission.admitted()) {
                reply(exchange, pendingAnswer, 429, error("rate_limit_error", admission.message()),
                        withRetryAfter(headers, admission.retryAfter()));
                return;
            }
        }
        if (options.capacity() > 0 && !pendingAnswer.serve(options.capacity())) {
            reply(exchange, pendingAnswer, 529, error("overloaded_error", "Overloaded"), headers);
            return;
        }
        Optional<SimulatedFault> fault = options.faults().next(simulated);
        if (fault.isPresent()) {
            SimulatedFault f = fault.get();
            // an error takes the API's time too: it arrives after the latency, plus the fault's own delay
            answerLater(exchange, pendingAnswer, f.status(), error(f.errorType(), f.message(), f.errorCode()),
                    withRetryAfter(headers, f.retryAfter()), latency(entry, 0).plus(f.delay()));
            return;
        }
        cacheAsked.breakpoint().ifPresent(breakpoint -> promptCache.store(key, entry.id(), breakpoint, now));
        if (input.cacheCreation() > 0) {
            promptCacheWrites.incrementAndGet();
        }
        if (input.cacheRead() > 0) {
            promptCacheReads.incrementAndGet();
        }
        thinkingTokens.addAndGet(answer.thinkingTokens());
        if (answer.refused()) {
            refused.incrementAndGet();
        } else if (answer.truncated()) {
            truncated.incrementAndGet();
        }
        answerLater(exchange, pendingAnswer, 200, message(simulated, answer, input), headers,
                latency(entry, answer.outputTokens()));
    }

    /**
     * The input side of a request's usage: uncached input tokens, prompt-cache writes (5-minute and
     * 1-hour) and reads. With {@link SimulatorOptions#cacheUsage()} its fixed figures (writes as
     * 5-minute writes); else, when the request has a cache breakpoint whose prefix reaches the model's
     * minimum, a read if the key's cache holds the prefix, a write if not, and the input tokens are
     * those after the prefix.
     */
    private InputUsage inputUsage(CatalogEntry entry, SimulatedRequest request,
            Optional<PromptCache.Breakpoint> breakpoint, String apiKey, Instant now) {
        long whole = entry.estimateTokens((long) request.system().length() + request.content().length());
        if (options.cacheUsage().isPresent()) {
            CacheUsage fixed = options.cacheUsage().get();
            return new InputUsage(whole, fixed.creationInputTokens(), 0, fixed.readInputTokens());
        }
        if (breakpoint.isEmpty()) {
            return new InputUsage(whole, 0, 0, 0);
        }
        PromptCache.Breakpoint cached = breakpoint.get();
        long prefixTokens = entry.estimateTokens(cached.prefix().length());
        if (prefixTokens < entry.minCacheableTokens()) {
            return new InputUsage(whole, 0, 0, 0); // too short to cache: not cached, not an error
        }
        long rest = Math.max(0, request.system().length() - cached.prefix().length()) + request.content().length();
        long after = entry.estimateTokens(rest);
        if (promptCache.lookup(apiKey, entry.id(), cached.prefix(), now)) {
            return new InputUsage(after, 0, 0, prefixTokens);
        }
        return cached.oneHour() ? new InputUsage(after, 0, prefixTokens, 0) : new InputUsage(after, prefixTokens, 0, 0);
    }

    /** Uncached input tokens, prompt-cache writes with a 5-minute and a 1-hour lifetime, and reads. */
    private record InputUsage(long inputTokens, long cacheWrite5m, long cacheWrite1h, long cacheRead) {

        long cacheCreation() {
            return cacheWrite5m + cacheWrite1h;
        }
    }

    /**
     * The answer a request gets: its thinking (tokens, whether a thinking block comes first, and the
     * block's text), its text, output tokens (thinking included) and stop reason. A refusal has no
     * content; an answer longer than the request's {@code max_tokens} is cut there.
     */
    private record Answer(long thinkingTokens, boolean thinks, String thinkingText, String text, long outputTokens,
            String stopReason) {

        static final Answer REFUSED = new Answer(0, false, "", "", 0, "refusal");

        /**
         * Thinking first: when its tokens reach {@code maxTokens} the answer is the thinking alone, cut at
         * {@code maxTokens} ({@code max_tokens}). Else {@code text} whole ({@code end_turn}) when its tokens
         * fit what thinking left of {@code maxTokens}, or its longest start that fits ({@code max_tokens},
         * exactly {@code maxTokens} output tokens).
         */
        static Answer capped(String text, ModelRules.Thought thought, String thinkingText, long maxTokens,
                CatalogEntry entry) {
            long thinking = thought.tokens();
            if (thought.thinks() && thinking >= maxTokens) {
                return new Answer(maxTokens, true, thinkingText, "", maxTokens, "max_tokens");
            }
            long budget = maxTokens - thinking;
            long tokens = entry.estimateTokens(text.length());
            if (tokens <= budget) {
                return new Answer(thinking, thought.thinks(), thinkingText, text, thinking + tokens, "end_turn");
            }
            int end = (int) Math.min(text.length(), charsWithin(budget, entry));
            if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--; // never half a character
            }
            return new Answer(thinking, thought.thinks(), thinkingText, text.substring(0, end), maxTokens,
                    "max_tokens");
        }

        /** The most characters whose tokens stay within {@code tokens}, at the model's tokenizer. */
        private static long charsWithin(long tokens, CatalogEntry entry) {
            long chars = (long) Math.floor(tokens / entry.tokenizerFactor()) * CHARS_PER_TOKEN;
            while (chars > 0 && entry.estimateTokens(chars) > tokens) {
                chars--;
            }
            return chars;
        }

        boolean refused() {
            return stopReason.equals("refusal");
        }

        boolean truncated() {
            return stopReason.equals("max_tokens");
        }
    }

    /** {@code headers} plus {@code retry-after} in whole seconds, rounded up, when one is given. */
    private static Map<String, String> withRetryAfter(Map<String, String> headers, Optional<Duration> retryAfter) {
        if (retryAfter.isEmpty()) {
            return headers;
        }
        Map<String, String> with = new LinkedHashMap<>(headers);
        with.put(RETRY_AFTER, Long.toString(Math.max(0, (retryAfter.get().toMillis() + 999) / 1000)));
        return with;
    }

    private ObjectNode message(SimulatedRequest request, Answer answer, InputUsage input) {
        ObjectNode message = json.createObjectNode();
        message.put("id", "msg_sim_" + messageId(request));
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", options.answeringModel(request.model()));
        ArrayNode content = message.putArray("content");
        if (answer.thinks()) {
            content.addObject().put("type", "thinking").put("thinking", answer.thinkingText())
                    .put("signature", SimulatedThinking.signature(request.model(), request.system(), request.content()));
        }
        if (!answer.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", answer.text());
        }
        message.put("stop_reason", answer.stopReason());
        message.putNull("stop_sequence");
        if (answer.refused()) {
            ObjectNode details = message.putObject("stop_details");
            details.put("type", "refusal");
            details.putNull("category");
            details.put("explanation", REFUSAL_EXPLANATION);
        }
        ObjectNode usage = message.putObject("usage");
        usage.put("input_tokens", input.inputTokens());
        usage.put("output_tokens", answer.outputTokens());
        usage.put("cache_creation_input_tokens", input.cacheCreation());
        usage.put("cache_read_input_tokens", input.cacheRead());
        usage.putObject("cache_creation")
                .put("ephemeral_5m_input_tokens", input.cacheWrite5m())
                .put("ephemeral_1h_input_tokens", input.cacheWrite1h());
        usage.putObject("output_tokens_details").put("thinking_tokens", answer.thinkingTokens());
        return message;
    }

    /**
     * {@code GET /v1/models} and {@code GET /v1/models/{model_id}}: the catalog's models that answer
     * today, in the API's {@code ModelInfo} shape; the key is required as for Messages.
     */
    private void handleModels(HttpExchange exchange, String path) {
        if (!"GET".equals(exchange.getRequestMethod())) {
            reply(exchange, null, 405, error("invalid_request_error",
                    "Method not allowed: " + exchange.getRequestMethod()), Map.of());
            return;
        }
        if (apiKey(exchange).isEmpty()) {
            reply(exchange, null, 401, missingKey(), Map.of());
            return;
        }
        if (MODELS_PATH.equals(path)) {
            reply(exchange, null, 200, modelList(exchange.getRequestURI().getRawQuery()), Map.of());
            return;
        }
        String id = path.substring(MODELS_PATH.length() + 1);
        Optional<CatalogEntry> entry = options.answering(id);
        if (entry.isEmpty()) {
            reply(exchange, null, 404, error("not_found_error", "model: " + id), Map.of());
            return;
        }
        reply(exchange, null, 200, modelInfo(entry.get()), Map.of());
    }

    /** The models that answer today, in catalog order, a page at a time ({@code limit}, {@code after_id}, {@code before_id}). */
    private ObjectNode modelList(String rawQuery) {
        Map<String, String> query = query(rawQuery);
        List<CatalogEntry> answering = options.catalog().entries().stream()
                .filter(entry -> entry.names().stream().anyMatch(options::knows))
                .toList();
        int from = 0;
        int to = answering.size();
        String afterId = query.get("after_id");
        String beforeId = query.get("before_id");
        for (int i = 0; i < answering.size(); i++) {
            if (answering.get(i).id().equals(afterId)) {
                from = i + 1;
            }
            if (answering.get(i).id().equals(beforeId)) {
                to = i;
            }
        }
        int limit = MODELS_PAGE;
        try {
            limit = Math.max(1, Math.min(MODELS_PAGE_MAX, Integer.parseInt(query.getOrDefault("limit", "20"))));
        } catch (NumberFormatException e) {
            // the API answers 400; a simulator may as well give the default page
        }
        // after_id (or neither) pages forwards from the start; before_id alone pages backwards from it
        boolean backwards = beforeId != null && afterId == null;
        int first = backwards ? Math.max(from, to - limit) : from;
        int last = backwards ? to : Math.min(to, from + limit);
        List<CatalogEntry> page = first < last ? answering.subList(first, last) : List.of();
        ObjectNode list = json.createObjectNode();
        ArrayNode data = list.putArray("data");
        page.forEach(entry -> data.add(modelInfo(entry)));
        if (page.isEmpty()) {
            list.putNull("first_id");
            list.putNull("last_id");
        } else {
            list.put("first_id", page.get(0).id());
            list.put("last_id", page.get(page.size() - 1).id());
        }
        list.put("has_more", backwards ? first > from : last < to);
        return list;
    }

    private ObjectNode modelInfo(CatalogEntry entry) {
        Lifecycle lifecycle = entry.lifecycleOn(options.today());
        ObjectNode info = json.createObjectNode();
        info.put("type", "model");
        info.put("id", entry.id());
        info.put("display_name", entry.displayName());
        info.put("created_at", MODEL_CREATED_AT);
        info.put("max_input_tokens", entry.contextWindow());
        info.put("max_tokens", entry.maxOutputTokens());
        info.put("lifecycle", lifecycle == Lifecycle.DEPRECATED ? "deprecated" : "active"); // legacy is active
        entry.retires().ifPresentOrElse(day -> info.put("retires_at", day + "T00:00:00Z"),
                () -> info.putNull("retires_at"));
        return info;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            query.put(name, value);
        }
        return query;
    }

    private static String messageId(SimulatedRequest request) {
        long hash = 1125899906842597L;
        for (char c : (request.model() + '\0' + request.system() + '\0' + request.content()).toCharArray()) {
            hash = 31 * hash + c;
        }
        return HexFormat.of().toHexDigits(hash) + HexFormat.of().toHexDigits(request.sequence());
    }

    private ObjectNode missingKey() {
        return error("authentication_error", "missing API key: send x-api-key or Authorization: Bearer");
    }
    private ObjectNode error(String type, String message) {
        return error(type, message, Optional.empty());
    }

    /** Anthropic's error shape; its top-level {@code request_id} is added when it is sent. */
    private ObjectNode error(String type, String message, Optional<String> errorCode) {
        ObjectNode root = json.createObjectNode();
        root.put("type", "error");
        ObjectNode error = root.putObject("error").put("type", type).put("message", message);
        errorCode.ifPresent(code -> error.putObject("details").put("error_code", code));
        return root;
    }

    /** Answers now; {@code request} is {@code null} for requests not counted in flight. */
    private void reply(HttpExchange exchange, Pending request, int status, ObjectNode body,
            Map<String, String> headers) {
        send(exchange, request, status, body, headers);
    }

    /**
     * The answer to an admitted request: sent after {@code delay}, and not before
     * {@link #releaseAnswers()} while answers are held.
     */
    private void answerLater(HttpExchange exchange, Pending request, int status, ObjectNode body,
            Map<String, String> headers, Duration delay) {
        Runnable send = () -> send(exchange, request, status, body, headers);
        Runnable due = () -> {
            CompletableFuture<Void> released = release.get();
            if (released.isDone()) {
                send.run();
                return;
            }
            released.thenRun(() -> {
                try {
                    scheduler.execute(send);
                } catch (RejectedExecutionException closed) {
                    answered(request);
                    exchange.close();
                }
            });
        };
        if (delay.isZero()) {
            due.run();
            return;
        }
        try {
            scheduler.schedule(due, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            answered(request);
            exchange.close();
        }
    }

    private void send(HttpExchange exchange, Pending request, int status, ObjectNode body,
            Map<String, String> headers) {
        try (exchange) {
            String requestId = "req_sim_" + Long.toHexString(System.nanoTime());
            if ("error".equals(body.path("type").asText())) {
                body.put(REQUEST_ID, requestId); // the API's error bodies carry it, besides the header
            }
            byte[] bytes = json.writeValueAsBytes(body);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.getResponseHeaders().set("request-id", requestId);
            headers.forEach(exchange.getResponseHeaders()::set);
            counted(request, status);
            // From here on the answer is on its way: a client that has it never finds it counted.
            answered(request);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
            // the retry-after runs from when it was sent: calls already on their way are not inside it
            runs(request, headers.get(RETRY_AFTER));
        } catch (IOException e) {
            LOG.debug("client went away before the simulator answered: {}", e.toString());
        } finally {
            answered(request);
        }
    }

    /** Counts a 429 or 529, before it is sent. */
    private void counted(Pending request, int status) {
        if (status == 429) {
            rateLimited.incrementAndGet();
        } else if (status == 529) {
            overloaded.incrementAndGet();
        }
    }

    /** Remembers the {@code retry-after} deadline of the request's key, once the answer is sent. */
    private void runs(Pending request, String retryAfterSeconds) {
        String key = request == null ? null : request.apiKey;
        if (retryAfterSeconds != null && key != null) {
            Instant deadline = options.clock().instant().plusSeconds(Long.parseLong(retryAfterSeconds));
            retryAfterDeadlines.merge(key, deadline, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    private static void answered(Pending request) {
        if (request != null) {
            request.answered();
        }
    }

    /**
     * How long an answer of {@code outputTokens} tokens from {@code entry} takes: the fixed latency, or the
     * model's latency profile times the scale; plus up to the jitter.
     */
    private Duration latency(CatalogEntry entry, long outputTokens) {
        long jitterNanos = options.jitter().toNanos();
        long extra = jitterNanos > 0 ? ThreadLocalRandom.current().nextLong(jitterNanos + 1) : 0;
        Duration base = switch (options.latencyMode()) {
            case FIXED -> options.latency();
            case CATALOG -> Duration.ofNanos(Math.round(
                    entry.latency().answerTime(outputTokens).toNanos() * options.latencyScale()));
        };
        return base.plusNanos(extra);
    }

    private static String describeLatency(SimulatorOptions options) {
        return switch (options.latencyMode()) {
            case FIXED -> options.latency() + " latency";
            case CATALOG -> "catalog latency profiles x " + options.latencyScale();
        };
    }

    /** The key from {@code x-api-key} or {@code Authorization: Bearer}, if a non-blank one is sent. */
    private static Optional<String> apiKey(HttpExchange exchange) {
        String apiKey = exchange.getRequestHeaders().getFirst("x-api-key");
        if (apiKey != null && !apiKey.isBlank()) {
            return Optional.of(apiKey.strip());
        }
        String authorization = exchange.getRequestHeaders().getFirst("authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && !authorization.substring(7).isBlank()) {
            return Optional.of(authorization.substring(7).strip());
        }
        return Optional.empty();
    }

    private static Optional<String> validate(JsonNode request) {
        if (request == null || !request.isObject()) {
            return Optional.of("body: must be a JSON object");
        }
        JsonNode model = request.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            return Optional.of("model: Field required");
        }
        JsonNode maxTokens = request.get("max_tokens");
        if (maxTokens == null || !maxTokens.canConvertToLong() || !maxTokens.isIntegralNumber()
                || maxTokens.asLong() <= 0) {
            return Optional.of("max_tokens: must be an integer greater than 0");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return Optional.of("messages: at least one message is required");
        }
        JsonNode first = messages.get(0);
        if (!first.isObject() || !first.has("content")) {
            return Optional.of("messages.0.content: Field required");
        }
        return Optional.empty();
    }

    private static String systemText(JsonNode system) {
        return system == null || system.isNull() ? "" : textOf(system);
    }

    /** The text of a string or of an array of content blocks (their text fields joined). */
    private static String textOf(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            JsonNode part = block.get("text");
            if (part != null && part.isTextual()) {
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(part.asText());
            }
        }
        return text.toString();
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JsonProcessingException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    private static Map<String, String> headersOf(HttpExchange exchange) {
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            if (!header.getValue().isEmpty()) {
                headers.put(header.getKey().toLowerCase(Locale.ROOT), header.getValue().get(0));
            }
        }
        return headers;
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicLong count = new AtomicLong();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public String toString() {
        return "ClaudeSimulator[" + baseUrl() + ", " + describeLatency(options) + "]";
    }
}
