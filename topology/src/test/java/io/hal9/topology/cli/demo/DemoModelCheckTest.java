package io.hal9.topology.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.testing.LayerProcess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hal9 demo} checks the layers' models before it starts anything. */
class DemoModelCheckTest {

    @TempDir
    Path dir;

    @Test
    void shouldRefuseARetiredLayerModelBeforeStartingKafka() throws Exception {
        // Given L3 set to Sonnet 4.5 (retired on 2026-11-30) in the environment, and the Kafka port
        // taken: a demo that went on would stop at the port with another line
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             LayerProcess demo = LayerProcess.start(dir, "demo", List.of("demo", "--kafka-port",
                     String.valueOf(taken.getLocalPort()), "--registry-port", "0", "--admin-port", "0", "--sim-port", "0"),
                     Map.of("HAL9_L3_MODEL", "claude-sonnet-4-5"))) {
            OptionalInt exit = demo.awaitExit(Duration.ofSeconds(60));

            // Then it exits 2 with the one line naming the setting and the replacement
            assertThat(exit).as(demo.tail(20)).hasValue(ExitCodes.USAGE);
            assertThat(demo.stderr()).isEqualTo("hal9: hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 "
                    + "(Claude Sonnet 4.5); replacement: claude-sonnet-5-5\n");
        }
    }
}
