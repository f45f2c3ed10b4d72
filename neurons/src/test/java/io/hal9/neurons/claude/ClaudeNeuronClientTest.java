package io.hal9.neurons.claude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.simulator.CacheUsage;
import io.hal9.neurons.simulator.ClaudeSimulator;
import io.hal9.neurons.simulator.RecordedRequest;
import io.hal9.neurons.simulator.SimulatedFault;
import io.hal9.neurons.simulator.SimulatorFixture;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.neurons.testing.TestSettings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ClaudeNeuronClient through the real anthropic-java SDK against the simulator over HTTP. */
class ClaudeNeuronClientTest {

    /** L3 on a model the simulator answers today (the bundled default may be a retired one). */
    private static final LayerProfile L3 = LayerProfile.defaults("L3").withModel("claude-sonnet-5-5");

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private void start(SimulatorOptions options, Duration timeout) {
        fixture.start(options);
        fixture.client(timeout);
    }

    private void start(SimulatorOptions options) {
        start(options, Duration.ofSeconds(10));
    }

    private void startWithFault(SimulatedFault fault) {
        start(SimulatorOptions.defaults().withFaults(request -> Optional.of(fault)));
    }

    private static LayerProfile withSystemPrompt(LayerProfile profile, String prompt) {
        return new LayerProfile(profile.layer(), profile.role(), profile.neuron(), profile.model(), profile.maxTokens(),
                profile.effort(), profile.promptVersion() + "-long", prompt);
    }

    private static NeuronReply replyOf(CompletableFuture<NeuronReply> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    private static NeuronException failureOf(CompletableFuture<NeuronReply> future) {
        Throwable thrown = catchThrowable(() -> future.get(10, TimeUnit.SECONDS));
        assertThat(thrown).isInstanceOf(ExecutionException.class);
        assertThat(thrown.getCause()).isInstanceOf(NeuronException.class);
        NeuronException failure = (NeuronException) thrown.getCause();
        assertThat(failure.getMessage()).doesNotContain(SimulatorFixture.KEY);
        return failure;
    }

    @Test
    void shouldAnswerWithTheLayerRoleAppliedToTheContent() throws Exception {
        start(SimulatorOptions.defaults());

        NeuronReply reply =
                replyOf(fixture.client().ask(new NeuronRequest(L3, "Build a login page with two-factor auth")));

        assertThat(reply.text()).startsWith("L3 Operational:").contains("Build a login page with two-factor auth");
        // the model that answered, as the API names it: a dateless 5.x id is itself a pinned snapshot
        assertThat(reply.model()).isEqualTo("claude-sonnet-5-5");
        assertThat(reply.inputTokens()).isPositive();
        assertThat(reply.outputTokens()).isPositive();
        assertThat(reply.stopReason()).isEqualTo("end_turn");
        assertThat(reply.latencyMs()).isGreaterThanOrEqualTo(0);
        assertThat(fixture.client().requestCount()).isEqualTo(1);
        assertThat(fixture.simulator().requestCount()).isEqualTo(1);
    }

    @Test
    void shouldSendSystemPromptModelMaxTokensAndOneUserMessage() throws Exception {
        start(SimulatorOptions.defaults());
        LayerProfile l2 = LayerProfile.defaults("L2").withMaxTokens(512);

        replyOf(fixture.client().ask(new NeuronRequest(l2, "rename the config key")));

        RecordedRequest received = fixture.simulator().lastRequest().orElseThrow();
        JsonNode body = received.body();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.path()).isEqualTo("/v1/messages");
        assertThat(body.get("model").asText()).isEqualTo("claude-haiku-5-5");
        assertThat(body.get("max_tokens").asLong()).isEqualTo(512);
        assertThat(body.get("system").asText()).isEqualTo(l2.systemPrompt());
        assertThat(body.get("messages")).hasSize(1);
        assertThat(body.get("messages").get(0).get("role").asText()).isEqualTo("user");
        assertThat(body.get("messages").get(0).get("content").asText()).isEqualTo("rename the config key");
        assertThat(received.header("authorization").or(() -> received.header("x-api-key")))
                .hasValueSatisfying(value -> assertThat(value).contains(SimulatorFixture.KEY));
    }

