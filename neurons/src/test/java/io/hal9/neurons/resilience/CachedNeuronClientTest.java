package io.hal9.neurons.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.NeuronReply;
import io.hal9.neurons.NeuronRequest;
import io.hal9.neurons.claude.ClaudeNeuronClient;
import io.hal9.neurons.simulator.FaultPlans;
import io.hal9.neurons.simulator.SimulatedFault;
import io.hal9.neurons.simulator.SimulatorFixture;
import io.hal9.neurons.simulator.SimulatorOptions;
import io.hal9.neurons.testing.TestSettings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CachedNeuronClient over the real SDK (ClaudeNeuronClient, no SDK retries) against the simulator over HTTP. */
class CachedNeuronClientTest {

    /** L3 on a model the simulator answers today (the bundled default may be a retired one). */
    private static final LayerProfile L3 = LayerProfile.defaults("L3").withModel("claude-sonnet-5-5");
    private static final String FAIL_MARKER = "[fail-here]";

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();
    private CachedNeuronClient cache;

    private void start(SimulatorOptions options, CacheSettings settings) {
        fixture.start(options);
        cache = fixture.closing(new CachedNeuronClient(fixture.client(Duration.ofSeconds(10)), settings, "L3"));
    }

    private void start() {
        start(SimulatorOptions.defaults(), TestSettings.cache("L3"));
    }

    private NeuronReply ask(NeuronRequest request) throws Exception {
        return cache.ask(request).get(10, TimeUnit.SECONDS);
    }

    private NeuronReply ask(String content) throws Exception {
        return ask(new NeuronRequest(L3, content));
    }

    @Test
    void shouldCallClaudeOnceForRepeatedContent() throws Exception {
        start();

        NeuronReply first = ask("Design the checkout flow");
        NeuronReply second = ask("Design the checkout flow");

        assertThat(fixture.simulator().requestCount()).isEqualTo(1);
        assertThat(first.cached()).isFalse();
        assertThat(second.cached()).isTrue();
        assertThat(second.text()).isEqualTo(first.text());
        assertThat(second).isEqualTo(first.asCached());
        assertThat(cache.requestCount()).isEqualTo(1);
    }

    @Test
    void shouldTreatContentThatDiffersOnlyInWhitespaceAsTheSame() throws Exception {
        start();

        ask("Design the   checkout\n\tflow");
        NeuronReply again = ask("  Design the checkout flow \n");

        assertThat(again.cached()).isTrue();
        assertThat(fixture.simulator().requestCount()).isEqualTo(1);
    }

