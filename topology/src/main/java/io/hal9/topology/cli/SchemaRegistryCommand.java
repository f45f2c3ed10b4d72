package io.hal9.topology.cli;

import java.util.concurrent.Callable;

import io.hal9.schemas.registry.embedded.SchemaRegistryServer;
import io.hal9.topology.cli.common.ExitCodes;
import io.hal9.topology.net.Ports;
import io.hal9.topology.node.Shutdown;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hal9 schema-registry}: the embedded, in-memory registry as a standalone server. */
@Command(name = "schema-registry", mixinStandardHelpOptions = true,
        description = "Serve an in-memory schema registry speaking the Confluent REST API (for local use).")
final class SchemaRegistryCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8081", description = "Port to listen on (default ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
        Ports.requireFree("schema registry", host, port);
        SchemaRegistryServer registry = SchemaRegistryServer.start(host, port);
        System.out.println("schema-registry: listening on " + registry.url());
        System.out.flush();
        Shutdown.await(registry);
        return ExitCodes.OK;
    }
}
