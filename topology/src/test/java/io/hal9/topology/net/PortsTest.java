package io.hal9.topology.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.junit.jupiter.api.Test;

/** {@link Ports#requireFree}: taken ports fail before anything starts, naming who holds them. */
class PortsTest {

    @Test
    void shouldNameThisJvmAsTheHolderOfAPortItListensOn() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();

            PortInUseException error = catchThrowableOfType(() -> Ports.requireFree("admin", "127.0.0.1", port),
                    PortInUseException.class);

            assertThat(error.host()).isEqualTo("127.0.0.1");
            assertThat(error.port()).isEqualTo(port);
            assertThat(error.getMessage()).startsWith("admin port " + port + " on 127.0.0.1 is already in use, ");
            if (Files.isReadable(Paths.get("/proc/net/tcp"))) {
                long self = ProcessHandle.current().pid();
                assertThat(error.holder()).isInstanceOfSatisfying(PortHolders.Found.class,
                        found -> assertThat(found.holder().pid()).isEqualTo(self));
                assertThat(error.getMessage()).matches("admin port " + port
                        + " on 127\\.0\\.0\\.1 is already in use, held by pid " + self + " \\(.*java.*\\)");
            } else {
                assertThat(error.getMessage()).endsWith("is already in use, holder unknown");
            }
        }
    }

    @Test
    void shouldPassAFreePortAndPortZero() {
        Ports.requireFree("admin", "127.0.0.1", Ports.freePort());
        Ports.requireFree("admin", "127.0.0.1", 0);
    }

    @Test
    void shouldRejectAPortOutsideTheRange() {
        assertThatThrownBy(() -> Ports.requireFree("admin", "127.0.0.1", 65_536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("admin port 65536 is outside 0..65535");
    }
}
