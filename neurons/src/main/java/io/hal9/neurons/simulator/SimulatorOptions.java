package io.hal9.neurons.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link ClaudeSimulator} behaves: the delay before each answer ({@code latency} plus a
 * random extra of up to {@code jitter}) and the {@link FaultPlan} that may replace an answer with
 * an error or a hang.
 */
public record SimulatorOptions(Duration latency, Duration jitter, FaultPlan faults) {

    public SimulatorOptions {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(faults, "faults");
        if (latency.isNegative() || jitter.isNegative()) {
            throw new IllegalArgumentException("latency and jitter must not be negative");
        }
    }

    /** 20 ms per answer, no jitter, no faults. */
    public static SimulatorOptions defaults() {
        return new SimulatorOptions(Duration.ofMillis(20), Duration.ZERO, FaultPlan.none());
    }

    public SimulatorOptions withLatency(Duration newLatency) {
        return new SimulatorOptions(newLatency, jitter, faults);
    }

    public SimulatorOptions withJitter(Duration newJitter) {
        return new SimulatorOptions(latency, newJitter, faults);
    }

    public SimulatorOptions withFaults(FaultPlan newFaults) {
        return new SimulatorOptions(latency, jitter, newFaults);
    }
}
