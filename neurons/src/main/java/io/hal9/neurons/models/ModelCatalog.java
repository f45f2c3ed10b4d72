package io.hal9.neurons.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The truth about Claude models in one data file: lifecycle, prices, prompt-cache minimum, output
 * limit, thinking, effort and latency of every model HAL9 Streams may be asked to use.
 *
 * <p><b>How to use.</b> {@link #bundled()} reads {@code io/hal9/neurons/models/catalog.yaml} from
 * the jar; {@link #load(Path)} reads a catalog file of the same format (so a changed line-up needs
 * no rebuild: {@code hal9.claude.model.catalog.file}). {@link #find(String)} looks a model up by
 * its id, an alias, or a dated snapshot of either ({@code claude-sonnet-5-5-20261001} finds
 * {@code claude-sonnet-5-5}: the API answers with the snapshot that served a call).
 * {@link #verdict(String, LocalDate)} says whether a model may be used on a day. The price table,
 * the simulator, the start-up check, {@code hal9 doctor} and {@code hal9 models} all read it.
 *
 * <p><b>Requirements.</b> Every entry names its id, lifecycle, prices, limits and latency; a
 * deprecated entry names its retirement date; a replacement names another entry; no two entries
 * share a name. A file that breaks a rule is refused with a message naming the file, and the line
 * or the model.
 *
 * <p><b>Current limitations.</b> Prices above a long-context threshold (Haiku 5.5 charges more past
 * 100k input tokens) are not modelled: the catalog holds the base prices.
 */
public final class ModelCatalog {

    /** The bundled catalog, a resource of this package. */
    public static final String RESOURCE = "catalog.yaml";

    private static final Pattern DATED = Pattern.compile("(.+)-\\d{8}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, false);
    private static volatile ModelCatalog bundled;
    /** The latency of a retired model, which answers nothing but 404. */
    private static final LatencyProfile RETIRED_LATENCY = new LatencyProfile(0, 1, "retired: answers 404 at once");

    private final String origin;
    private final LocalDate checked;
    private final List<CatalogEntry> entries;
    private final Map<String, CatalogEntry> byName;

    private ModelCatalog(String origin, LocalDate checked, List<CatalogEntry> entries) {
        this.origin = origin;
        this.checked = checked;
        this.entries = List.copyOf(entries);
        Map<String, CatalogEntry> names = new HashMap<>();
        for (CatalogEntry entry : entries) {
            for (String name : entry.names()) {
                CatalogEntry before = names.put(name, entry);
                if (before != null) {
                    throw new IllegalArgumentException(origin + ": model name '" + name + "' is given twice (in "
                            + before.id() + " and " + entry.id() + ")");
                }
            }
        }
        for (CatalogEntry entry : entries) {
            entry.replacement().filter(replacement -> !names.containsKey(replacement)).ifPresent(replacement -> {
                throw new IllegalArgumentException(origin + ": model " + entry.id() + " names replacement '"
                        + replacement + "', which the catalog does not list");
            });
        }
        this.byName = Map.copyOf(names);
    }

    /** The catalog bundled with HAL9 Streams. */
    public static ModelCatalog bundled() {
        ModelCatalog catalog = bundled;
        if (catalog == null) {
            try (InputStream in = ModelCatalog.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the bundled model catalog is missing (io/hal9/neurons/models/"
                            + RESOURCE + ")");
                }
                catalog = parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "bundled " + RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            bundled = catalog;
        }
        return catalog;
    }

    /**
     * Reads a catalog file.
     *
     * @throws IllegalArgumentException naming the file, and the line or the model, when it is not a catalog
     */
    public static ModelCatalog load(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the model catalog " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a catalog's YAML text; {@code origin} names it in errors.
     *
     * @throws IllegalArgumentException naming the origin, and the line or the model, when it is not a catalog
     */
    public static ModelCatalog parse(String yaml, String origin) {
        CatalogFile file;
        try {
            file = YAML.readValue(yaml, CatalogFile.class);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? "" : " (near line " + e.getLocation().getLineNr() + ")";
            if (e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping && !mapping.getPath().isEmpty()) {
                where += " at " + path(mapping.getPath());
            }
            throw new IllegalArgumentException(origin + where + ": not a model catalog: " + e.getOriginalMessage(), e);
        }
        if (file == null || file.models() == null || file.models().isEmpty()) {
            throw new IllegalArgumentException(origin + ": not a model catalog: it lists no models");
        }
        if (file.checked() == null) {
            throw new IllegalArgumentException(origin + ": not a model catalog: 'checked' (the day its figures "
                    + "were read, YYYY-MM-DD) is missing");
        }
        List<CatalogEntry> entries = new ArrayList<>();
        for (EntryFile entry : file.models()) {
            entries.add(entry.toEntry(origin));
        }
        return new ModelCatalog(origin, date(file.checked(), origin, "checked"), entries);
    }

    /** Where this catalog was read from. */
    public String origin() {
        return origin;
    }

    /** The day its figures were read from Anthropic's pages. */
    public LocalDate checked() {
        return checked;
    }

    /** Every model, in the catalog's order. */
    public List<CatalogEntry> entries() {
        return entries;
    }

    /**
     * The entry for {@code model}: by id or alias, else (for a dated snapshot, {@code ...-YYYYMMDD})
     * by the id or alias it is a snapshot of.
     */
    public Optional<CatalogEntry> find(String model) {
        if (model == null) {
            return Optional.empty();
        }
        CatalogEntry exact = byName.get(model);
        if (exact != null) {
            return Optional.of(exact);
        }
        Matcher dated = DATED.matcher(model);
        return dated.matches() ? Optional.ofNullable(byName.get(dated.group(1))) : Optional.empty();
    }

    /** What the catalog says of {@code model} on {@code day}. */
    public ModelVerdict verdict(String model, LocalDate day) {
        Objects.requireNonNull(day, "day");
        Optional<CatalogEntry> entry = find(model);
        if (entry.isEmpty()) {
            return ModelVerdict.unknown(model, closest(model));
        }
        CatalogEntry known = entry.get();
        Optional<CatalogEntry> replacement = known.replacement().flatMap(this::find);
        return new ModelVerdict(model, entry, Optional.of(known.lifecycleOn(day)), replacement, Optional.empty());
    }

    /** The known name closest to {@code model} in spelling, when one is close enough to be a typo. */
    private Optional<String> closest(String model) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        String asked = model.toLowerCase(Locale.ROOT);
        return byName.keySet().stream()
                .min(Comparator.comparingInt((String name) -> editDistance(asked, name)).thenComparing(name -> name))
                .filter(name -> editDistance(asked, name) <= Math.max(2, asked.length() / 6));
    }

    /** Levenshtein distance; a dozen lines, not worth a library for suggesting a model name. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    @Override
    public String toString() {
        return "ModelCatalog[" + origin + ", checked " + checked + ", " + entries.size() + " models]";
    }

    /** The file's top level. */
    record CatalogFile(String checked, List<EntryFile> models) {
    }

    /** One entry as written in the file; {@link #toEntry} checks it. */
    record EntryFile(String id, List<String> aliases, String displayName, String lifecycle, String retires,
            String replacement, Long contextWindow, Long maxOutputTokens, String thinking, List<String> efforts,
            String defaultEffort, Boolean samplingParameters, Double tokenizerFactor, Long minCacheableTokens,
            PricesFile prices, LatencyFile latency, List<String> sources) {

        /**
         * A retired model's entry: its names, date and replacement are what matter (the API answers
         * it with 404), so its figures may be left out; those given are kept, the others are 0.
         */
        CatalogEntry retired(String where, String origin) {
            return new CatalogEntry(id, aliases == null ? List.of() : aliases, displayName == null ? id : displayName,
                    Lifecycle.RETIRED, Optional.ofNullable(retires).map(day -> date(day, where, "retires")),
                    Optional.ofNullable(replacement).filter(r -> !r.isBlank()),
                    contextWindow == null ? 0 : contextWindow, maxOutputTokens == null ? 0 : maxOutputTokens,
                    thinking == null ? Thinking.NONE : enumOf(Thinking.class, thinking, where, "thinking"),
                    efforts == null ? List.of() : efforts, Optional.ofNullable(defaultEffort),
                    samplingParameters == null || samplingParameters,
                    tokenizerFactor == null ? 1.0 : tokenizerFactor, minCacheableTokens == null ? 0 : minCacheableTokens,
                    prices == null ? Prices.FREE : prices.toPrices(where),
                    latency == null ? RETIRED_LATENCY : latency.toProfile(where), sources == null ? List.of() : sources);
        }

        CatalogEntry toEntry(String origin) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException(origin + ": a model has no id");
            }
            String where = origin + ": model " + id;
            Lifecycle state = enumOf(Lifecycle.class, lifecycle, where, "lifecycle");
            if (state == Lifecycle.DEPRECATED && retires == null) {
                throw new IllegalArgumentException(where + ": a deprecated model needs its retirement date (retires)");
            }
            List<String> effortList = efforts == null ? List.of() : efforts;
            if (defaultEffort != null && !effortList.contains(defaultEffort)) {
                throw new IllegalArgumentException(where + ": default_effort '" + defaultEffort
                        + "' is not one of its efforts " + effortList);
            }
            if (state == Lifecycle.RETIRED) {
                return retired(where, origin);
            }
            if (prices == null) {
                throw new IllegalArgumentException(where + ": prices are missing");
            }
            if (latency == null) {
                throw new IllegalArgumentException(where + ": latency is missing");
            }
            try {
                return new CatalogEntry(id, aliases == null ? List.of() : aliases,
                        displayName == null ? id : displayName, state, Optional.ofNullable(retires).map(day -> date(day, where, "retires")),
                        Optional.ofNullable(replacement).filter(r -> !r.isBlank()),
                        positive(contextWindow, where, "context_window"),
                        positive(maxOutputTokens, where, "max_output_tokens"),
                        enumOf(Thinking.class, thinking, where, "thinking"), effortList,
                        Optional.ofNullable(defaultEffort),
                        required(samplingParameters, where, "sampling_parameters"),
                        required(tokenizerFactor, where, "tokenizer_factor"),
                        positive(minCacheableTokens, where, "min_cacheable_tokens"),
                        prices.toPrices(where), latency.toProfile(where), sources == null ? List.of() : sources);
            } catch (IllegalArgumentException | NullPointerException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(origin)) {
                    throw e;
                }
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * A retired model's entry: its names, date and replacement are what matter (the API answers it
     * with 404), so its figures may be left out; those given are kept.
     */
    /** Prices as written in the file, US dollars per million tokens. */
    record PricesFile(Double input, Double output, @JsonProperty("cache_write_5m") Double cacheWrite5m,
            @JsonProperty("cache_write_1h") Double cacheWrite1h, Double cacheRead,
            Double batchInput, Double batchOutput) {

        Prices toPrices(String where) {
            return new Prices(required(input, where, "prices.input"), required(output, where, "prices.output"),
                    required(cacheWrite5m, where, "prices.cache_write_5m"),
                    required(cacheWrite1h, where, "prices.cache_write_1h"),
                    required(cacheRead, where, "prices.cache_read"),
                    required(batchInput, where, "prices.batch_input"),
                    required(batchOutput, where, "prices.batch_output"));
        }
    }

    /** A latency profile as written in the file. */
    record LatencyFile(Long firstTokenMs, Double outputTokensPerSecond, String source) {

        LatencyProfile toProfile(String where) {
            return new LatencyProfile(required(firstTokenMs, where, "latency.first_token_ms"),
                    required(outputTokensPerSecond, where, "latency.output_tokens_per_second"),
                    source == null ? "" : source);
        }
    }

    /** {@code models[0].colour} for the reference chain of a mapping error. */
    private static String path(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static LocalDate date(String value, String where, String field) {
        try {
            return LocalDate.parse(value.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(where + ": " + field + " '" + value + "' is not a date (YYYY-MM-DD)");
        }
    }

    private static <T> T required(T value, String where, String field) {
        if (value == null) {
            throw new IllegalArgumentException(where + ": " + field + " is missing");
        }
        return value;
    }

    private static long positive(Long value, String where, String field) {
        long given = required(value, where, field);
        if (given <= 0) {
            throw new IllegalArgumentException(where + ": " + field + " must be > 0, got " + given);
        }
        return given;
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String value, String where, String field) {
        if (value == null) {
            throw new IllegalArgumentException(where + ": " + field + " is missing");
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + field + " '" + value + "' is not one of "
                    + java.util.Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                            .toList());
        }
    }
}
