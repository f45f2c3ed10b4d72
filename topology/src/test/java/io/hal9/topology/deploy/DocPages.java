package io.hal9.topology.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.hal9.schemas.registry.HttpSchemaRegistryClient;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.Signal;
import io.hal9.topology.cli.ConfigCommand;
import io.hal9.topology.cli.Hal9;
import io.hal9.topology.config.Hal9Config;
import io.hal9.topology.config.Hal9Settings;
import io.hal9.topology.game.GameTopology;
import io.hal9.topology.kafka.Topics;
import io.hal9.topology.layer.LayerMetrics;
import io.hal9.topology.layer.LayerSpec;
import io.hal9.topology.layer.LayerStage;
import io.hal9.topology.layer.LayerTopology;
import io.hal9.topology.node.LayerRuntime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import picocli.CommandLine;

/**
 * The generated parts of the docs site: each is a section of a page between
 * {@code <!-- generated: NAME -->} and {@code <!-- end generated -->}, and equals what its
 * generator prints. {@code DocsTest} checks them; run it with {@code -Dhal9.docs.write=true} to
 * write them after a change.
 */
final class DocPages {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String END = "<!-- end generated -->";

    /** One generated section: the page it is in, its name in the marker, and its generator. */
    record Section(String page, String name, Supplier<String> generator) {

        String marker() {
            return "<!-- generated: " + name + " -->";
        }
    }

    private DocPages() {
    }

    static List<Section> sections() {
        return List.of(
                new Section("docs/reference/configuration.md", "hal9 config --markdown", ConfigCommand::markdownTable),
                new Section("docs/reference/cli.md", "usage help of every command", DocPages::cli),
                new Section("docs/reference/topologies.md", "Topology.describe() of the default chain",
                        DocPages::topologies),
                new Section("docs/reference/topics-and-schemas.md", "fields of the Avro contracts",
                        DocPages::contracts));
    }

    /** The text between a section's markers on its page. */
    static String current(Section section) {
        String page = read(section.page());
        int start = page.indexOf(section.marker() + "\n");
        if (start < 0) {
            throw new AssertionError(section.page() + " has no line " + section.marker());
        }
        start += section.marker().length() + 1;
        int end = page.indexOf(END, start);
        if (end < 0) {
            throw new AssertionError(section.page() + " has no " + END + " after " + section.marker());
        }
        return page.substring(start, end);
    }

