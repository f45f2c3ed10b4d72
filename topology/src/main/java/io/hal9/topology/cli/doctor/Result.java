package io.hal9.topology.cli.doctor;

import java.util.Locale;

/**
 * What a {@link Check} found.
 *
 * @param status OK, WARN or FAIL
 * @param name   the check, e.g. {@code admin}
 * @param detail what was found; further lines (e.g. log lines) follow a newline
 * @param hint   what to do about a WARN or FAIL, or {@code null}
 */
public record Result(Status status, String name, String detail, String hint) {

    public static Result ok(String name, String detail) {
        return new Result(Status.OK, name, detail, null);
    }

    public static Result warn(String name, String detail, String hint) {
        return new Result(Status.WARN, name, detail, hint);
    }

    public static Result fail(String name, String detail, String hint) {
        return new Result(Status.FAIL, name, detail, hint);
    }

    /**
     * The printed form: {@code OK   admin      http://... answers as hal9-streams ...}, with
     * {@code  hint: ...} appended to a WARN or FAIL; further detail lines are indented below.
     */
    public String line() {
        String[] lines = detail.split("\n", -1);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-5s%-11s%s", status, name, lines[0]));
        if (hint != null && status != Status.OK) {
            out.append("  hint: ").append(hint);
        }
        for (int i = 1; i < lines.length; i++) {
            out.append('\n').append(" ".repeat(16)).append(lines[i]);
        }
        return out.toString();
    }
}
