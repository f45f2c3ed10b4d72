package io.hal9.neurons.claude;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.anthropic.core.JsonField;
import com.anthropic.core.JsonValue;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicRetryableException;
import com.anthropic.errors.AnthropicServiceException;
import io.hal9.neurons.FailureCategory;
import io.hal9.neurons.Futures;
import io.hal9.neurons.NeuronException;
import io.hal9.neurons.RateLimits;

/** Turns what the anthropic-java SDK throws into a {@link NeuronException} with a category. */
final class ClaudeFailures {

    private static final String REDACTED = "<redacted>";
    /** The {@code error.details.error_code} of a 429 that says the account reached its spend limit. */
    static final String SPEND_LIMIT_ERROR_CODE = "enforced_spend_limit_reached";

    private ClaudeFailures() {
    }

    /**
     * Classifies a failure of a Messages call.
     *
     * @param failure what the SDK's future failed with
     * @param apiKey  the key in use, scrubbed from the message; may be {@code null}
     */
    static NeuronException classify(Throwable failure, String apiKey) {
        return classify(failure, apiKey, null);
    }

    /**
     * Classifies a failure of a Messages call for {@code model}. The message of an HTTP error says
     * what the API said, then in brackets what an operator needs besides: the model when it is
     * unknown (404), a reached spend limit, and the API's {@code request_id} (from the error body, else
     * the {@code request-id} header), e.g. {@code Claude answered HTTP 404: model: claude-x (unknown
     * model claude-x; request_id req_011C...)}.
     *
     * @param model the model asked for; may be {@code null}
     */
    static NeuronException classify(Throwable failure, String apiKey, String model) {
        Throwable root = Futures.unwrap(failure);
        if (root instanceof NeuronException neuron) {
            return neuron;
        }
        AnthropicServiceException service = find(root, AnthropicServiceException.class);
        if (service != null) {
            int status = service.statusCode();
            Optional<String> errorCode = safely(service::errorCode);
            FailureCategory category = categoryOf(status, errorCode.orElse(null));
            Duration retryAfter = retryAfter(service); // the API and proxies send it on 429, 503 and 529 alike
            List<String> details = new ArrayList<>();
            if (category == FailureCategory.MODEL_NOT_FOUND && model != null) {
                details.add("unknown model " + model);
            }
            if (status == 429 && category == FailureCategory.BILLING) {
                details.add("spend limit reached (" + SPEND_LIMIT_ERROR_CODE + ")");
            }
            requestId(service).ifPresent(id -> details.add("request_id " + id));
            String message = "Claude answered HTTP " + status + safely(service::apiMessage).map(m -> ": " + m)
                    .orElse("") + (details.isEmpty() ? "" : " (" + String.join("; ", details) + ")");
            return new NeuronException(category, status, scrub(message, apiKey), retryAfter,
                    RateLimits.parse(name -> ClaudeNeuronClient.header(service.headers(), name)), root);
        }
        if (isTimeout(root)) {
            return new NeuronException(FailureCategory.TIMEOUT, 0,
                    scrub("Claude did not answer in time: " + describe(root), apiKey), null, root);
        }
        if (find(root, IOException.class) != null || find(root, AnthropicIoException.class) != null
                || find(root, AnthropicRetryableException.class) != null) {
            return new NeuronException(FailureCategory.TRANSIENT, 0,
                    scrub("I/O failure calling Claude: " + plainIoReason(root).map(r -> r + " (" + describe(root) + ")")
                            .orElse(describe(root)), apiKey), null, root);
        }
        return new NeuronException(FailureCategory.UNKNOWN, 0,
                scrub("unexpected failure calling Claude: " + describe(root), apiKey), null, root);
    }

    /** The category of an HTTP error status of the Messages API. */
    static FailureCategory categoryOf(int status) {
        return categoryOf(status, null);
    }

