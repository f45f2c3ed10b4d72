package io.hal9.topology.node;

import java.time.InstantSource;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Ticker;

import io.hal9.neurons.NeuronClient;
import io.hal9.neurons.resilience.BreakerNeuronClient;
import io.hal9.neurons.resilience.CachedNeuronClient;
import io.hal9.neurons.resilience.ClaudeCapacity;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the lanes of one layer share in one process: the circuit breaker (an outage is the layer's,
 * whatever the lane), the neuron cache (identical calls in flight are joined across lanes), and
 * Claude's capacity (one live limit, partitioned by lane with {@code hal9.lanes.shares}). One per
 * layer per process; its meters are registered once, tagged with the layer.
 *
 * @param breaker  the breaker around the layer's Claude calls
 * @param cache    the cache in front of the breaker: a cached answer is served even while Claude is down
 * @param capacity the layer's Claude call budget, following the breaker
 */
public record LayerClaude(BreakerNeuronClient breaker, CachedNeuronClient cache, ClaudeCapacity capacity) {

    /** The shared part of layer {@code layer}, its stored answers expiring on {@code clock}. */
    public static LayerClaude of(String layer, Hal9Config config, NeuronClient neuron, MeterRegistry registry,
                                 InstantSource clock) {
        BreakerNeuronClient breaker = new BreakerNeuronClient(neuron, Hal9Settings.breaker(config), layer);
        // routed by content, the layer keeps its answers in its answer store: the client only joins
        // identical calls in flight
        CachedNeuronClient cache = Hal9Settings.contentRouting(config)
                ? CachedNeuronClient.joiningOnly(breaker, Hal9Settings.cache(config, layer), layer, ticker(clock))
                : new CachedNeuronClient(breaker, Hal9Settings.cache(config, layer), layer);
        breaker.bindMetrics(registry);
        cache.bindMetrics(registry);
        ClaudeCapacity capacity = new ClaudeCapacity(Hal9Settings.capacity(config));
        capacity.follow(breaker.circuitBreaker());
        return new LayerClaude(breaker, cache, capacity);
    }

    /** Caffeine's ticker on {@code clock}: the system's own ticker for the system clock. */
    private static Ticker ticker(InstantSource clock) {
        return clock.equals(InstantSource.system()) ? Ticker.systemTicker()
                : () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    }
}
