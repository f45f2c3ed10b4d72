package io.hal9.neurons.simulator;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.hal9.neurons.RateLimits;

/**
 * One API key's account in the {@link ClaudeSimulator}: a token bucket per configured
 * {@link AccountLimits} figure, each holding up to the per-minute figure and refilling continuously at
 * a sixtieth of it per second (Anthropic's model). A request is admitted only when every bucket
 * can take its share — one request, its input tokens, its output tokens — and then takes from all
 * of them; otherwise it takes from none and is told when all of them will hold enough.
 *
 * <p>The arithmetic is written here rather than taken from a token-bucket library such as Bucket4j:
 * a Bucket4j bucket with several limits takes the same amount from each of them, while a request
 * takes different amounts from three buckets all-or-nothing (so one lock over three buckets
 * anyway), and the {@code anthropic-ratelimit-*} headers need each bucket's level and the time
 * until it is full again, which is this same refill arithmetic. Fifty lines, no new dependency.
 *
 * <p><b>Headers</b> ({@link Admission#headers()}), only for the buckets that have a limit:
 * {@code anthropic-ratelimit-{requests,input-tokens,output-tokens,tokens}-{limit,remaining,reset}}.
 * {@code limit} is the per-minute figure; {@code remaining} what the bucket holds now, after this
 * request took its share (whole requests; tokens rounded down to a whole thousand as the API
 * rounds them, except for limits under {@value #ROUND_TOKENS_FROM} tokens, only seen in tests and
 * small demos, where that would read 0 nearly always); {@code reset} the RFC 3339 time, rounded up
 * to the second, when the bucket is full again. {@code tokens-*} repeats the input or output bucket
 * that has the smaller share of its limit left, the most restrictive one now.
 *
 * <p>Thread-safe: every method holds the account's lock.
 */
final class SimulatedAccount {

    static final long ROUND_TOKENS_FROM = 10_000;
    private static final double NANOS_PER_MINUTE = 60e9;
    /** Slack for floating-point refill: a bucket one {@code retry-after} later holds what it was promised. */
    private static final double EPSILON = 1e-6;

    private final Bucket requests;
    private final Bucket inputTokens;
    private final Bucket outputTokens;

    SimulatedAccount(AccountLimits limits, Instant now) {
        requests = Bucket.of("requests", "requests", limits.requestsPerMinute(), now);
        inputTokens = Bucket.of("input-tokens", "input tokens", limits.inputTokensPerMinute(), now);
        outputTokens = Bucket.of("output-tokens", "output tokens", limits.outputTokensPerMinute(), now);
    }

    /** What became of a request: admitted or refused (with its {@code retry-after}), and the headers to send. */
    record Admission(boolean admitted, Optional<Duration> retryAfter, String message, Map<String, String> headers) {
    }

    /** Admits a request of {@code input} and {@code output} tokens at {@code now}, or refuses it. */
    synchronized Admission admit(long input, long output, Instant now) {
        Bucket[] buckets = {requests, inputTokens, outputTokens};
        long[] wanted = {1, input, output};
        long waitNanos = 0;
        Bucket exceeded = null;
        for (int i = 0; i < buckets.length; i++) {
            Bucket bucket = buckets[i];
            if (bucket != null) {
                bucket.refill(now);
                long nanos = bucket.nanosUntilItHolds(wanted[i]);
                if (nanos > 0 && exceeded == null) {
                    exceeded = bucket;
                }
                waitNanos = Math.max(waitNanos, nanos);
            }
        }
        if (exceeded != null) {
            long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            String message = "This request would exceed your rate limit of " + exceeded.limit + " "
                    + exceeded.description + " per minute. Please retry after " + seconds + " s.";
            return new Admission(false, Optional.of(Duration.ofSeconds(seconds)), message, headers(now));
        }
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] != null) {
                buckets[i].take(wanted[i]);
            }
        }
        return new Admission(true, Optional.empty(), "", headers(now));
    }

    /** The headers for a request that did not reach the buckets (e.g. an invalid one). */
    synchronized Map<String, String> headers(Instant now) {
        Map<String, String> headers = new LinkedHashMap<>();
        Bucket tightest = null;
        for (Bucket bucket : new Bucket[] {requests, inputTokens, outputTokens}) {
            if (bucket != null) {
                bucket.refill(now);
                bucket.describe(bucket.name, now, headers);
                if (bucket != requests && (tightest == null || bucket.share() < tightest.share())) {
                    tightest = bucket;
                }
            }
        }
        if (tightest != null) {
            tightest.describe("tokens", now, headers);
        }
        return headers;
    }

    /** One limit: holds up to {@code limit} and refills at {@code limit} per minute. Guarded by the account. */
    private static final class Bucket {
        private final String name;
        private final String description;
        private final long limit;
        private double level;
        private Instant refilled;

        private Bucket(String name, String description, long limit, Instant now) {
            this.name = name;
            this.description = description;
            this.limit = limit;
            this.level = limit;
            this.refilled = now;
        }

        static Bucket of(String name, String description, long limit, Instant now) {
            return limit > 0 ? new Bucket(name, description, limit, now) : null;
        }

        void refill(Instant now) {
            long elapsed = Duration.between(refilled, now).toNanos();
            if (elapsed > 0) {
                level = Math.min(limit, level + elapsed * perNano());
                refilled = now;
            }
        }

        /** 0 when it holds {@code wanted} now; else how long until it does (until it is full, for more than it holds). */
        long nanosUntilItHolds(long wanted) {
            if (level + EPSILON >= wanted) {
                return 0;
            }
            return (long) Math.ceil((Math.min(wanted, limit) - level) / perNano());
        }

        void take(long wanted) {
            level -= wanted;
        }

        double share() {
            return level / limit;
        }

        void describe(String as, Instant now, Map<String, String> headers) {
            long remaining = (long) Math.floor(Math.max(0, level));
            if (!"requests".equals(name) && limit >= ROUND_TOKENS_FROM) {
                remaining = remaining / 1000 * 1000;
            }
            Instant full = now.plusNanos((long) Math.ceil((limit - level) / perNano()));
            Instant reset = full.getNano() == 0 ? full : full.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
            headers.put(RateLimits.HEADER_PREFIX + as + "-limit", Long.toString(limit));
            headers.put(RateLimits.HEADER_PREFIX + as + "-remaining", Long.toString(remaining));
            headers.put(RateLimits.HEADER_PREFIX + as + "-reset", DateTimeFormatter.ISO_INSTANT.format(reset));
        }

        private double perNano() {
            return limit / NANOS_PER_MINUTE;
        }
    }
}
