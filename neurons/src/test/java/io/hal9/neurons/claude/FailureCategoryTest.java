package io.hal9.neurons.claude;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletionException;

import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.NeuronException;

import org.junit.jupiter.api.Test;

class FailureCategoryTest {

    @Test
    void shouldRetryRateLimitsOverloadTransientFailuresAndTimeoutsButCountOnlyOutagesAgainstTheBreaker() {
        EnumSet<FailureCategory> retryable = EnumSet.of(FailureCategory.RATE_LIMITED, FailureCategory.OVERLOADED,
                FailureCategory.TRANSIENT, FailureCategory.TIMEOUT);
        // a rate limit or an overload asks for fewer calls, not for none: they shrink the concurrency limit instead
        // (only a stretch of nothing but 529s opens the breaker, by its no-success rule)
        EnumSet<FailureCategory> outage = EnumSet.of(FailureCategory.TRANSIENT, FailureCategory.TIMEOUT);
        EnumSet<FailureCategory> lessConcurrency = EnumSet.of(FailureCategory.RATE_LIMITED,
                FailureCategory.OVERLOADED, FailureCategory.TIMEOUT);

        for (FailureCategory category : FailureCategory.values()) {
            assertThat(category.retryable()).as(category.name()).isEqualTo(retryable.contains(category));
            assertThat(category.countsAgainstBreaker()).as(category.name()).isEqualTo(outage.contains(category));
            assertThat(category.asksForLessConcurrency()).as(category.name())
                    .isEqualTo(lessConcurrency.contains(category));
        }
    }

    @Test
    void shouldMapHttpStatusesToCategories() {
        assertThat(ClaudeFailures.categoryOf(400)).isEqualTo(FailureCategory.CLIENT_ERROR);
        assertThat(ClaudeFailures.categoryOf(404)).isEqualTo(FailureCategory.MODEL_NOT_FOUND);
        assertThat(ClaudeFailures.categoryOf(402)).isEqualTo(FailureCategory.BILLING);
        assertThat(ClaudeFailures.categoryOf(409)).isEqualTo(FailureCategory.CLIENT_ERROR);
        assertThat(ClaudeFailures.categoryOf(422)).isEqualTo(FailureCategory.CLIENT_ERROR);
        assertThat(ClaudeFailures.categoryOf(401)).isEqualTo(FailureCategory.AUTH);
        assertThat(ClaudeFailures.categoryOf(403)).isEqualTo(FailureCategory.AUTH);
        assertThat(ClaudeFailures.categoryOf(429)).isEqualTo(FailureCategory.RATE_LIMITED);
        assertThat(ClaudeFailures.categoryOf(500)).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(ClaudeFailures.categoryOf(503)).isEqualTo(FailureCategory.TRANSIENT);
        assertThat(ClaudeFailures.categoryOf(529)).isEqualTo(FailureCategory.OVERLOADED);
    }

    @Test
    void shouldTakeA429ForAReachedSpendLimitAsBillingNotAsARateLimit() {
        assertThat(ClaudeFailures.categoryOf(429, "enforced_spend_limit_reached")).isEqualTo(FailureCategory.BILLING);
        assertThat(ClaudeFailures.categoryOf(429, "something_else")).isEqualTo(FailureCategory.RATE_LIMITED);
        assertThat(ClaudeFailures.categoryOf(500, "enforced_spend_limit_reached"))
                .isEqualTo(FailureCategory.TRANSIENT);
    }

    @Test
    void shouldFindATimeoutAnywhereInTheCauseChain() {
        Throwable wrapped = new CompletionException(new RuntimeException("call failed",
                new IOException("read", new SocketTimeoutException("Read timed out"))));

        assertThat(ClaudeFailures.classify(wrapped, null).category()).isEqualTo(FailureCategory.TIMEOUT);
    }

    @Test
    void shouldTreatOtherIoFailuresAsTransientAndTheRestAsUnknown() {
        assertThat(ClaudeFailures.classify(new IOException("connection reset"), null).category())
                .isEqualTo(FailureCategory.TRANSIENT);
        assertThat(ClaudeFailures.classify(new IllegalStateException("odd"), null).category())
                .isEqualTo(FailureCategory.UNKNOWN);
    }

    @Test
    void shouldKeepTheKeyOutOfTheMessage() {
        NeuronException failure = ClaudeFailures.classify(new IOException("bad header x-api-key: sk-secret"), "sk-secret");

        assertThat(failure.getMessage()).doesNotContain("sk-secret").contains("<redacted>");
    }

    @Test
    void shouldParseRetryAfterSeconds() {
        assertThat(ClaudeFailures.parseRetryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(ClaudeFailures.parseRetryAfter("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThat(ClaudeFailures.parseRetryAfter("soon")).isNull();
        assertThat(ClaudeFailures.parseRetryAfter(null)).isNull();
    }
}
