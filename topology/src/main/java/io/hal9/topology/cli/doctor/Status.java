package io.hal9.topology.cli.doctor;

/** The verdict of a {@link Check}, mildest first. */
public enum Status {
    OK, WARN, FAIL;

    /** The worse of the two. */
    public Status worst(Status other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
