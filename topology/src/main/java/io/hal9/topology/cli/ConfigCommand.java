package io.hal9.topology.cli;

import java.util.concurrent.Callable;

import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.config.Hal9Config;

import org.apache.kafka.common.config.ConfigDef;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hal9 config}: every setting with its environment variable, default and doc. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "List every HAL9 setting with its environment variable, default and when to change it.")
public final class ConfigCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--markdown", description = "Print a Markdown table (the one in docs/reference/configuration.md).")
    boolean markdown;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(markdown ? markdownTable() : text());
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    /** The settings as the table of docs/reference/configuration.md. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder()
                .append("| key | environment | default | what it is, and when to change it |\n")
                .append("|---|---|---|---|\n");
        for (ConfigDef.ConfigKey key : Hal9Config.definition().configKeys().values()) {
            out.append("| `").append(key.name).append("` | `").append(Hal9Config.keyToEnv(key.name)).append("` | ")
                    .append(defaultOf(key, true)).append(" | ").append(key.documentation).append(" |\n");
        }
        return out.toString();
    }

    private static String text() {
        StringBuilder out = new StringBuilder();
        for (ConfigDef.ConfigKey key : Hal9Config.definition().configKeys().values()) {
            out.append(key.name).append(" (").append(Hal9Config.keyToEnv(key.name)).append(") = ")
                    .append(defaultOf(key, false)).append('\n').append("    ").append(key.documentation).append('\n');
        }
        return out.toString();
    }

    private static String defaultOf(ConfigDef.ConfigKey key, boolean code) {
        if (key.defaultValue == null) {
            return "(layer default)";
        }
        String value = key.defaultValue instanceof java.util.List<?> list
                ? String.join(",", list.stream().map(String::valueOf).toList())
                : String.valueOf(key.defaultValue);
        return code ? "`" + value + "`" : value;
    }
}
