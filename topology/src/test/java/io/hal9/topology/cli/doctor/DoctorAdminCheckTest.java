package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.hal9.topology.net.Ports;

import org.junit.jupiter.api.Test;

class DoctorAdminCheckTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void shouldBeOkWhenHal9AnswersUp() throws Exception {
        try (FakeAdmin admin = FakeAdmin.hal9("UP", "L2 RUNNING OK CLOSED")) {
            Result result = new AdminCheck(new HealthProbe(admin.url(), TIMEOUT)).run();

            assertThat(result.status()).isEqualTo(Status.OK);
            assertThat(result.line()).isEqualTo("OK   admin      " + admin.url() + " answers as hal9-streams 0.1.0-SNAPSHOT (pid 1234)");
        }
    }

    @Test
    void shouldWarnWithTheLayersStatesWhenHal9IsDown() throws Exception {
        try (FakeAdmin admin = FakeAdmin.hal9("DOWN", "L2 RUNNING OK CLOSED", "L3 REBALANCING OK CLOSED")) {
            Result result = new AdminCheck(new HealthProbe(admin.url(), TIMEOUT)).run();

            assertThat(result.status()).isEqualTo(Status.WARN);
            assertThat(result.detail()).endsWith("but is DOWN: L2 RUNNING, L3 REBALANCING");
            assertThat(result.hint()).isNotBlank();
        }
    }

    @Test
    void shouldFailWhenNothingListens() {
        int port = Ports.freePort();

        Result result = new AdminCheck(new HealthProbe("http://127.0.0.1:" + port, TIMEOUT)).run();

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).startsWith("nothing listens on port " + port);
        assertThat(result.line()).contains("  hint: start HAL9");
    }

    @Test
    void shouldFailNamingAnotherProgramThatAnswersWithHtml() throws Exception {
        try (FakeAdmin other = FakeAdmin.answering(200, "text/html", "<html>Directory listing</html>")) {
            Result result = new AdminCheck(new HealthProbe(other.url(), TIMEOUT)).run();

            assertThat(result.status()).isEqualTo(Status.FAIL);
            // the fake server runs in this JVM, so PortHolders names this very process
            assertThat(result.detail()).startsWith("another program answers on port " + other.port()
                            + ", held by pid " + ProcessHandle.current().pid() + " (")
                    .contains("Server: FakeServer/1.0").contains("<html>Directory listing</html>");
            assertThat(result.hint()).startsWith("stop pid " + ProcessHandle.current().pid());
        }
    }

    @Test
    void shouldFailWhenJsonNamesAnotherService() throws Exception {
        try (FakeAdmin other = FakeAdmin.answering(200, "application/json", "{\"service\":\"grafana\",\"status\":\"UP\"}")) {
            Result result = new AdminCheck(new HealthProbe(other.url(), TIMEOUT)).run();

            assertThat(result.status()).isEqualTo(Status.FAIL);
            assertThat(result.detail()).startsWith("another program answers on port " + other.port());
        }
    }
}
