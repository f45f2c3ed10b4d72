package io.hal9.neurons.simulator;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/**
 * How much the {@link ClaudeSimulator} thinks before it answers: a fixed number of thinking tokens
 * per {@code output_config.effort}, so that usage, {@code max_tokens} cuts and latency are
 * deterministic.
 *
 * <table>
 * <caption>Thinking tokens of an adaptive-thinking answer</caption>
 * <tr><th>effort</th><th>thinking tokens</th></tr>
 * <tr><td>low</td><td>64</td></tr>
 * <tr><td>medium</td><td>256</td></tr>
 * <tr><td>high</td><td>1,024</td></tr>
 * <tr><td>xhigh</td><td>2,048</td></tr>
 * <tr><td>max</td><td>4,096</td></tr>
 * </table>
 *
 * <p>An effort the table does not list thinks as {@code medium}. Extended thinking
 * ({@code {"type":"enabled","budget_tokens":N}}) spends its whole budget.
 */
public final class SimulatedThinking {

    /** Thinking tokens per effort. */
    public static final Map<String, Long> TOKENS_BY_EFFORT =
            Map.of("low", 64L, "medium", 256L, "high", 1024L, "xhigh", 2048L, "max", 4096L);
    /** The effort a model without a default effort thinks at. */
    public static final String FALLBACK_EFFORT = "medium";

    private SimulatedThinking() {
    }

    /** Thinking tokens of an adaptive-thinking answer at {@code effort}. */
    public static long tokens(String effort) {
        return TOKENS_BY_EFFORT.getOrDefault(effort, TOKENS_BY_EFFORT.get(FALLBACK_EFFORT));
    }

    /** A thinking block's {@code signature}: base64 of a digest of the request, the same for the same request. */
    static String signature(String model, String system, String content) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] hash = digest.digest((model + '\0' + system + '\0' + content).getBytes(StandardCharsets.UTF_8));
            byte[] signature = new byte[hash.length * 2];
            System.arraycopy(hash, 0, signature, 0, hash.length);
            System.arraycopy(digest.digest(hash), 0, signature, hash.length, hash.length);
            return Base64.getEncoder().encodeToString(signature);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