    @Test
    void shouldAskForTheProfilesEffortAndSendNoSamplingParameters() throws Exception {
        start(SimulatorOptions.defaults());

        replyOf(fixture.client().ask(new NeuronRequest(L3, "Split the migration")));

        // the 5.x models reject temperature, top_p and top_k with 400: none is ever sent; thinking stays adaptive
        JsonNode body = fixture.simulator().lastRequest().orElseThrow().body();
        assertThat(body.path("output_config").path("effort").asText()).isEqualTo("medium");
        assertThat(body.has("temperature")).isFalse();
        assertThat(body.has("top_p")).isFalse();
        assertThat(body.has("top_k")).isFalse();
        assertThat(body.has("thinking")).isFalse();
    }

    @Test
    void shouldSendNoEffortToAModelThatTakesNone() throws Exception {
        start(SimulatorOptions.defaults());
        LayerProfile haiku45 = LayerProfile.defaults("L2").withModel("claude-haiku-4-5").withEffort("low");

        replyOf(fixture.client().ask(new NeuronRequest(haiku45, "rename the config key")));

        assertThat(fixture.simulator().lastRequest().orElseThrow().body().has("output_config")).isFalse();
    }

    @Test
    void shouldTurnOnPromptCachingOnlyForASystemPromptTheModelCanCache() throws Exception {
        start(SimulatorOptions.defaults());
        // claude-sonnet-5-5 caches prompts of 512 tokens and more; its tokenizer counts ~1.3 tokens per 4 characters
        LayerProfile longPrompt = withSystemPrompt(L3, "You are a HAL9 L3 Operational neuron.\n"
                + "Follow the house rules for work items. ".repeat(60));

        replyOf(fixture.client().ask(new NeuronRequest(longPrompt, "Split the migration")));
        JsonNode cached = fixture.simulator().lastRequest().orElseThrow().body();
        replyOf(fixture.client().ask(new NeuronRequest(L3, "Split the migration")));
        JsonNode shortPrompt = fixture.simulator().lastRequest().orElseThrow().body();

        // automatic caching: one top-level cache_control, 5 minutes unless told otherwise
        assertThat(cached.path("cache_control").path("type").asText()).isEqualTo("ephemeral");
        assertThat(cached.path("cache_control").has("ttl")).isFalse();
        // the bundled L3 prompt is below the minimum: the field would cache nothing
        assertThat(shortPrompt.has("cache_control")).isFalse();

        ClaudeNeuronClient hourly = fixture.closing(new ClaudeNeuronClient(TestSettings.claude(SimulatorFixture.KEY,
                fixture.baseUrl(), Duration.ofSeconds(10), 0).withPromptCaching(PromptCaching.ONE_HOUR)));
        replyOf(hourly.ask(new NeuronRequest(longPrompt, "Split the migration")));
        assertThat(fixture.simulator().lastRequest().orElseThrow().body().path("cache_control").path("ttl").asText())
                .isEqualTo("1h");
        ClaudeNeuronClient off = fixture.closing(new ClaudeNeuronClient(TestSettings.claude(SimulatorFixture.KEY,
                fixture.baseUrl(), Duration.ofSeconds(10), 0).withPromptCaching(PromptCaching.OFF)));
        replyOf(off.ask(new NeuronRequest(longPrompt, "Split the migration")));
        assertThat(fixture.simulator().lastRequest().orElseThrow().body().has("cache_control")).isFalse();
    }

    @Test
    void shouldSayAnAnswerCutAtMaxTokensIsIncomplete() throws Exception {
        start(SimulatorOptions.defaults());

        // a model that does not think unless asked, at four characters a token: 5 tokens are 20 characters
        LayerProfile cut = L3.withModel("claude-haiku-4-5").withMaxTokens(5);

        NeuronReply reply = replyOf(fixture.client().ask(new NeuronRequest(cut, "Plan the rollout")));

        assertThat(reply.stopReason()).isEqualTo(NeuronReply.MAX_TOKENS);
        assertThat(reply.outputTokens()).isEqualTo(5);
        assertThat(reply.text()).hasSize(20);
        assertThat(reply.truncated()).isTrue();
        assertThat(reply.refused()).isFalse();
        assertThat(reply.complete()).isFalse();
        assertThat(reply.stopDetails()).isNull();
    }

