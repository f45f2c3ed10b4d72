package io.hal9.topology.config;

import java.time.Duration;

/**
 * The start-up model check ({@code hal9.claude.model.check}, {@code .timeout.ms}; built by
 * {@link Hal9Settings#modelCheck(Hal9Config)}).
 *
 * @param mode    {@code auto}, {@code api} or {@code catalog}
 * @param baseUrl the Messages API endpoint ({@code hal9.claude.base.url}), whose Models API it asks
 * @param timeout the timeout of one Models API request
 */
public record ModelCheckSettings(String mode, String baseUrl, Duration timeout) {

    /** Whether {@link #baseUrl} is Anthropic's own API. */
    public boolean anthropic() {
        return baseUrl.contains("api.anthropic.com");
    }
}
