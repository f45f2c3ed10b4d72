package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.hal9.topology.net.Ports;

import org.junit.jupiter.api.Test;

class DoctorBreakerCheckTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static Result breakerOf(String... layers) throws Exception {
        try (FakeAdmin admin = FakeAdmin.hal9("UP", layers)) {
            return new BreakerCheck(new HealthProbe(admin.url(), TIMEOUT)).run();
        }
    }

    @Test
    void shouldBeOkWhenEveryBreakerIsClosed() throws Exception {
        Result result = breakerOf("L2 RUNNING OK CLOSED", "L3 RUNNING OK CLOSED");

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).isEqualTo("L2 CLOSED, L3 CLOSED");
    }

    @Test
    void shouldBeOkAndLeaveTheGameOutWhenEveryLayerBreakerIsClosed() throws Exception {
        // the game calls Claude only through the layers: /health lists it with breaker NONE
        Result result = breakerOf("L2 RUNNING OK CLOSED", "L3 RUNNING OK CLOSED", "L4 RUNNING OK CLOSED",
                "GAME RUNNING NONE NONE");

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).isEqualTo("L2 CLOSED, L3 CLOSED, L4 CLOSED");
        assertThat(result.line()).doesNotContain("hint");
    }

    @Test
    void shouldBeOkWhenTheProcessRunsOnlyTheGame() throws Exception {
        Result result = breakerOf("GAME RUNNING NONE NONE");

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).isEqualTo("this process runs no layers (GAME calls Claude only through the layers)");
    }

    @Test
    void shouldStillFailOnAnOpenLayerBreakerBesideTheGame() throws Exception {
        Result result = breakerOf("L2 RUNNING OK OPEN", "GAME RUNNING NONE NONE");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).isEqualTo("L2 OPEN");
        assertThat(result.hint()).startsWith("Claude calls are failing");
    }

    @Test
    void shouldWarnWithoutBlamingClaudeOnABreakerStateItDoesNotKnow() throws Exception {
        Result result = breakerOf("L2 RUNNING OK CLOSED", "L3 RUNNING OK DISABLED");

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail()).isEqualTo("L2 CLOSED, L3 DISABLED");
        assertThat(result.hint()).isEqualTo("unexpected breaker state L3 DISABLED: see resilience4j_circuitbreaker_state");
    }

    @Test
    void shouldWarnWhenABreakerIsHalfOpen() throws Exception {
        Result result = breakerOf("L2 RUNNING OK CLOSED", "L3 RUNNING OK HALF_OPEN");

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail()).isEqualTo("L2 CLOSED, L3 HALF_OPEN");
        assertThat(result.hint()).startsWith("Claude calls are failing");
    }

    @Test
    void shouldFailWhenABreakerIsOpen() throws Exception {
        Result result = breakerOf("L2 RUNNING OK HALF_OPEN", "L3 RUNNING OK OPEN");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).isEqualTo("L2 HALF_OPEN, L3 OPEN");
    }

    @Test
    void shouldNameTheLastFailureOfALayerWhoseBreakerIsOpen() throws Exception {
        Result result = breakerOf("L2 RUNNING OK CLOSED RATE_LIMITED: Claude answered HTTP 429: slow down",
                "L3 RUNNING OK OPEN TRANSIENT: I/O failure calling Claude: cannot resolve api.anthropic.com");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).isEqualTo("L2 CLOSED, L3 OPEN (last failure TRANSIENT: I/O failure calling Claude: "
                + "cannot resolve api.anthropic.com)");
        assertThat(result.hint()).startsWith("Claude calls are failing");
    }

    @Test
    void shouldFailWithAKeyHintWhenClaudeRejectsTheKey() throws Exception {
        Result result = breakerOf("L2 RUNNING KEY_REJECTED CLOSED");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).isEqualTo("L2 CLOSED (key rejected)");
        assertThat(result.hint()).isEqualTo("check ANTHROPIC_API_KEY");
    }

    @Test
    void shouldFailWithABillingHintWhenClaudeRefusesTheAccount() throws Exception {
        Result result = breakerOf("L2 RUNNING BILLING_BLOCKED CLOSED BILLING: Claude answered HTTP 402: no credit");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail())
                .isEqualTo("L2 CLOSED (billing blocked) (last failure BILLING: Claude answered HTTP 402: no credit)");
        assertThat(result.hint()).contains("credit balance and spend limit");
    }

    @Test
    void shouldFailWithAModelHintWhenClaudeDoesNotKnowTheModel() throws Exception {
        Result result = breakerOf("L2 RUNNING OK CLOSED", "L3 RUNNING MODEL_NOT_FOUND CLOSED");

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).isEqualTo("L2 CLOSED, L3 CLOSED (model not found)");
        assertThat(result.hint()).isEqualTo("check the layer's model (hal9.<layer>.model)");
    }

    @Test
    void shouldSayItCouldNotCheckWhenThereIsNoHal9Health() {
        Result result = new BreakerCheck(new HealthProbe("http://127.0.0.1:" + Ports.freePort(), TIMEOUT)).run();

        assertThat(result.status()).isEqualTo(Status.WARN);
        assertThat(result.detail()).startsWith("not checked");
    }
}