    /** Writes the generator's output between the section's markers. */
    static void write(Section section) {
        String page = read(section.page());
        String old = current(section);
        int start = page.indexOf(section.marker() + "\n") + section.marker().length() + 1;
        String updated = page.substring(0, start) + section.generator().get() + page.substring(start + old.length());
        try {
            Files.writeString(ROOT.resolve(section.page()), updated);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(String page) {
        try {
            return Files.readString(ROOT.resolve(page));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every command's usage help, as {@code bin/hal9 <command> --help} prints it, subcommands included. */
    static String cli() {
        StringBuilder out = new StringBuilder();
        CommandLine root = Hal9.commandLine();
        appendUsage(out, "hal9", root);
        for (CommandLine sub : commands(root)) {
            appendUsage(out, sub.getCommandSpec().qualifiedName(" "), sub);
        }
        return out.toString();
    }

    /** The subcommands of {@code cli} and theirs, depth first, without picocli's {@code help}. */
    static List<CommandLine> commands(CommandLine cli) {
        List<CommandLine> all = new ArrayList<>();
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            if (!sub.getKey().equals("help") && sub.getKey().equals(sub.getValue().getCommandName())) {
                all.add(sub.getValue());
                all.addAll(commands(sub.getValue()));
            }
        }
        return all;
    }

    private static void appendUsage(StringBuilder out, String name, CommandLine cli) {
        cli.getCommandSpec().usageMessage().width(100);
        out.append("## ").append(name).append("\n\n```\n")
                .append(cli.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing()).append("\n```\n\n");
    }

    /** The fields of the contracts on the topics, nested records flattened ({@code activation.content}, {@code hops[].layer}). */
    static String contracts() {
        StringBuilder out = new StringBuilder();
        for (Schema contract : List.of(Signal.getClassSchema(), DeadLetter.getClassSchema(),
                GameCommand.getClassSchema(), GameFrame.getClassSchema())) {
            out.append("### ").append(contract.getName()).append("\n\n");
            if (contract.getDoc() != null) {
                out.append(contract.getDoc()).append("\n\n");
            }
            out.append("| field | type | default | what it is |\n|---|---|---|---|\n");
            appendFields(out, "", contract);
            out.append('\n');
        }
        return out.toString();
    }

    private static void appendFields(StringBuilder out, String prefix, Schema record) {
        for (Schema.Field field : record.getFields()) {
            String name = prefix + field.name();
            out.append("| `").append(name).append("` | ").append(typeOf(field.schema())).append(" | ")
                    .append(field.hasDefaultValue() ? "`" + defaultOf(field.defaultVal()) + "`" : "—").append(" | ")
                    .append(field.doc() == null ? "" : field.doc().replace("|", "\\|").replace("\n", " ")).append(" |\n");
            Schema inner = nonNull(field.schema());
            if (inner.getType() == Schema.Type.RECORD) {
                appendFields(out, name + ".", inner);
            } else if (inner.getType() == Schema.Type.ARRAY && inner.getElementType().getType() == Schema.Type.RECORD) {
                appendFields(out, name + "[].", inner.getElementType());
            }
        }
    }

    private static Schema nonNull(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            List<Schema> types = schema.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
            return types.size() == 1 ? types.get(0) : schema;
        }
        return schema;
    }

    private static String typeOf(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            Schema inner = nonNull(schema);
            return inner == schema ? schema.getTypes().stream().map(DocPages::typeOf).toList().toString()
                    : typeOf(inner) + ", optional";
        }
        if (schema.getLogicalType() != null) {
            return schema.getLogicalType().getName();
        }
        return switch (schema.getType()) {
            case RECORD -> "record `" + schema.getName() + "`";
            case ENUM -> "enum " + String.join(" \\| ", schema.getEnumSymbols());
            case ARRAY -> "array of " + typeOf(schema.getElementType());
            case MAP -> "map of " + typeOf(schema.getValueType());
            case FIXED -> "fixed(" + schema.getFixedSize() + ")";
            default -> schema.getType().getName();
        };
    }

    private static String defaultOf(Object value) {
        if (value == JsonProperties.NULL_VALUE || value == null) {
            return "null";
        }
        if (value instanceof java.util.Collection<?> list && list.isEmpty()) {
            return "[]";
        }
        if (value instanceof Map<?, ?> map && map.isEmpty()) {
            return "{}";
        }
        return String.valueOf(value);
    }

    /** Each layer's topology (normal lane) and the game's, with the default settings, as Kafka Streams describes them. */
    static String topologies() {
        Hal9Config config = Hal9Config.of(Map.of());
        // nothing is contacted while a topology is only declared and described
        Topics topics = new Topics(config, new HttpSchemaRegistryClient("http://localhost:8081"));
        StringBuilder out = new StringBuilder();
        for (String layer : config.layersChain()) {
            LayerSpec spec = LayerSpec.of(layer, config);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(
                    LayerRuntime.streamsProperties(spec, config))));
            LayerTopology.build(builder, topics, LayerStage.create(spec, Hal9Settings.stage(config),
                    Hal9Settings.capacity(config), null, new LayerMetrics(registry, layer), registry));
            out.append("## ").append(layer).append(" (application `").append(spec.applicationId()).append("`)\n\n```\n")
                    .append(builder.build().describe().toString().stripTrailing()).append("\n```\n\n");
        }
        StreamsBuilder game = new StreamsBuilder();
        GameTopology.build(game, topics, config.layersChain().get(0));
        out.append("## The game (application `").append(config.getString(Hal9Config.APPLICATION_ID_PREFIX_CONFIG))
                .append("game`)\n\n```\n").append(game.build().describe().toString().stripTrailing()).append("\n```\n\n");
        return out.toString();
    }
}
