package io.hal9.topology.cli.common;

import java.util.LinkedHashMap;
import java.util.Map;

import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;
import io.hal9.topology.layer.AsyncNeuronProcessor;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.layer.NeuronAnswers;

import org.apache.kafka.common.config.TopicConfig;

/** The Kafka Streams internal topics of the layers, as {@code hal9 topics} and the demo create them ahead. */
public final class InternalTopics {

    private InternalTopics() {
    }

    /**
     * The internal topics of every lane of every layer of the chain ({@link #of(Hal9Config, LayerSpec)}), by name, with their settings; each takes the partition count of its lane's input.
     */
    public static Map<String, Map<String, String>> of(Hal9Config config) {
        Map<String, Map<String, String>> internal = new LinkedHashMap<>();
        for (String layer : config.layersChain()) {
            for (Lane lane : config.lanes()) {
                internal.putAll(of(config, LayerSpec.of(layer, lane, config)));
            }
        }
        return internal;
    }

    /**
     * The internal topics of a layer's lane, with the settings Kafka Streams would give them. With
     * the non-blocking stage, the in-flight store's changelog
     * {@code <application.id>-<layer>-inflight-changelog} (compacted). Routed by content
     * ({@code hal9.cache.routing=content}), also the repartition topic
     * {@code <application.id>-<layer>-route-repartition} (kept until Kafka Streams purges what it
     * committed) and the answer store's changelog {@code <application.id>-<layer>-neuron-cache-changelog}
     * (compacted and deleted after the layer's TTL: {@link NeuronAnswers}). Each takes the partition
     * count of the lane's input topic: Kafka Streams refuses to start on a repartition topic or
     * changelog of another count. Created ahead, together, they let a layer run without the right to
     * create topics, and spare the applications of many lanes starting at once from waiting on each
     * other's creations; Kafka Streams never alters an existing topic's settings, so a changed TTL
     * needs the changelog's {@code retention.ms} and {@code segment.ms} changed by hand.
     */
    public static Map<String, Map<String, String>> of(Hal9Config config, LayerSpec spec) {
        Map<String, Map<String, String>> internal = new LinkedHashMap<>();
        if (!Hal9Settings.stage(config).async()) {
            return internal;
        }
        internal.put(spec.applicationId() + "-" + AsyncNeuronProcessor.storeName(spec) + "-changelog",
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        if (Hal9Settings.contentRouting(config)) {
            String prefix = spec.applicationId() + "-" + spec.prefix();
            internal.put(prefix + "-route-repartition", Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                    TopicConfig.CLEANUP_POLICY_DELETE, TopicConfig.RETENTION_MS_CONFIG, "-1"));
            internal.put(prefix + "-neuron-cache-changelog", NeuronAnswers.changelogConfig(spec.cacheTtl()));
        }
        return internal;
    }
}
