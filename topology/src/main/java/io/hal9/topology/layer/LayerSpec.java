package io.hal9.topology.layer;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.Lane;

import org.apache.kafka.common.config.ConfigException;

/**
 * Everything a layer topology needs to know about its layer, resolved from configuration.
 *
 * @param layer           the layer name, e.g. {@code L3}
 * @param profile         the neuron profile: role, model, max tokens, effort, versioned system prompt (bundled, or
 *                        from {@code hal9.<layer>.prompt.file})
 * @param nextLayer       the layer the derived signal goes to; empty for the last layer (results)
 * @param maxContentBytes largest content accepted; larger signals are invalid input
 * @param callTimeout     how long the layer waits for one neuron answer, SDK retries included
 * @param applicationId   the Kafka Streams application id: one consumer group, one lag figure per layer
 * @param cacheTtl        how long an answer of this layer is served from its cache ({@code hal9.<layer>.cache.ttl.ms})
 * @param lane            the lane this application of the layer reads and writes ({@link Lane})
 * @param prices          what its calls cost: the model catalog's prices, with {@code hal9.claude.prices.usd.per.mtok}
 */
public record LayerSpec(String layer, LayerProfile profile, Optional<String> nextLayer, int maxContentBytes,
                        Duration callTimeout, String applicationId, Duration cacheTtl, Lane lane, ClaudePrices prices) {

    /** Resolves a layer of the configured chain, in the normal lane. */
    public static LayerSpec of(String layer, Hal9Config config) {
        return of(layer, Lane.NORMAL, config);
    }

    /**
     * Resolves a layer of the configured chain in a lane: its application id ends with the lane's
     * suffix ({@code hal9-l2-high}).
     */
    public static LayerSpec of(String layer, Lane lane, Hal9Config config) {
        List<String> chain = config.layersChain();
        int at = chain.indexOf(layer);
        if (at < 0) {
            throw new IllegalArgumentException("layer " + layer + " is not in " + Hal9Config.LAYERS_CHAIN_CONFIG + " "
                    + chain);
        }
        // the prompt file, if any, is read here: a wrong one fails before anything connects
        LayerProfile defaults = LayerProfile.of(layer, config.layerPrompt(layer));
        LayerProfile profile = defaults
                .withModel(Optional.ofNullable(config.layerModel(layer)).orElse(defaults.model()))
                .withMaxTokens(Optional.ofNullable(config.layerMaxTokens(layer)).map(Integer::longValue)
                        .orElse(defaults.maxTokens()))
                .withEffort(Optional.ofNullable(config.layerEffort(layer)).orElse(defaults.effort()));
        profile = fitToModel(layer, profile, config);
        Optional<String> next = at == chain.size() - 1 ? Optional.empty() : Optional.of(chain.get(at + 1));
        int attempts = 1 + config.claudeMaxRetries();
        // every SDK attempt may take the full timeout, plus backoff between attempts
        Duration callTimeout = config.claudeTimeout().multipliedBy(attempts).plusSeconds(10);
        return new LayerSpec(layer, profile, next, config.signalMaxContentBytes(),
                callTimeout, config.applicationIdPrefix() + layer.toLowerCase(Locale.ROOT)
                        + lane.applicationIdSuffix(), config.layerCacheTtl(layer), lane,
                new ClaudePrices(Hal9Settings.catalog(config), config.claudePrices()));
    }

    /**
     * The profile checked against what the model catalog says of its model: a max tokens above the
     * model's max output, or an effort the model does not take, fails naming the setting; a default
     * effort is dropped for a model that takes none (Claude Haiku 4.5), so choosing such a model is
     * one setting. A model the catalog does not know, or knows as retired, is left as it is: the
     * start-up model check refuses it, naming its setting.
     */
    static LayerProfile fitToModel(String layer, LayerProfile profile, Hal9Config config) {
        // a retired model's entry has no figures to check against: the start-up model check refuses it
        Optional<CatalogEntry> entry = Hal9Settings.catalog(config).find(profile.model())
                .filter(model -> model.lifecycle().answers());
        if (entry.isEmpty()) {
            return profile;
        }
        CatalogEntry model = entry.get();
        String lower = layer.toLowerCase(Locale.ROOT);
        if (profile.maxTokens() > model.maxOutputTokens()) {
            String key = String.format(Hal9Config.LAYER_MAX_TOKENS_CONFIG_FORMAT, lower);
            throw new ConfigException(key, profile.maxTokens(), profile.model() + " answers with at most "
                    + model.maxOutputTokens() + " output tokens");
        }
        if (profile.effort().isEmpty()) {
            return profile;
        }
        String effortKey = String.format(Hal9Config.LAYER_EFFORT_CONFIG_FORMAT, lower);
        if (!model.takesEffort()) {
            if (config.layerEffort(layer) != null) {
                throw new ConfigException(effortKey, profile.effort(), profile.model() + " takes no effort; leave "
                        + effortKey + " empty or choose a model that does (hal9 models)");
            }
            return profile.withEffort("");
        }
        if (!model.efforts().contains(profile.effort())) {
            throw new ConfigException(effortKey, profile.effort(), profile.model() + " takes the efforts "
                    + model.efforts());
        }
        return profile;
    }

    /** Prefix of every processor and store name of this layer, e.g. {@code l3}. */
    public String prefix() {
        return layer.toLowerCase(Locale.ROOT);
    }

    /** Name of the neuron the derived signal is addressed to. */
    public String nextNeuron() {
        return nextLayer.map(LayerProfile::neuronName).orElse("results");
    }
}
