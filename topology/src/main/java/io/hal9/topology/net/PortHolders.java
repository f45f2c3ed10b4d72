package io.hal9.topology.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Finds the process that listens on a TCP port, so that "port in use" can say who holds it.
 *
 * <p>How to use: {@link #describe(int)} for the tail of an error message ({@code held by pid 1234
 * (python3 -m http.server 8080)}), {@link #lookup(int)} for the three possible answers as data,
 * {@link #find(int)} when only an inspectable holder matters.
 *
 * <p>Requirements: Linux. The LISTEN sockets ({@code st 0A}) of {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} give the socket inode of the port; the {@code socket:[inode]} links under
 * {@code /proc/<pid>/fd} give the process; {@code /proc/<pid>/cmdline} its command line.
 *
 * <p>Current limitations: only the port is matched, not the address, so with two listeners on the
 * same port on different addresses either may be named. Another user's process is found as a
 * socket but its descriptors cannot be read ({@link Uninspectable}); a listener in another network
 * namespace, or any listener on a system without {@code /proc}, is not found at all
 * ({@link NotFound}). Never throws: a lookup that fails for any reason answers {@link NotFound}.
 */
public final class PortHolders {

    /** Command lines longer than this are cut, so the error stays one readable line. */
    static final int MAX_COMMAND_LINE_CHARS = 200;

    private static final Path PROC = Paths.get("/proc");
    private static final String LISTEN = "0A";
    private static final Pattern PID = Pattern.compile("[0-9]+");
    private static final Pattern CONTROL_CHARS = Pattern.compile("\\p{Cntrl}");

    private PortHolders() {
    }

    /** A process that listens on the port. */
    public record Holder(long pid, String commandLine) {
    }

    /** What a lookup found: {@link Found}, {@link Uninspectable} or {@link NotFound}. */
    public sealed interface Lookup permits Found, Uninspectable, NotFound {

        /** The tail of a "port in use" message, e.g. {@code held by pid 1234 (python3 -m http.server 8080)}. */
        String describe();
    }

    /** The port's listener belongs to {@code holder}. */
    public record Found(Holder holder) implements Lookup {
        @Override
        public String describe() {
            return "held by pid " + holder.pid() + " (" + holder.commandLine() + ")";
        }
    }

    /**
     * A listener is there (socket {@code inode}, owned by {@code uid}), but no process whose
     * descriptors this user can read holds it: another user's process, or one in another PID
     * namespace.
     */
    public record Uninspectable(long inode, long uid) implements Lookup {
        @Override
        public String describe() {
            return "held by a process this user cannot inspect (uid " + uid + ")";
        }
    }

    /** No listener on the port was found, e.g. not Linux, or the holder has just gone. */
    public record NotFound() implements Lookup {
        @Override
        public String describe() {
            return "holder unknown";
        }
    }

    /** The process listening on {@code port}, if there is one and this user may inspect it. */
    public static Optional<Holder> find(int port) {
        return find(PROC, port);
    }

    static Optional<Holder> find(Path proc, int port) {
        return lookup(proc, port) instanceof Found found ? Optional.of(found.holder()) : Optional.empty();
    }

    /** Who listens on {@code port}: a process, one that cannot be inspected, or nobody found. */
    public static Lookup lookup(int port) {
        return lookup(PROC, port);
    }

    /**
     * {@link #lookup(int)} against a {@code /proc} tree rooted at {@code proc}, for tests.
     *
     * <p>When several processes share the socket (forked workers inherit it), the lowest pid is
     * named, which is usually the parent that opened it.
     */
    static Lookup lookup(Path proc, int port) {
        try {
            Map<Long, Long> uidByInode = new HashMap<>();
            uidByInode.putAll(listeningInodes(proc.resolve("net/tcp"), port));
            uidByInode.putAll(listeningInodes(proc.resolve("net/tcp6"), port));
            if (uidByInode.isEmpty()) {
                return new NotFound();
            }
            OptionalLong pid = lowestPidHolding(proc, uidByInode.keySet().stream().map(i -> "socket:[" + i + "]").toList());
            if (pid.isPresent()) {
                return new Found(new Holder(pid.getAsLong(), commandLine(proc, pid.getAsLong())));
            }
            Map.Entry<Long, Long> socket = uidByInode.entrySet().iterator().next();
            return new Uninspectable(socket.getKey(), socket.getValue());
        } catch (IOException | RuntimeException e) {
            return new NotFound();
        }
    }

    /** The tail of a "port in use" message: {@code held by pid 1234 (...)}, or why no pid is named. */
    public static String describe(int port) {
        return lookup(port).describe();
    }

    /**
     * Socket inode to owner uid of the LISTEN sockets on {@code port} in one {@code /proc/net/tcp*}
     * table. Columns: {@code sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode}.
     */
    private static Map<Long, Long> listeningInodes(Path table, int port) throws IOException {
        Map<Long, Long> uidByInode = new HashMap<>();
        if (!Files.isReadable(table)) {
            return uidByInode;
        }
        List<String> lines = Files.readAllLines(table, StandardCharsets.US_ASCII);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length < 10 || !LISTEN.equals(columns[3])) {
                continue;
            }
            String local = columns[1];
            int localPort = Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16);
            long inode = Long.parseLong(columns[9]);
            if (localPort == port && inode != 0) {
                uidByInode.put(inode, Long.parseLong(columns[7]));
            }
        }
        return uidByInode;
    }

    private static OptionalLong lowestPidHolding(Path proc, List<String> sockets) throws IOException {
        OptionalLong lowest = OptionalLong.empty();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, p -> PID.matcher(p.getFileName().toString()).matches())) {
            for (Path process : processes) {
                long pid = Long.parseLong(process.getFileName().toString());
                if ((lowest.isEmpty() || pid < lowest.getAsLong()) && holdsAny(process.resolve("fd"), sockets)) {
                    lowest = OptionalLong.of(pid);
                }
            }
        }
        return lowest;
    }

    /** False too when the descriptors cannot be read: another user's process, or one that just exited. */
    private static boolean holdsAny(Path fds, List<String> sockets) {
        try (DirectoryStream<Path> links = Files.newDirectoryStream(fds)) {
            for (Path link : links) {
                try {
                    if (sockets.contains(Files.readSymbolicLink(link).toString())) {
                        return true;
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // closed meanwhile, or not a link: not the socket
                }
            }
            return false;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /**
     * The process's arguments joined by spaces, on one line and at most
     * {@value #MAX_COMMAND_LINE_CHARS} characters; its name from {@code comm} in brackets when it has
     * no arguments (a kernel thread, a zombie), {@code ?} when neither can be read.
     */
    static String commandLine(Path proc, long pid) {
        Path process = proc.resolve(Long.toString(pid));
        String line;
        try {
            line = new String(Files.readAllBytes(process.resolve("cmdline")), StandardCharsets.UTF_8);
            line = CONTROL_CHARS.matcher(line).replaceAll(" ").strip();
            if (line.isEmpty()) {
                line = "[" + Files.readString(process.resolve("comm"), StandardCharsets.UTF_8).strip() + "]";
            }
        } catch (IOException | RuntimeException e) {
            return "?";
        }
        return line.length() <= MAX_COMMAND_LINE_CHARS ? line : line.substring(0, MAX_COMMAND_LINE_CHARS - 3) + "...";
    }
}
