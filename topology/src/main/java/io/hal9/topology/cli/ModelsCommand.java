package io.hal9.topology.cli;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hal9.neurons.models.CatalogEntry;
import io.hal9.neurons.models.Lifecycle;
import io.hal9.neurons.models.ModelCatalog;
import io.hal9.neurons.models.Prices;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.node.ModelCheck;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hal9 models}: the model catalog, one line per model, marking the models the configured
 * layers ask. Settings come as for {@code hal9 run}: {@code --set key=value} over the environment
 * over the defaults.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the Claude models of the model catalog: lifecycle, retirement and replacement, prices, "
                + "prompt-cache minimum, max output, thinking, effort and latency, and which layers ask each.",
                "Prices are US dollars per million tokens: input, output, prompt-cache writes (5 minutes, 1 hour), "
                        + "prompt-cache reads, Message Batches input/output."})
public final class ModelsCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "One JSON object per model and line instead of the table.")
    boolean json;

    @Option(names = "--catalog", description = "A catalog file instead of the configured one "
            + "(hal9.claude.model.catalog.file, else the bundled catalog).")
    Path catalogFile;

    @Option(names = "--on", description = "The day whose lifecycle to show, YYYY-MM-DD (default: today, UTC): a "
            + "model is retired from its retirement date on.")
    LocalDate on;

    @Option(names = "--set", description = "Any setting as key=value, e.g. --set hal9.l3.model=claude-opus-5-5.")
    Map<String, String> settings = new HashMap<>();

    @Override
    public Integer call() throws JsonProcessingException {
        Map<String, Object> explicit = new HashMap<>(settings);
        if (catalogFile != null) {
            explicit.put(Hal9Config.CLAUDE_MODEL_CATALOG_FILE_CONFIG, catalogFile.toString());
        }
        Hal9Config config = Hal9Config.load(explicit, System.getenv());
        ModelCatalog catalog = Hal9Settings.catalog(config);
        LocalDate day = on != null ? on : LocalDate.now(ZoneOffset.UTC);

        // which layers ask which entry; models the catalog does not know are said apart
        Map<String, List<String>> usedBy = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String layer : config.layersChain()) {
            String model = ModelCheck.model(config, layer);
            Optional<CatalogEntry> entry = catalog.find(model);
            if (entry.isPresent()) {
                usedBy.computeIfAbsent(entry.get().id(), id -> new ArrayList<>()).add(layer);
            } else {
                unknown.add(catalog.verdict(model, day).refusal(ModelCheck.setting(layer)).orElseThrow());
            }
        }

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            for (CatalogEntry entry : catalog.entries()) {
                out.println(JSON.writeValueAsString(json(entry, day, usedBy.getOrDefault(entry.id(), List.of()))));
            }
        } else {
            out.println(catalog.origin() + ", checked " + catalog.checked() + "; lifecycle on " + day
                    + "; prices in US dollars per million tokens; LAYERS: the configured layers that ask it");
            out.print(table(catalog, day, usedBy));
            for (String line : unknown) {
                out.println("not in the catalog: " + line);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The catalog as an aligned table, one line per model. */
    static String table(ModelCatalog catalog, LocalDate day, Map<String, List<String>> usedBy) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"MODEL", "ALIASES", "LIFECYCLE", "RETIRES", "REPLACEMENT", "IN", "OUT", "WRITE-5M",
                "WRITE-1H", "READ", "BATCH-IN/OUT", "MIN-CACHE", "MAX-OUT", "THINKING", "EFFORT", "LATENCY", "LAYERS"});
        for (CatalogEntry entry : catalog.entries()) {
            List<String> layers = usedBy.getOrDefault(entry.id(), List.of());
            boolean figures = entry.maxOutputTokens() > 0; // a retired entry may give only its names and dates
            Prices p = entry.prices();
            rows.add(new String[] {
                    entry.id(),
                    entry.aliases().isEmpty() ? "-" : String.join(",", entry.aliases()),
                    lifecycle(entry, day),
                    entry.retires().map(LocalDate::toString).orElse("-"),
                    entry.replacement().orElse("-"),
                    figures ? price(p.input()) : "-",
                    figures ? price(p.output()) : "-",
                    figures ? price(p.cacheWrite5m()) : "-",
                    figures ? price(p.cacheWrite1h()) : "-",
                    figures ? price(p.cacheRead()) : "-",
                    figures ? price(p.batchInput()) + "/" + price(p.batchOutput()) : "-",
                    figures ? Long.toString(entry.minCacheableTokens()) : "-",
                    figures ? Long.toString(entry.maxOutputTokens()) : "-",
                    figures ? name(entry.thinking()) : "-",
                    entry.defaultEffort().orElse(figures && !entry.takesEffort() ? "none" : "-"),
                    figures ? latency(entry) : "-",
                    layers.isEmpty() ? "-" : String.join(",", layers)});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == 0 ? "" : "  ").append(row[i]).append(" ".repeat(widths[i] - row[i].length()));
            }
            text.append(line.toString().stripTrailing()).append('\n');
        }
        return text.toString();
    }

    /** One model as a JSON object. */
    static ObjectNode json(CatalogEntry entry, LocalDate day, List<String> layers) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", entry.id());
        entry.aliases().forEach(node.putArray("aliases")::add);
        node.put("display_name", entry.displayName());
        node.put("lifecycle", lifecycle(entry, day));
        node.put("retires", entry.retires().map(LocalDate::toString).orElse(null));
        node.put("replacement", entry.replacement().orElse(null));
        boolean figures = entry.maxOutputTokens() > 0;
        if (figures) {
            Prices p = entry.prices();
            ObjectNode prices = node.putObject("prices");
            prices.put("input", p.input());
            prices.put("output", p.output());
            prices.put("cache_write_5m", p.cacheWrite5m());
            prices.put("cache_write_1h", p.cacheWrite1h());
            prices.put("cache_read", p.cacheRead());
            prices.put("batch_input", p.batchInput());
            prices.put("batch_output", p.batchOutput());
            node.put("min_cacheable_tokens", entry.minCacheableTokens());
            node.put("context_window", entry.contextWindow());
            node.put("max_output_tokens", entry.maxOutputTokens());
            node.put("thinking", name(entry.thinking()));
            entry.efforts().forEach(node.putArray("efforts")::add);
            node.put("default_effort", entry.defaultEffort().orElse(null));
            ObjectNode latency = node.putObject("latency");
            latency.put("first_token_ms", entry.latency().firstTokenMs());
            latency.put("output_tokens_per_second", entry.latency().outputTokensPerSecond());
        }
        layers.forEach(node.putArray("used_by")::add);
        return node;
    }

    /** Its state on {@code day}: {@code retired} from its retirement date on, whatever the file says. */
    private static String lifecycle(CatalogEntry entry, LocalDate day) {
        Lifecycle state = entry.lifecycleOn(day);
        return name(state);
    }

    private static String name(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A price with at least two decimals and no trailing zeros beyond them: 2.00, 0.125. */
    private static String price(double dollars) {
        BigDecimal exact = BigDecimal.valueOf(dollars).stripTrailingZeros();
        return exact.scale() < 2 ? exact.setScale(2).toPlainString() : exact.toPlainString();
    }

    private static String latency(CatalogEntry entry) {
        double rate = entry.latency().outputTokensPerSecond();
        String perSecond = rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
        return entry.latency().firstTokenMs() + "ms+" + perSecond + "tok/s";
    }
}
