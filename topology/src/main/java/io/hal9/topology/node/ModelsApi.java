package io.hal9.topology.node;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.errors.AnthropicException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.models.ModelInfo;
import io.hal9.neurons.models.Lifecycle;

/**
 * Anthropic's Models API as the start-up {@link ModelCheck} asks it: {@code GET /v1/models/{id}}
 * through anthropic-java, with a short timeout and one retry at most (the SDK retries 408, 409,
 * 429, 5xx and I/O errors), so that start-up never waits long on Anthropic.
 *
 * <p>Every outcome is an {@link Answer}; {@link #retrieve(String)} never throws. No answer carries
 * the key.
 */
public final class ModelsApi implements AutoCloseable {

    /** The SDK's retries of one lookup: one, so that a blip does not cost the check. */
    static final int MAX_RETRIES = 1;

    /** What the Models API said of one model. */
    public sealed interface Answer {
    }

    /**
     * The API serves the model.
     *
     * @param id          the id it answered with (the snapshot an alias stands for)
     * @param displayName its name in Anthropic's docs
     * @param lifecycle   its lifecycle; empty when the API gave none, or one this client does not know
     * @param retiresAt   when it retires, when the API says
     */
    public record Known(String id, String displayName, Optional<Lifecycle> lifecycle, Optional<Instant> retiresAt)
            implements Answer {
    }

    /** 404: the API does not serve the model (retired, misspelt, or not open to this key's organization). */
    public record NotFound(String message) implements Answer {
    }

    /** 401: the API key is wrong. */
    public record KeyRejected(String message) implements Answer {
    }

    /** A timeout, a network error, 5xx or any other answer: the API could not say. */
    public record Unreachable(String why) implements Answer {
    }

    private final AnthropicClient client;
    private final String baseUrl;
    private final String apiKey;

    private final Duration timeout;

    private ModelsApi(AnthropicClient client, String baseUrl, String apiKey, Duration timeout) {
        this.client = client;
        this.baseUrl = baseUrl;
        this.apiKey = apiKey;
        this.timeout = timeout;
    }

    /** A client of the Models API at {@code baseUrl}; nothing connects until {@link #retrieve}. */
    public static ModelsApi connect(String baseUrl, String apiKey, Duration timeout) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        AnthropicClient client = AnthropicOkHttpClient.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .timeout(timeout)
                .maxRetries(MAX_RETRIES)
                .build();
        return new ModelsApi(client, baseUrl, apiKey, timeout);
    }

    /** Where the API is asked. */
    public String baseUrl() {
        return baseUrl;
    }

    /** What the API says of {@code model} (an id or an alias). */
    public Answer retrieve(String model) {
        long started = System.nanoTime();
        try {
            ModelInfo info = client.models().retrieve(model);
            return new Known(info.id(), displayName(info), lifecycle(info), retiresAt(info));
        } catch (NotFoundException e) {
            return new NotFound(redact(e.getMessage()));
        } catch (UnauthorizedException e) {
            return new KeyRejected(redact(e.getMessage()));
        } catch (AnthropicServiceException e) {
            return new Unreachable("HTTP " + e.statusCode() + e.apiMessage().map(m -> ": " + redact(m)).orElse(""));
        } catch (RuntimeException e) {
            // the SDK reports a request it gave up on as "Socket closed": say what happened
            boolean timedOut = Duration.ofNanos(System.nanoTime() - started).compareTo(timeout) >= 0;
            return new Unreachable((timedOut ? "no answer within " + timeout.toMillis() + " ms: " : "")
                    + redact(describe(e)));
        }
    }

    private static String displayName(ModelInfo info) {
        try {
            return info.displayName();
        } catch (AnthropicException e) {
            return info.id();
        }
    }

    /** The lifecycle the API gives; empty when it gives none or one unknown to this SDK. */
    private static Optional<Lifecycle> lifecycle(ModelInfo info) {
        try {
            return switch (info.lifecycle().value()) {
                case ACTIVE -> Optional.of(Lifecycle.ACTIVE);
                case DEPRECATED -> Optional.of(Lifecycle.DEPRECATED);
                case RETIRED -> Optional.of(Lifecycle.RETIRED);
                default -> Optional.empty();
            };
        } catch (AnthropicException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> retiresAt(ModelInfo info) {
        try {
            return info.retiresAt().map(at -> at.toInstant());
        } catch (AnthropicException e) {
            return Optional.empty();
        }
    }

    private static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return root == error ? message : message + " (" + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage()) + ")";
    }

    /** A message with the key blanked out, should a proxy ever echo it. */
    private String redact(String message) {
        if (message == null) {
            return "";
        }
        return apiKey.isBlank() ? message : message.replace(apiKey, "***");
    }

    @Override
    public void close() {
        client.close();
    }
}
