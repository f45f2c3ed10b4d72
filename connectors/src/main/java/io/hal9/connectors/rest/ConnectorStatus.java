package io.hal9.connectors.rest;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A connector's state as {@code GET /connectors/{name}/status} reports it: {@code UNASSIGNED},
 * {@code RUNNING}, {@code PAUSED}, {@code STOPPED}, {@code FAILED} or {@code RESTARTING}, for the
 * connector and for each task, with the first line of the error when one failed.
 */
public record ConnectorStatus(String name, String state, String error, List<Task> tasks) {

    public static final String RUNNING = "RUNNING";
    public static final String FAILED = "FAILED";

    public ConnectorStatus {
        tasks = List.copyOf(tasks);
    }

    /** The connector and at least one task run, and no task is in another state. */
    public boolean running() {
        return RUNNING.equals(state) && !tasks.isEmpty() && tasks.stream().allMatch(t -> RUNNING.equals(t.state()));
    }

    /** The connector or one of its tasks failed. */
    public boolean failed() {
        return FAILED.equals(state) || tasks.stream().anyMatch(t -> FAILED.equals(t.state()));
    }

    /** One line: {@code RUNNING (task 0 RUNNING)}, or with the error of what failed. */
    public String describe() {
        StringBuilder line = new StringBuilder(state);
        if (error != null) {
            line.append(": ").append(error);
        }
        line.append(tasks.isEmpty() ? " (no tasks)" : tasks.stream().map(Task::describe)
                .collect(Collectors.joining(", ", " (", ")")));
        return line.toString();
    }

    /** One task of the connector. */
    public record Task(int id, String state, String error) {

        String describe() {
            return "task " + id + " " + state + (error == null ? "" : ": " + error);
        }
    }
}
