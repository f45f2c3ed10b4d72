package io.hal9.connectors.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** A real PostgreSQL from the Maven artifact: started, used as the hal9 role, stopped without a trace. */
class EmbeddedPostgresServerTest {

    @Test
    void shouldServeTheHal9DatabaseToTheHal9RoleAndStopWithoutATrace() throws Exception {
        int port;
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(0)) {
            port = server.port();
            assertThat(server.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/hal9");
            assertThat(server.psqlUrl()).isEqualTo("postgresql://hal9@127.0.0.1:" + port + "/hal9");

            // the hal9 role owns the hal9 database and can create tables there, as the sinks do
            try (Connection connection = server.connect(EmbeddedPostgresServer.DATABASE);
                 Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE t (k text PRIMARY KEY)");
                statement.execute("INSERT INTO t VALUES ('a')");
                try (ResultSet rs = statement.executeQuery("SELECT current_user, count(*) FROM t GROUP BY 1")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).isEqualTo("hal9");
                    assertThat(rs.getLong(2)).isEqualTo(1);
                }
            }
            // and gets databases of its own, e.g. one per test
            server.createDatabase("per_test_1");
            try (Connection connection = server.connect("per_test_1")) {
                assertThat(connection.getMetaData().getUserName()).isEqualTo("hal9");
            }
            assertThatThrownBy(() -> server.createDatabase("Robert'); DROP TABLE t; --"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        // stopped: the port is free again
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThat(socket.isBound()).isTrue();
        }
    }

    @Test
    void shouldSayWhichPortItCouldNotStartOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedPostgresServer.start(taken.getLocalPort()).close())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + taken.getLocalPort());
        }
    }
}