    @Test
    void shouldNormalizeEveryCharacterAsUnicodeWhitespaceDoes() {
        Pattern whitespace = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            // each character alone between words, after a space, and at both ends
            for (String content : List.of("a" + c + "b", "a " + c + "b", c + "a b" + c)) {
                assertThat(CachedNeuronClient.normalize(content))
                        .as("U+%04X in \"%s\"", (int) c, content)
                        .isEqualTo(whitespace.matcher(content).replaceAll(" ").strip());
            }
        }
    }

    @Test
    void shouldKeepCaseSignificant() throws Exception {
        start();

        ask("Deploy to US");
        NeuronReply other = ask("deploy to us");

        assertThat(other.cached()).isFalse();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
    }

    @Test
    void shouldMissOnAnotherModelPromptVersionMaxTokensEffortOrFeatures() throws Exception {
        start();
        String content = "Split the migration into steps";
        ask(new NeuronRequest(L3, content, Map.of("urgency", 0.5)));

        List<NeuronRequest> different = List.of(
                new NeuronRequest(L3.withModel("claude-haiku-5-5"), content, Map.of("urgency", 0.5)),
                new NeuronRequest(new LayerProfile("L3", L3.role(), L3.neuron(), L3.model(), L3.maxTokens(),
                        L3.effort(), L3.promptVersion() + "-next", L3.systemPrompt()), content, Map.of("urgency", 0.5)),
                new NeuronRequest(L3.withMaxTokens(L3.maxTokens() + 1), content, Map.of("urgency", 0.5)),
                new NeuronRequest(L3.withEffort("max"), content, Map.of("urgency", 0.5)),
                new NeuronRequest(L3, content, Map.of("urgency", 0.75)),
                new NeuronRequest(L3, content, Map.of("urgency", 0.5, "risk", 1.0)),
                new NeuronRequest(L3, content));
        for (NeuronRequest request : different) {
            assertThat(ask(request).cached()).as(request.toString()).isFalse();
        }

        assertThat(fixture.simulator().requestCount()).isEqualTo(1 + different.size());
        // the same features in another order are the same work
        assertThat(ask(new NeuronRequest(L3, content, Map.of("risk", 1.0, "urgency", 0.5))).cached()).isTrue();
        assertThat(fixture.simulator().requestCount()).isEqualTo(1 + different.size());
    }

    @Test
    void shouldCallAgainOnceTheTtlHasPassed() throws Exception {
        // the TTL runs on a ticker only this test moves, so a slow call or a slow machine changes nothing
        AtomicLong nanos = new AtomicLong();
        fixture.start(SimulatorOptions.defaults());
        cache = fixture.closing(new CachedNeuronClient(fixture.client(Duration.ofSeconds(10)),
                TestSettings.cache("L3").withTtl(Duration.ofMillis(300)), "L3", nanos::get));
        ask("Plan the rollout");
        assertThat(ask("Plan the rollout").cached()).isTrue();
        // the cache stamps the answer once its call completed, on the thread that completed it
        await().atMost(Duration.ofSeconds(10)).until(() -> cache.age(new NeuronRequest(L3, "Plan the rollout")),
                age -> age.equals(Optional.of(Duration.ZERO)));

        nanos.addAndGet(Duration.ofMillis(299).toNanos());
        assertThat(ask("Plan the rollout").cached()).as("299 ms after it was written").isTrue();
        assertThat(fixture.simulator().requestCount()).isEqualTo(1);

        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(ask("Plan the rollout").cached()).as("300 ms after it was written").isFalse();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
        assertThat(ask("Plan the rollout").cached()).as("the new answer is cached again").isTrue();
    }

    @Test
    void shouldMakeOneCallForIdenticalRequestsInFlightAtOnce() throws Exception {
        start();
        // the call stays in flight until every ask has joined it
        fixture.simulator().holdAnswers();

        List<CompletableFuture<NeuronReply>> asks = IntStream.range(0, 50)
                .mapToObj(i -> cache.ask(new NeuronRequest(L3, "Same work for fifty signals")))
                .toList();
        assertThat(asks).noneMatch(CompletableFuture::isDone);
        fixture.simulator().releaseAnswers();
        CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        List<NeuronReply> replies = asks.stream().map(CompletableFuture::join).toList();
        assertThat(replies).hasSize(50);
        assertThat(replies).extracting(NeuronReply::text).containsOnly(replies.get(0).text());
        assertThat(fixture.simulator().requestCount()).isEqualTo(1);
        // one ask made the call; the 49 that joined it made none of their own
        assertThat(replies).filteredOn(reply -> !reply.cached()).hasSize(1);
        assertThat(cache.misses()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(49);
    }

    @Test
    void shouldNotCacheAFailure() throws Exception {
        start(SimulatorOptions.defaults().withFaults(
                FaultPlans.when(request -> request.sequence() == 1, SimulatedFault.overloaded())),
                TestSettings.cache("L3"));

        Throwable failure = catchThrowable(() -> ask("Flaky first time"));
        assertThat(failure).isInstanceOf(ExecutionException.class).cause().isInstanceOf(NeuronException.class);
        assertThat(((NeuronException) failure.getCause()).category()).isEqualTo(FailureCategory.OVERLOADED);

        NeuronReply retried = ask("Flaky first time");
        assertThat(retried.cached()).isFalse();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
        assertThat(ask("Flaky first time").cached()).isTrue();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
    }

    @Test
    void shouldFailAllJoinedAsksWithTheCallsFailureAndThenCallAgain() throws Exception {
        start(SimulatorOptions.defaults().withFaults(FaultPlans.when(
                request -> request.sequence() == 1, SimulatedFault.serverError())),
                TestSettings.cache("L3"));
        // the failing call stays in flight until all five asks have joined it
        fixture.simulator().holdAnswers();

        List<CompletableFuture<NeuronReply>> asks = IntStream.range(0, 5)
                .mapToObj(i -> cache.ask(new NeuronRequest(L3, "Joined then failed")))
                .toList();
        assertThat(asks).noneMatch(CompletableFuture::isDone);
        fixture.simulator().releaseAnswers();
        for (CompletableFuture<NeuronReply> ask : asks) {
            assertThatThrownBy(() -> ask.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(NeuronException.class);
        }

        assertThat(ask("Joined then failed").cached()).isFalse();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
    }

    @Test
    void shouldNeverCacheAnAnswerCutAtMaxTokens() throws Exception {
        start();
        NeuronRequest capped = new NeuronRequest(L3.withMaxTokens(5), "Plan the rollout of the new billing service");

        NeuronReply first = ask(capped);
        NeuronReply second = ask(capped);

        assertThat(first.stopReason()).isEqualTo(NeuronReply.MAX_TOKENS);
        assertThat(second.stopReason()).isEqualTo(NeuronReply.MAX_TOKENS);
        assertThat(second.cached()).as("a cut answer is asked for again").isFalse();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(2);
        // while a whole answer to the same content with a budget large enough is kept
        ask(new NeuronRequest(L3, capped.content()));
        assertThat(ask(new NeuronRequest(L3, capped.content())).cached()).isTrue();
        assertThat(fixture.simulator().requestCount()).isEqualTo(3);
    }

    @Test
    void shouldNeverCacheARefusal() throws Exception {
        start(SimulatorOptions.defaults().withRefusals(1.0, 5), TestSettings.cache("L3"));

        NeuronReply first = ask("Plan the rollout");
        NeuronReply second = ask("Plan the rollout");

        assertThat(first.refused()).isTrue();
        assertThat(second.refused()).isTrue();
        assertThat(second.cached()).as("a refusal is asked for again").isFalse();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(2);
    }

    @Test
    void shouldShareACutAnswerWithTheAsksThatJoinedItsCallAndCallAgainAfterIt() throws Exception {
        start(SimulatorOptions.defaults().withLatency(Duration.ofMillis(300)), TestSettings.cache("L3"));
        NeuronRequest capped = new NeuronRequest(L3.withMaxTokens(5), "Same cut work for five signals");

        List<CompletableFuture<NeuronReply>> asks = IntStream.range(0, 5).mapToObj(i -> cache.ask(capped)).toList();
        CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        assertThat(asks).extracting(CompletableFuture::join).extracting(NeuronReply::stopReason)
                .containsOnly(NeuronReply.MAX_TOKENS);
        assertThat(fixture.simulator().requestCount()).isEqualTo(1);
        assertThat(ask(capped).cached()).isFalse();
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
    }

    @Test
    void shouldStayWithinItsByteBound() throws Exception {
        long maxBytes = 200 * 1024;
        start(SimulatorOptions.defaults().withLatency(Duration.ZERO),
                TestSettings.cache("L3").withMaxBytes(maxBytes));
        String padding = "x".repeat(4000);

        long written = 0;
        for (int batch = 0; written < 10 * maxBytes; batch++) {
            int first = batch * 32;
            List<CompletableFuture<NeuronReply>> asks = IntStream.range(first, first + 32)
                    .mapToObj(i -> cache.ask(new NeuronRequest(L3, "answer " + i + " " + padding)))
                    .toList();
            for (CompletableFuture<NeuronReply> ask : asks) {
                written += CachedNeuronClient.weigh(CachedNeuronClient.keyOf(new NeuronRequest(L3, "k")),
                        ask.get(10, TimeUnit.SECONDS));
            }
        }
        cache.cleanUp();

        assertThat(written).isGreaterThanOrEqualTo(10 * maxBytes);
        assertThat(cache.estimatedBytes()).isPositive().isLessThanOrEqualTo(maxBytes);
    }

    @Test
    void shouldEstimateAnEntryFromItsStringsAndObjectOverhead() {
        NeuronReply reply = new NeuronReply("t".repeat(1000), "claude-sonnet-4-5", 1, 2, "end_turn", 3);
        String key = CachedNeuronClient.keyOf(new NeuronRequest(L3, "anything"));

        // entry 3 x 64, key 64 + 2 x 64, reply 64, text 64 + 2 x 1000, model 64 + 2 x 17, stop reason 64 + 2 x 8
        assertThat(key).hasSize(64).matches("[0-9a-f]{64}");
        assertThat(CachedNeuronClient.weigh(key, reply)).isEqualTo(192 + 192 + 64 + 2064 + 98 + 80);
    }

    @Test
    void shouldCountHitsAndMisses() throws Exception {
        start();

        ask("one");
        ask("one");
        ask("two");
        ask("one");

        assertThat(cache.misses()).isEqualTo(2);
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
    }

    @Test
    void shouldPassEverythingThroughWhenDisabled() throws Exception {
        start(SimulatorOptions.defaults(), TestSettings.cache("L3").withEnabled(false));

        assertThat(ask("same").cached()).isFalse();
        assertThat(ask("same").cached()).isFalse();

        assertThat(fixture.simulator().requestCount()).isEqualTo(2);
        assertThat(cache.hits()).isZero();
        assertThat(cache.estimatedBytes()).isZero();
    }

    @Test
    void shouldNotCloseTheSharedDelegate() throws Exception {
        start();
        ask("before close");

        cache.close();

        assertThat(fixture.client().ask(new NeuronRequest(L3, "still open")).get(10, TimeUnit.SECONDS).text())
                .isNotEmpty();
    }

    @Test
    void shouldRejectBadSettings() {
        assertThatThrownBy(() -> new CacheSettings(true, Duration.ZERO, 1)).hasMessageContaining("ttl");
        assertThatThrownBy(() -> new CacheSettings(true, Duration.ofMinutes(1), 0)).hasMessageContaining("maxBytes");
    }

    @Test
    void shouldKeepTheTwoArgumentRequestAndSixArgumentReply() {
        assertThat(new NeuronRequest(L3, "c").features()).isEmpty();
        assertThat(new NeuronReply("t", "m", 1, 2, "end_turn", 3).cached()).isFalse();
        assertThat(new NeuronReply("t", "m", 1, 2, "end_turn", 3).asCached().cached()).isTrue();
    }
}
