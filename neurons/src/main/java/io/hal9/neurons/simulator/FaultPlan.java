package io.hal9.neurons.simulator;

import java.util.Optional;

/**
 * Decides, request by request, whether the {@link ClaudeSimulator} answers normally or with a
 * fault (an HTTP error such as 429, 500 or 529, possibly after a delay, or a hang).
 *
 * <p>The simulator consults the plan for every authenticated, well-formed Messages request, in
 * arrival order; implementations must be thread-safe because requests arrive concurrently.
 * {@link FaultPlans} has ready-made plans: a share of errors or hangs, an outage window, a
 * test-chosen fault, and the first of several.
 */
@FunctionalInterface
public interface FaultPlan {

    /** The fault to answer this request with, or empty for a normal answer. */
    Optional<SimulatedFault> next(SimulatedRequest request);

    /** A plan that never injects a fault. */
    static FaultPlan none() {
        return request -> Optional.empty();
    }
}
