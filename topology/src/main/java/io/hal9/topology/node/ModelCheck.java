package io.hal9.topology.node;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.hal9.neurons.LayerProfile;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.Lifecycle;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.models.ModelVerdict;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.config.ModelCheckSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up model check: before a process connects to Kafka, the model of every layer it runs
 * ({@code hal9.<layer>.model}, or the layer's default; its lanes share it) must be one Claude still
 * answers.
 *
 * <p><b>How to use.</b> {@code ModelCheck.of(config, apiKey, clock).check(layers)} gives a
 * {@link Report}: when {@link Report#refused()}, print its {@link Report#refusals()} (one line per
 * refused layer, e.g. {@code hal9.l3.model=claude-sonnet-4-5: retired on 2026-11-30 (Claude
 * Sonnet 4.5); replacement: claude-sonnet-5-5}) and stop; otherwise start the layers and publish
 * the retirement dates with {@link ModelMetrics#bind}; {@link Report#log()} logs the models, a
 * deprecated or legacy one as a WARN line.
 *
 * <p><b>Where a verdict comes from</b> ({@code hal9.claude.model.check}):
 * <ul>
 *   <li>the model catalog ({@link Hal9Settings#catalog}) on the day of {@code clock}, with the
 *       simulator, without an API key, or with {@code catalog};</li>
 *   <li>Anthropic's Models API ({@link ModelsApi}), with an API key and Anthropic's base URL (or
 *       {@code api}): 404 or lifecycle {@code retired} refuses the layer, {@code deprecated} warns
 *       with its retirement time; the catalog still names the replacement. One lookup per model.
 *       If the API cannot be reached (timeout, 5xx, network), a WARN says so and the catalog
 *       decides, for that model and every one after it. A 401 refuses start-up with one line
 *       about the key (never the key itself).</li>
 * </ul>
 *
 * <p><b>Current limitations.</b> A layer not in {@code hal9.layers.chain} is left to the layer's
 * own resolution, which refuses it. A key the API answers 403 for is not refused here (the
 * layers' calls say so): the catalog decides.
 */
public final class ModelCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCheck.class);

    /** What the check found of one layer's model, mildest first. */
    public enum Verdict {
        /** Current: nothing to say. */
        OK,
        /** It answers, but is deprecated (it retires on a date) or legacy (a newer model is current). */
        WARN,
        /** Retired or unknown: the layer cannot start with it. */
        REFUSED
    }

    /** Which source decided a finding. */
    public enum Source {
        CATALOG("model catalog"), MODELS_API("Models API");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /**
     * One layer's model and what the check found.
     *
     * @param layer   the layer, e.g. {@code L3}
     * @param setting the setting that names its model, e.g. {@code hal9.l3.model}
     * @param model   the model it asks
     * @param verdict OK, WARN or REFUSED
     * @param line    the warning or refusal, one line naming the setting; empty when OK
     * @param retires when the model retires, when a date is known and it still answers
     * @param source  where the verdict came from
     */
    public record Finding(String layer, String setting, String model, Verdict verdict, Optional<String> line,
            Optional<Instant> retires, Source source) {
    }

    /**
     * The layers' findings, and the line about a rejected key when the Models API refused it (then
     * the layers after it were not checked).
     */
    public record Report(List<Finding> findings, Optional<String> keyRejected) {

        public Report {
            findings = List.copyOf(findings);
        }

        /** Whether the process must not start. */
        public boolean refused() {
            return !refusals().isEmpty();
        }

        /** One line per reason the process must not start: the rejected key, then each refused layer. */
        public List<String> refusals() {
            List<String> lines = new ArrayList<>();
            keyRejected.ifPresent(lines::add);
            findings.stream().filter(f -> f.verdict() == Verdict.REFUSED).forEach(f -> lines.add(f.line().orElseThrow()));
            return lines;
        }

        /**
         * Logs each layer's model, once the process starts with them: INFO for a current one, WARN
         * with its line for a deprecated or legacy one (a refused one is for the caller to print).
         */
        public void log() {
            findings.forEach(ModelCheck::log);
        }

        /**
         * What a command does with the report before it starts anything: prints each refusal as one
         * {@code hal9: } line to {@code err} and answers false, or logs the layers' models and
         * answers true.
         */
        public boolean proceed(java.io.PrintWriter err) {
            if (refused()) {
                refusals().forEach(line -> err.println("hal9: " + line));
                err.flush();
                return false;
            }
            log();
            return true;
        }

        /** The findings of layers that may start but whose model retires or is legacy. */
        public List<Finding> warnings() {
            return findings.stream().filter(f -> f.verdict() == Verdict.WARN).toList();
        }
    }

    private final Hal9Config config;
    private final ModelCatalog catalog;
    private final Optional<String> apiKey;
    private final Clock clock;

    private ModelCheck(Hal9Config config, ModelCatalog catalog, Optional<String> apiKey, Clock clock) {
        this.config = config;
        this.catalog = catalog;
        this.apiKey = apiKey;
        this.clock = clock;
    }

    /**
     * The check a process with {@code config} makes: against the Models API when
     * {@code hal9.claude.model.check} and the key say so, else against the model catalog.
     *
     * @param apiKeyOrNull the value of {@code ANTHROPIC_API_KEY}, null or blank when unset
     * @throws org.apache.kafka.common.config.ConfigException when the catalog file cannot be read
     */
    public static ModelCheck of(Hal9Config config, String apiKeyOrNull, Clock clock) {
        ModelCatalog catalog = Hal9Settings.catalog(config);
        boolean keyed = apiKeyOrNull != null && !apiKeyOrNull.isBlank();
        ModelCheckSettings settings = Hal9Settings.modelCheck(config);
        String mode = settings.mode();
        boolean ask = keyed && ("api".equals(mode) || "auto".equals(mode) && settings.anthropic());
        return new ModelCheck(config, catalog, ask ? Optional.of(apiKeyOrNull) : Optional.empty(), clock);
    }

    /** The setting that names a layer's model: {@code hal9.l3.model}. */
    public static String setting(String layer) {
        return String.format(Hal9Config.LAYER_MODEL_CONFIG_FORMAT, layer.toLowerCase(Locale.ROOT));
    }

    /**
     * The model a layer of {@code config} asks: {@code hal9.<layer>.model}, else the layer's
     * default ({@link LayerProfile}), as the layer itself resolves it.
     */
    public static String model(Hal9Config config, String layer) {
        String configured = config.layerModel(layer);
        return configured != null ? configured : LayerProfile.of(layer, config.layerPrompt(layer)).model();
    }

    /** Whether this check asks the Models API. */
    public boolean asksModelsApi() {
        return apiKey.isPresent();
    }

    /** Checks the model of each of {@code layers} (those of {@code hal9.layers.chain}; others are skipped). */
    public Report check(List<String> layers) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        List<Finding> findings = new ArrayList<>();
        Optional<String> keyRejected = Optional.empty();
        ModelCheckSettings settings = Hal9Settings.modelCheck(config);
        ModelsApi api = apiKey.map(key -> ModelsApi.connect(settings.baseUrl(), key, settings.timeout())).orElse(null);
        try {
            Map<String, ModelsApi.Answer> answers = new HashMap<>();
            for (String layer : layers) {
                if (!config.layersChain().contains(layer)) {
                    continue;
                }
                String setting = setting(layer);
                String model = model(config, layer);
                ModelVerdict verdict = catalog.verdict(model, today);
                Finding finding;
                if (api == null) {
                    finding = fromCatalog(layer, setting, verdict);
                } else {
                    ModelsApi.Answer answer = answers.computeIfAbsent(model, api::retrieve);
                    if (answer instanceof ModelsApi.KeyRejected rejected) {
                        keyRejected = Optional.of("the Models API at " + api.baseUrl() + " rejected ANTHROPIC_API_KEY "
                                + "(401" + (rejected.message().isBlank() ? "" : ": " + rejected.message())
                                + "): set the key of a Claude Console workspace");
                        break;
                    }
                    if (answer instanceof ModelsApi.Unreachable unreachable) {
                        LOG.warn("the Models API at {} could not be reached ({}): {} and the models after it are "
                                + "checked against the model catalog ({})", api.baseUrl(), unreachable.why(), setting,
                                catalog.origin());
                        api.close();
                        api = null;
                        finding = fromCatalog(layer, setting, verdict);
                    } else {
                        finding = fromApi(layer, setting, verdict, answer);
                    }
                }
                findings.add(finding);
            }
        } finally {
            if (api != null) {
                api.close();
            }
        }
        return new Report(findings, keyRejected);
    }

    private static Finding fromCatalog(String layer, String setting, ModelVerdict verdict) {
        if (!verdict.usable()) {
            return new Finding(layer, setting, verdict.model(), Verdict.REFUSED, verdict.refusal(setting),
                    Optional.empty(), Source.CATALOG);
        }
        Optional<String> warning = verdict.warning(setting);
        return new Finding(layer, setting, verdict.model(), warning.isPresent() ? Verdict.WARN : Verdict.OK, warning,
                verdict.retires().map(ModelCheck::startOf), Source.CATALOG);
    }

    private static Finding fromApi(String layer, String setting, ModelVerdict verdict, ModelsApi.Answer answer) {
        String model = verdict.model();
        Optional<String> replacement = verdict.replacement().map(CatalogEntry::id);
        if (answer instanceof ModelsApi.NotFound) {
            return refused(layer, setting, model, notFound(setting, verdict));
        }
        ModelsApi.Known known = (ModelsApi.Known) answer;
        Optional<Instant> retires = known.retiresAt().or(() -> verdict.retires().map(ModelCheck::startOf));
        String display = verdict.entry().map(CatalogEntry::displayName).orElse(known.displayName());
        Lifecycle lifecycle = known.lifecycle().orElse(Lifecycle.ACTIVE);
        if (lifecycle == Lifecycle.RETIRED) {
            StringBuilder line = new StringBuilder(setting).append('=').append(model).append(": retired");
            retires.ifPresent(at -> line.append(" on ").append(day(at)));
            line.append(" (").append(display).append(')')
                    .append(replacement.map(r -> "; replacement: " + r).orElse("; the catalog names no replacement"));
            return refused(layer, setting, model, line.toString());
        }
        if (lifecycle == Lifecycle.DEPRECATED) {
            StringBuilder line = new StringBuilder(setting).append('=').append(model).append(": deprecated");
            retires.ifPresent(at -> line.append(", retires on ").append(day(at)));
            line.append(" (").append(display).append(')');
            replacement.ifPresent(r -> line.append("; replacement: ").append(r));
            return new Finding(layer, setting, model, Verdict.WARN, Optional.of(line.toString()), retires,
                    Source.MODELS_API);
        }
        if (verdict.entry().isEmpty()) {
            return new Finding(layer, setting, model, Verdict.WARN, Optional.of(setting + "=" + model
                    + ": not in the model catalog, though the Models API serves it as " + known.id()
                    + " (" + known.displayName() + "): its prices, limits and latency are unknown"), retires,
                    Source.MODELS_API);
        }
        // the API serves it: a catalog that calls it retired is out of date, one that calls it legacy is right
        Optional<String> warning = verdict.usable() ? verdict.warning(setting) : Optional.empty();
        return new Finding(layer, setting, model, warning.isPresent() ? Verdict.WARN : Verdict.OK, warning, retires,
                Source.MODELS_API);
    }

    /** The refusal of a model the Models API answers 404 for, with what the catalog knows of it. */
    private static String notFound(String setting, ModelVerdict verdict) {
        if (verdict.entry().isPresent() && !verdict.usable()) {
            return verdict.refusal(setting).orElseThrow(); // retired: its date and replacement
        }
        StringBuilder line = new StringBuilder(setting).append('=').append(verdict.model()).append(": unknown model");
        if (verdict.entry().isEmpty()) {
            line.append(" (the Models API answers 404 and the model catalog does not list it");
            verdict.suggestion().ifPresent(name -> line.append("; did you mean ").append(name).append('?'));
            return line.append(')').toString();
        }
        CatalogEntry entry = verdict.entry().get();
        line.append(" to the Models API (404), though the model catalog lists it (").append(entry.displayName())
                .append(", ").append(verdict.lifecycle().orElseThrow().name().toLowerCase(Locale.ROOT))
                .append("): check that the key's organization may use it");
        verdict.replacement().ifPresent(r -> line.append("; replacement: ").append(r.id()));
        return line.toString();
    }

    private static Finding refused(String layer, String setting, String model, String line) {
        return new Finding(layer, setting, model, Verdict.REFUSED, Optional.of(line), Optional.empty(),
                Source.MODELS_API);
    }

    private static void log(Finding finding) {
        switch (finding.verdict()) {
            case OK -> LOG.info("{} asks {}: current ({})", finding.layer(), finding.model(), finding.source());
            case WARN -> LOG.warn("{} ({})", finding.line().orElseThrow(), finding.source());
            case REFUSED -> LOG.debug("{} ({})", finding.line().orElseThrow(), finding.source());
        }
    }

    /** The start of a retirement day, UTC: the moment from which the API answers 404. */
    static Instant startOf(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static LocalDate day(Instant at) {
        return LocalDate.ofInstant(at, ZoneOffset.UTC);
    }
}
