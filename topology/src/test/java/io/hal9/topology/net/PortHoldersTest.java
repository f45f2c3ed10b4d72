package io.hal9.topology.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

import io.hal9.topology.cli.Hal9;
import io.hal9.topology.cli.common.ExitCodes;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@link PortHolders}: on fake {@code /proc} trees, and on this machine against a port held by a child process. */
class PortHoldersTest {

    private static final String TCP_HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    private static final String ANY6 = "00000000000000000000000000000000";

    /** Holds a loopback port, prints it, and waits to be destroyed. */
    private static final String HOLD_A_PORT = "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen();"
            + " print(s.getsockname()[1], flush=True); time.sleep(600)";

    @TempDir
    Path proc;

    @Test
    void shouldNameThePidAndCommandLineOfAnIpv4Listener() throws IOException {
        // Given port 8080 (0x1F90) listening as socket 4242, held by pid 1234
        tcp("net/tcp", "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1");
        process(1234, "python3\0-m\0http.server\08080\0", "socket:[4242]");

        // Then
        assertThat(PortHolders.find(proc, 8080)).contains(new PortHolders.Holder(1234, "python3 -m http.server 8080"));
        assertThat(PortHolders.lookup(proc, 8080).describe()).isEqualTo("held by pid 1234 (python3 -m http.server 8080)");
    }

    @Test
    void shouldNameThePidOfAnIpv6Listener() throws IOException {
        tcp("net/tcp", "");
        tcp("net/tcp6", "   0: " + ANY6 + ":1F90 " + ANY6 + ":0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4343 1");
        process(77, "java\0-jar\0other.jar\0", "pipe:[1]", "socket:[4343]");

        assertThat(PortHolders.find(proc, 8080)).contains(new PortHolders.Holder(77, "java -jar other.jar"));
    }

    @Test
    void shouldIgnoreSocketsOnThePortThatAreNotListening() throws IOException {
        // Given an established connection (st 01) from local port 8080, whose process is readable
        tcp("net/tcp", "   0: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1");
        process(1234, "curl\0", "socket:[4242]");

        assertThat(PortHolders.lookup(proc, 8080)).isEqualTo(new PortHolders.NotFound());
    }

    @Test
    void shouldSayTheHolderCannotBeInspectedWhenNoReadableProcessHoldsTheSocket() throws IOException {
        // Given a listener owned by uid 0 and a process of ours that holds a different socket
        tcp("net/tcp", "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1");
        process(1234, "bash\0", "socket:[9999]");

        assertThat(PortHolders.lookup(proc, 8080)).isEqualTo(new PortHolders.Uninspectable(4242, 0));
        assertThat(PortHolders.lookup(proc, 8080).describe()).isEqualTo("held by a process this user cannot inspect (uid 0)");
        assertThat(PortHolders.find(proc, 8080)).isEmpty();
    }

    @Test
    void shouldSayTheHolderIsUnknownWithoutProcNet() {
        // Given a /proc without net/tcp, as on a system that is not Linux
        assertThat(PortHolders.lookup(proc, 8080)).isEqualTo(new PortHolders.NotFound());
        assertThat(PortHolders.lookup(proc, 8080).describe()).isEqualTo("holder unknown");
        assertThat(PortHolders.find(proc, 8080)).isEmpty();
    }

    @Test
    void shouldNameTheLowestPidWhenForkedWorkersShareTheSocket() throws IOException {
        tcp("net/tcp", "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1");
        process(501, "gunicorn: worker\0", "socket:[4242]");
        process(500, "gunicorn: master\0", "socket:[4242]");
        process(502, "gunicorn: worker\0", "socket:[4242]");

        assertThat(PortHolders.find(proc, 8080)).contains(new PortHolders.Holder(500, "gunicorn: master"));
    }

    @Test
    void shouldShortenALongCommandLineToOneLine() throws IOException {
        tcp("net/tcp", "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1");
        process(1234, "python3\0-c\0print(1)\nprint(2)\0" + "x".repeat(500) + "\0", "socket:[4242]");

        String commandLine = PortHolders.find(proc, 8080).orElseThrow().commandLine();

        assertThat(commandLine).hasSize(PortHolders.MAX_COMMAND_LINE_CHARS)
                .startsWith("python3 -c print(1) print(2) xxx")
                .endsWith("x...")
                .doesNotContain("\n");
    }

    @Test
    void shouldNameTheChildProcessThatHoldsAPort() throws Exception {
        assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp")), "needs Linux /proc");
        Process child = holdAPort();
        try {
            int port = portOf(child);

            PortHolders.Holder holder = PortHolders.find(port).orElseThrow();

            assertThat(holder.pid()).isEqualTo(child.pid());
            assertThat(holder.commandLine()).contains("python3").contains("import socket");
            assertThat(PortHolders.describe(port)).startsWith("held by pid " + child.pid() + " (").endsWith(")");
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    @Test
    void shouldExitTwoWithOneLineNamingTheHolderWhenTheAdminPortIsTaken() throws Exception {
        assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp")), "needs Linux /proc");
        Process child = holdAPort();
        try {
            int port = portOf(child);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = Hal9.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));

            int exit = cli.execute("run", "--layer", "L2", "--admin-port", String.valueOf(port),
                    "--bootstrap-servers", "127.0.0.1:1");

            assertThat(exit).isEqualTo(ExitCodes.USAGE);
            List<String> lines = err.toString().lines().toList();
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0))
                    .startsWith("hal9: admin port " + port + " on 0.0.0.0 is already in use, held by pid " + child.pid() + " (")
                    .contains("python3")
                    .endsWith(")");
            assertThat(out.toString()).isEmpty();
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    private static Process holdAPort() throws IOException {
        return new ProcessBuilder("python3", "-c", HOLD_A_PORT).redirectErrorStream(true).start();
    }

    /** The port the child printed once it listens. */
    private static int portOf(Process child) {
        BufferedReader stdout = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String line = assertTimeoutPreemptively(Duration.ofSeconds(30), stdout::readLine, "the child printed no port");
        assertThat(line).as("the child's first line").matches("[0-9]+");
        return Integer.parseInt(line);
    }

    private void tcp(String table, String rows) throws IOException {
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve(table), TCP_HEADER + rows + (rows.isEmpty() ? "" : "\n"));
    }

    private void process(long pid, String cmdline, String... fdTargets) throws IOException {
        Path fd = Files.createDirectories(proc.resolve(pid + "/fd"));
        for (int i = 0; i < fdTargets.length; i++) {
            Files.createSymbolicLink(fd.resolve(Integer.toString(i + 3)), Paths.get(fdTargets[i]));
        }
        Files.writeString(proc.resolve(pid + "/cmdline"), cmdline);
    }
}
