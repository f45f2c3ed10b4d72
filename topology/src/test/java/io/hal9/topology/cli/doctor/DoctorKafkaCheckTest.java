package io.hal9.topology.cli.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.hal9.topology.net.Ports;
import io.hal9.topology.testing.KafkaFixture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DoctorKafkaCheckTest {

    @RegisterExtension
    static final KafkaFixture KAFKA = new KafkaFixture();

    @Test
    void shouldReportClusterIdAndBrokerCount() {
        Result result = new KafkaCheck(KAFKA.bootstrapServers(), Duration.ofSeconds(10)).run();

        assertThat(result.status()).isEqualTo(Status.OK);
        assertThat(result.detail()).matches("cluster \\S+, 1 broker \\(.+\\)");
    }

    @Test
    void shouldFailWithAHintWhenNoBrokerAnswersWithinTheTimeout() {
        String nobody = "127.0.0.1:" + Ports.freePort();

        Result result = new KafkaCheck(nobody, Duration.ofMillis(500)).run();

        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.detail()).startsWith(nobody + ": ");
        assertThat(result.hint()).contains("--bootstrap-servers");
    }
}
