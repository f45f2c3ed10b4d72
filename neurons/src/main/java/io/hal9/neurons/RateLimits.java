package io.hal9.neurons;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the Messages API says about the account's rate limits on every response, from its
 * {@code anthropic-ratelimit-<bucket>-{limit,remaining,reset}} headers. A bucket the response did
 * not describe is {@code null}.
 *
 * @param requests     requests per minute
 * @param inputTokens  input tokens per minute
 * @param outputTokens output tokens per minute
 * @param tokens       the most restrictive token limit now
 */
public record RateLimits(Bucket requests, Bucket inputTokens, Bucket outputTokens, Bucket tokens) {

    /** No rate-limit headers (the response had none, or a cached answer). */
    public static final RateLimits NONE = new RateLimits(null, null, null, null);

    /** The header prefix, followed by {@code requests}, {@code input-tokens}, ... and {@code -limit} etc. */
    public static final String HEADER_PREFIX = "anthropic-ratelimit-";

    /**
     * One bucket: its size per minute, what is left now, and when it is full again.
     *
     * @param limit     the bucket's size (per minute)
     * @param remaining what is left now
     * @param reset     when the bucket is full again
     */
    public record Bucket(long limit, long remaining, Instant reset) {

        /** The share of the bucket left, 0..1. */
        public double remainingShare() {
            return limit <= 0 ? 1.0 : Math.max(0.0, Math.min(1.0, (double) remaining / limit));
        }
    }

    /**
     * Reads the headers of one response.
     *
     * @param header a header's first value by its (case-insensitive) name, empty when absent
     */
    public static RateLimits parse(Function<String, Optional<String>> header) {
        return new RateLimits(bucket(header, "requests"), bucket(header, "input-tokens"),
                bucket(header, "output-tokens"), bucket(header, "tokens"));
    }

    /** True when at least one bucket was described. */
    public boolean known() {
        return requests != null || inputTokens != null || outputTokens != null || tokens != null;
    }

    private static Bucket bucket(Function<String, Optional<String>> header, String name) {
        Optional<Long> limit = header.apply(HEADER_PREFIX + name + "-limit").flatMap(RateLimits::number);
        Optional<Long> remaining = header.apply(HEADER_PREFIX + name + "-remaining").flatMap(RateLimits::number);
        if (limit.isEmpty() || remaining.isEmpty()) {
            return null;
        }
        Instant reset = header.apply(HEADER_PREFIX + name + "-reset").flatMap(RateLimits::time).orElse(null);
        return new Bucket(limit.get(), remaining.get(), reset);
    }

    private static Optional<Long> number(String value) {
        try {
            return Optional.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> time(String value) {
        try {
            return Optional.of(Instant.parse(value.strip()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
