package io.hal9.topology.layer;

import java.time.InstantSource;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.resilience.CapacitySettings;
import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.topology.config.StageSettings;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the neuron processors of one layer instance share, one per layer per process: the layer,
 * its stage settings, the neuron client (cache and breaker included), the layer's metrics, the
 * instance's {@link CallBudget} and whether Claude serves the layer at all ({@link ClaudeAccess}: key,
 * billing, model) and the answers its tasks hold, in memory ({@link LocalAnswers}, content routing).
 * Each processor (one per task) holds a reference. {@code clock} tells when a stored
 * answer expires (the system clock; tests move one by hand).
 */
public record LayerStage(LayerSpec spec, StageSettings settings, NeuronClient neuron, LayerMetrics metrics,
                         CallBudget budget, ClaudeAccess access, LocalAnswers answers, InstantSource clock) {

    /** A stage with a fresh budget and access state, its gauges registered in {@code registry}. */
    public static LayerStage create(LayerSpec spec, StageSettings settings, CapacitySettings capacity,
                                    NeuronClient neuron, LayerMetrics metrics, MeterRegistry registry) {
        return create(spec, settings, new ClaudeCapacity(capacity), neuron, metrics, registry);
    }

    /**
     * A stage sharing Claude through {@code capacity} (e.g. one with a test's clock, or the one the
     * lanes of a layer instance share: the stage takes its calls in its lane's partition).
     */
    public static LayerStage create(LayerSpec spec, StageSettings settings, ClaudeCapacity capacity,
                                    NeuronClient neuron, LayerMetrics metrics, MeterRegistry registry) {
        return new LayerStage(spec, settings, neuron, metrics,
                new CallBudget(spec.layer(), spec.lane(), settings, capacity, registry),
                new ClaudeAccess(spec.layer(), settings.authRetry()), new LocalAnswers(settings.cacheMaxBytes()),
                InstantSource.system());
    }

    /** The same stage with answers expiring on {@code otherClock}. */
    public LayerStage withClock(InstantSource otherClock) {
        return new LayerStage(spec, settings, neuron, metrics, budget, access, answers, otherClock);
    }
}
