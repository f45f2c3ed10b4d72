package io.hal9.topology.cli.doctor;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import io.hal9.neurons.models.Lifecycle;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.models.ModelVerdict;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.node.ModelCheck;

import org.apache.kafka.common.config.ConfigException;

/**
 * {@code models}: the model of each layer of the configured chain ({@code hal9.layers.chain},
 * {@code hal9.<layer>.model}, from the environment and {@code --set} as {@code hal9 run} reads
 * them) against the model catalog on a day.
 *
 * <p>A retired or unknown model is a FAIL, with the line a layer would refuse to start with; a
 * deprecated model within {@value #WARN_DAYS} days of its retirement is a WARN with the date and
 * the replacement, as is a legacy model; anything else is OK (a deprecated model further from its
 * date is OK, the date said). Settings that cannot be read are a FAIL naming the setting.
 */
public final class ModelsCheck implements Check {

    static final String NAME = "models";
    /** How near its retirement a deprecated model becomes a WARN. */
    public static final int WARN_DAYS = 30;

    private final Supplier<Hal9Config> config;
    private final LocalDate today;

    /**
     * @param config reads the settings; it may throw, which the check reports
     * @param today  the day to judge the models on
     */
    public ModelsCheck(Supplier<Hal9Config> config, LocalDate today) {
        this.config = config;
        this.today = today;
    }

    @Override
    public Result run() {
        Hal9Config settings;
        ModelCatalog catalog;
        try {
            settings = config.get();
            catalog = Hal9Settings.catalog(settings);
        } catch (ConfigException | IllegalArgumentException e) {
            return Result.fail(NAME, "cannot read the settings: " + e.getMessage(), "see hal9 config");
        }
        Status worst = Status.OK;
        List<String> fine = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String layer : settings.layersChain()) {
            String setting = ModelCheck.setting(layer);
            String model;
            try {
                model = ModelCheck.model(settings, layer);
            } catch (ConfigException | IllegalArgumentException e) {
                failures.add(layer + ": " + e.getMessage());
                worst = Status.FAIL;
                continue;
            }
            ModelVerdict verdict = catalog.verdict(model, today);
            Optional<String> refusal = verdict.refusal(setting);
            if (refusal.isPresent()) {
                failures.add(refusal.get());
                worst = Status.FAIL;
            } else if (soon(verdict) || verdict.lifecycle().orElseThrow() == Lifecycle.LEGACY) {
                warnings.add(verdict.warning(setting).orElseThrow());
                worst = worst.worst(Status.WARN);
            } else {
                fine.add(layer + " " + model + verdict.warning(setting).map(w -> " ("
                        + w.substring(w.indexOf(": ") + 2) + ")").orElse(""));
            }
        }
        String source = "(" + catalog.origin() + ", checked " + catalog.checked() + ")";
        if (worst == Status.OK) {
            return Result.ok(NAME, String.join(", ", fine) + " " + source);
        }
        List<String> lines = new ArrayList<>(failures);
        lines.addAll(warnings);
        String hint = worst == Status.FAIL
                ? "a layer does not start with it: set the model to its replacement (hal9 models lists the catalog)"
                : "move to the replacement before the date (hal9 models lists the catalog)";
        return new Result(worst, NAME, String.join("\n", lines), hint);
    }

    /** Whether a deprecated model retires within {@value #WARN_DAYS} days. */
    private boolean soon(ModelVerdict verdict) {
        return verdict.deprecated() && verdict.retires()
                .filter(date -> ChronoUnit.DAYS.between(today, date) <= WARN_DAYS).isPresent();
    }
}