    @Test
    void shouldSayARefusalIsIncompleteAndWhyClaudeRefused() throws Exception {
        start(SimulatorOptions.defaults().withRefusals(1.0, 3));

        NeuronReply reply = replyOf(fixture.client().ask(new NeuronRequest(L3, "Plan the rollout")));

        assertThat(reply.stopReason()).isEqualTo(NeuronReply.REFUSAL);
        assertThat(reply.text()).isEmpty();
        assertThat(reply.outputTokens()).isZero();
        assertThat(reply.refused()).isTrue();
        assertThat(reply.truncated()).isFalse();
        assertThat(reply.complete()).isFalse();
        assertThat(reply.stopDetails()).isEqualTo(ClaudeSimulator.REFUSAL_EXPLANATION);
    }

    @Test
    void shouldSayAWholeAnswerIsComplete() throws Exception {
        start(SimulatorOptions.defaults());

        NeuronReply reply = replyOf(fixture.client().ask(new NeuronRequest(L3, "Plan the rollout")));

        assertThat(reply.stopReason()).isEqualTo(NeuronReply.END_TURN);
        assertThat(reply.complete()).isTrue();
        assertThat(reply.stopDetails()).isNull();
    }

    @Test
    void shouldGiveTheSameTextForTheSameRequest() throws Exception {
        start(SimulatorOptions.defaults());
        NeuronRequest request = new NeuronRequest(LayerProfile.defaults("L4").withModel("claude-sonnet-5-5"), "Migrate billing to the new cluster");

        NeuronReply first = replyOf(fixture.client().ask(request));
        NeuronReply second = replyOf(fixture.client().ask(request));

        assertThat(first.text()).startsWith("L4 Tactical:").isEqualTo(second.text());
    }

    @Test
    void shouldAnswerFiftyConcurrentCallsWithoutSerializingThem() throws Exception {
        start(SimulatorOptions.defaults().withLatency(Duration.ofMillis(200)));
        LayerProfile l2 = LayerProfile.defaults("L2");

        List<CompletableFuture<NeuronReply>> calls = IntStream.range(0, 50)
                .mapToObj(i -> fixture.client().ask(new NeuronRequest(l2, "task " + i)))
                .toList();

        // 50 x 200 ms serialized would take 10 s; concurrent answers finish in well under 5 s.
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(calls).allSatisfy(call -> assertThat(call.join().text()).startsWith("L2 Implementation:"));
        assertThat(fixture.simulator().requestCount()).isEqualTo(50);
    }

