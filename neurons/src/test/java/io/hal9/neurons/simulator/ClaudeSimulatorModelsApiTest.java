package io.hal9.neurons.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import com.anthropic.errors.NotFoundException;
import com.anthropic.models.models.ModelInfo;
import com.anthropic.models.models.ModelListParams;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.ModelCatalog;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulator's Models API ({@code GET /v1/models}, {@code GET /v1/models/{model_id}}) through the real SDK. */
class ClaudeSimulatorModelsApiTest {

    private static final Instant AFTER_SONNET_45 = Instant.parse("2026-12-07T12:00:00Z");

    @RegisterExtension
    final SimulatorFixture fixture = new SimulatorFixture();

    private void start(Instant now) {
        fixture.start(SimulatorOptions.defaults().withClock(new MovableClock(now)));
    }

    @Test
    void shouldDescribeACurrentModel() {
        start(AFTER_SONNET_45);
        CatalogEntry sonnet = SimulatorFixture.entry("claude-sonnet-5-5");

        ModelInfo info = fixture.sdk().models().retrieve("claude-sonnet-5-5");

        assertThat(info.id()).isEqualTo("claude-sonnet-5-5");
        assertThat(info.displayName()).isEqualTo(sonnet.displayName());
        assertThat(info.createdAt()).isEqualTo(OffsetDateTime.parse("2026-01-01T00:00:00Z"));
        assertThat(info.maxInputTokens()).contains(sonnet.contextWindow());
        assertThat(info.maxTokens()).contains(sonnet.maxOutputTokens());
        assertThat(info.lifecycle()).isEqualTo(ModelInfo.Lifecycle.ACTIVE);
        assertThat(info.retiresAt()).isEmpty();
        assertThat(fixture.simulator().requestCount()).as("not a Messages call").isZero();
    }

    @Test
    void shouldResolveAnAliasToItsIdAndShowALegacyModelAsActive() {
        start(AFTER_SONNET_45);

        ModelInfo info = fixture.sdk().models().retrieve("claude-haiku-4-5");

        assertThat(info.id()).isEqualTo(SimulatorFixture.entry("claude-haiku-4-5").id());
        assertThat(info.lifecycle()).isEqualTo(ModelInfo.Lifecycle.ACTIVE);
    }

    @Test
    void shouldShowADeprecatedModelWithItsRetirementUntilItRetires() {
        start(Instant.parse("2026-11-01T00:00:00Z"));
        LocalDate retires = SimulatorFixture.entry("claude-sonnet-4-5").retires().orElseThrow();

        ModelInfo info = fixture.sdk().models().retrieve("claude-sonnet-4-5");

        assertThat(info.lifecycle()).isEqualTo(ModelInfo.Lifecycle.DEPRECATED);
        assertThat(info.retiresAt()).contains(retires.atStartOfDay().atOffset(ZoneOffset.UTC));
    }

    @Test
    void shouldAnswerARetiredOrUnknownModelWithNotFound() {
        start(AFTER_SONNET_45);

        assertThatThrownBy(() -> fixture.sdk().models().retrieve("claude-sonnet-4-5"))
                .isInstanceOf(NotFoundException.class)
                .satisfies(e -> assertThat(((NotFoundException) e).apiMessage()).contains("model: claude-sonnet-4-5"));
        assertThatThrownBy(() -> fixture.sdk().models().retrieve("claude-sonnet-9"))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void shouldListTheModelsThatStillAnswerPageByPage() {
        start(AFTER_SONNET_45);
        LocalDate today = LocalDate.ofInstant(AFTER_SONNET_45, ZoneOffset.UTC);
        List<String> answering = ModelCatalog.bundled().entries().stream()
                .filter(entry -> entry.lifecycleOn(today).answers()).map(CatalogEntry::id).toList();

        List<String> all = fixture.sdk().models().list().data().stream().map(ModelInfo::id).toList();
        List<String> paged = new ArrayList<>();
        fixture.sdk().models().list(ModelListParams.builder().limit(2L).build()).autoPager()
                .forEach(info -> paged.add(info.id()));

        assertThat(all).isEqualTo(answering).doesNotContain("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805");
        assertThat(paged).isEqualTo(answering);
    }

    @Test
    void shouldRequireAnApiKey() throws Exception {
        start(AFTER_SONNET_45);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(fixture.baseUrl() + "/v1/models"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("authentication_error");
    }
}
