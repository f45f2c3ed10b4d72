package io.hal9.topology.cli.doctor;

/** One diagnosis of {@code hal9 doctor}: looks at one thing and says whether it is healthy. Never throws. */
@FunctionalInterface
public interface Check {

    Result run();
}