    @Test
    void shouldMapUnauthorizedToAuth() {
        startWithFault(SimulatedFault.of(401, "authentication_error", "invalid x-api-key"));

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.AUTH);
        assertThat(failure.httpStatus()).isEqualTo(401);
        assertThat(failure.category().countsAgainstBreaker()).isFalse();
    }

    @Test
    void shouldMapInvalidRequestToClientError() {
        start(SimulatorOptions.defaults());

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3.withModel(""), "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.CLIENT_ERROR);
        assertThat(failure.httpStatus()).isEqualTo(400);
        assertThat(failure.getMessage()).contains("model");
        assertThat(failure.category().retryable()).isFalse();
    }

    @Test
    void shouldMapAnUnknownModelToModelNotFoundNamingTheModelAndTheRequestId() {
        start(SimulatorOptions.defaults().withModels(Set.of("claude-haiku-4-5")));

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.MODEL_NOT_FOUND);
        assertThat(failure.httpStatus()).isEqualTo(404);
        assertThat(failure.getMessage()).contains("unknown model claude-sonnet-5-5")
                .containsPattern("request_id req_\\w+");
        assertThat(failure.category().retryable()).isFalse();
        assertThat(failure.category().countsAgainstBreaker()).isFalse();
    }

    @Test
    void shouldMapPaymentRequiredToBilling() {
        startWithFault(SimulatedFault.billing());

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.BILLING);
        assertThat(failure.httpStatus()).isEqualTo(402);
        assertThat(failure.getMessage()).contains("credit balance").contains("request_id req_");
    }

    @Test
    void shouldMapAReachedSpendLimitToBillingNotToARateLimit() {
        startWithFault(SimulatedFault.spendLimit());

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.BILLING);
        assertThat(failure.httpStatus()).isEqualTo(429);
        assertThat(failure.retryAfter()).isEmpty();
        assertThat(failure.getMessage()).contains("spend limit reached (enforced_spend_limit_reached)");
        assertThat(failure.category().asksForLessConcurrency()).isFalse();
    }

    @Test
    void shouldNameTheRequestIdOfAnyErrorAnswer() {
        startWithFault(SimulatedFault.serverError());

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.getMessage()).startsWith("Claude answered HTTP 500: Internal server error (request_id req_");
    }

    @Test
    void shouldCarryThePromptCacheTokensOfTheAnswer() throws Exception {
        start(SimulatorOptions.defaults().withCacheUsage(new CacheUsage(1_500, 30_000)));

        NeuronReply reply = replyOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(reply.cacheCreationInputTokens()).isEqualTo(1_500);
        assertThat(reply.cacheReadInputTokens()).isEqualTo(30_000);
        assertThat(reply.asCached().cacheReadInputTokens()).isEqualTo(30_000);
    }

    @Test
    void shouldMapOverloadedToOverloaded() {
        startWithFault(SimulatedFault.overloaded());

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.OVERLOADED);
        assertThat(failure.httpStatus()).isEqualTo(529);
        assertThat(failure.retryAfter()).isEmpty();
        assertThat(fixture.simulator().requestCount()).isEqualTo(1);
    }

    @Test
    void shouldMapRateLimitToRateLimitedWithRetryAfter() {
        startWithFault(SimulatedFault.rateLimited(Duration.ofSeconds(7)));

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.RATE_LIMITED);
        assertThat(failure.httpStatus()).isEqualTo(429);
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(7));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {408, 429, 500, 503, 529})
    void shouldReadRetryAfterWhateverTheStatus(int status) {
        startWithFault(new SimulatedFault(status, "api_error", "busy", Optional.of(Duration.ofSeconds(2)),
                Duration.ZERO));

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.httpStatus()).isEqualTo(status);
        assertThat(failure.retryAfter()).contains(Duration.ofSeconds(2));
    }

    @Test
    void shouldMapAnAnswerSlowerThanTheTimeoutToTimeout() {
        start(SimulatorOptions.defaults().withFaults(request -> Optional.of(SimulatedFault.hang(Duration.ofSeconds(2)))),
                Duration.ofMillis(300));

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.TIMEOUT);
        assertThat(failure.httpStatus()).isZero();
    }

    @Test
    void shouldReturnBeforeTheAnswerArrives() throws Exception {
        start(SimulatorOptions.defaults().withLatency(Duration.ofSeconds(1)));

        CompletableFuture<NeuronReply> call = fixture.client().ask(new NeuronRequest(L3, "anything"));

        assertThat(call).isNotDone();
        assertThat(replyOf(call).text()).startsWith("L3 Operational:");
    }

    @Test
    void shouldFailWithAuthWithoutCallingWhenNoKeyIsConfigured() {
        fixture.start(SimulatorOptions.defaults());
        fixture.client(TestSettings.claude(null, fixture.baseUrl(), Duration.ofSeconds(5), 0));

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.AUTH);
        assertThat(fixture.simulator().requestCount()).isZero();
    }

    @Test
    void shouldSayInPlainWordsWhenTheApiHostCannotBeResolved() {
        // .invalid never resolves (RFC 2606): the same failure as a pod with no DNS route to api.anthropic.com
        fixture.start(SimulatorOptions.defaults());
        fixture.client(TestSettings.claude(SimulatorFixture.KEY, "http://api.hal9-test.invalid", Duration.ofSeconds(5),
                0));

        NeuronException failure = failureOf(fixture.client().ask(new NeuronRequest(L3, "anything")));

        assertThat(failure.category()).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(failure.getMessage()).startsWith("I/O failure calling Claude: cannot resolve api.hal9-test.invalid")
                .contains("UnknownHostException")
                .doesNotContain(SimulatorFixture.KEY);
    }
}
