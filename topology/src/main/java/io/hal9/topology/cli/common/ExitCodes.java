package io.hal9.topology.cli.common;

/** The exit status of every {@code hal9} command. */
public final class ExitCodes {

    /** The command did what it was asked. */
    public static final int OK = 0;
    /** The work did not finish (a demo timed out, a check warned, a connector did not start). */
    public static final int UNFINISHED = 1;
    /** A usage or start-up error (an invalid setting, a port in use), said in one line. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