    /**
     * The category of an HTTP error status of the Messages API and the error's
     * {@code error.details.error_code} ({@code null} when it has none).
     */
    static FailureCategory categoryOf(int status, String errorCode) {
        if (status == 401 || status == 403) {
            return FailureCategory.AUTH;
        }
        if (status == 402 || (status == 429 && SPEND_LIMIT_ERROR_CODE.equals(errorCode))) {
            return FailureCategory.BILLING;
        }
        if (status == 404) {
            return FailureCategory.MODEL_NOT_FOUND;
        }
        if (status == 429) {
            return FailureCategory.RATE_LIMITED;
        }
        if (status == 408) {
            return FailureCategory.TIMEOUT;
        }
        if (status == 529) {
            return FailureCategory.OVERLOADED;
        }
        if (status >= 500) {
            return FailureCategory.TRANSIENT;
        }
        if (status >= 400) {
            return FailureCategory.CLIENT_ERROR;
        }
        return FailureCategory.UNKNOWN;
    }

    /** Parses a {@code retry-after} header given in (possibly fractional) seconds. */
    static Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            double seconds = Double.parseDouble(value.strip());
            if (seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds)) {
                return null;
            }
            return Duration.ofMillis(Math.round(seconds * 1000));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The API's id of the failed request: the error body's {@code request_id}, else the {@code request-id} header. */
    private static Optional<String> requestId(AnthropicServiceException service) {
        Optional<String> inBody = safely(() -> {
            JsonField<?> body = service.body(); // JsonValue extends the raw JsonField: read it as a typed one
            Optional<Map<String, JsonValue>> fields = body.asObject();
            return fields.map(f -> f.get("request_id")).flatMap(id -> ((JsonField<?>) id).asString())
                    .filter(id -> !id.isBlank());
        });
        return inBody.isPresent() ? inBody : safely(service::requestId).filter(id -> !id.isBlank());
    }

    /** What {@code read} finds in an error answer, empty when the answer is not shaped as expected. */
    private static <T> Optional<T> safely(Supplier<Optional<T>> read) {
        try {
            return read.get();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Duration retryAfter(AnthropicServiceException service) {
        return ClaudeNeuronClient.header(service.headers(), "retry-after").map(ClaudeFailures::parseRetryAfter)
                .orElse(null);
    }

    /**
     * What an operator needs to read first, for the I/O failures that mean "no route to the API":
     * {@code cannot resolve api.anthropic.com}, {@code cannot connect (Connection refused)}.
     */
    static Optional<String> plainIoReason(Throwable failure) {
        UnknownHostException unknownHost = find(failure, UnknownHostException.class);
        if (unknownHost != null) {
            String host = unknownHost.getMessage() == null ? "the API host"
                    : unknownHost.getMessage().split(":", 2)[0].strip();
            return Optional.of("cannot resolve " + host);
        }
        ConnectException refused = find(failure, ConnectException.class);
        if (refused != null) {
            return Optional.of("cannot connect" + (refused.getMessage() == null ? "" : " (" + refused.getMessage()
                    + ")"));
        }
        return Optional.empty();
    }

    private static boolean isTimeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedIOException || t instanceof TimeoutException
                    || t instanceof HttpTimeoutException
                    || t.getClass().getSimpleName().toLowerCase(Locale.ROOT).contains("timeout")) {
                return true;
            }
        }
        return false;
    }


    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String describe(Throwable failure) {
        StringBuilder text = new StringBuilder(failure.getClass().getSimpleName());
        if (failure.getMessage() != null) {
            text.append(": ").append(failure.getMessage());
        }
        Throwable cause = failure.getCause();
        if (cause != null && cause != failure) {
            text.append(" (caused by ").append(cause.getClass().getSimpleName());
            if (cause.getMessage() != null) {
                text.append(": ").append(cause.getMessage());
            }
            text.append(')');
        }
        return text.toString();
    }

    static String scrub(String message, String apiKey) {
        if (message == null || apiKey == null || apiKey.isBlank()) {
            return message;
        }
        return message.replace(apiKey, REDACTED);
    }
}
