package io.hal9.topology.cli.doctor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.hal9.topology.net.PortHolders;

/**
 * {@code admin}: the admin URL answers and its {@code /health} says it is HAL9.
 *
 * <p>OK when it answers as {@code hal9-streams} and is UP; WARN when it is HAL9 but not UP (the
 * layers' states follow); FAIL when nothing listens, nothing answers in time, or another program
 * answers on the port (named, with its pid and command line, when it runs on this host).
 */
public final class AdminCheck implements Check {

    static final String NAME = "admin";

    private final HealthProbe probe;

    public AdminCheck(HealthProbe probe) {
        this.probe = probe;
    }

    @Override
    public Result run() {
        HealthProbe.Answer answer = probe.answer();
        String url = probe.baseUrl();
        return switch (answer.kind()) {
            case REFUSED -> Result.fail(NAME, "nothing listens on port " + answer.port() + " (" + url + ")",
                    "start HAL9 (bin/hal9 run) or pass the --url of a running instance");
            case NO_ANSWER -> Result.fail(NAME, url + " did not answer: " + answer.detail(),
                    "check the host, the port (hal9.admin.port) and any firewall in between");
            case OTHER_PROGRAM -> otherProgram(answer);
            case HAL9 -> hal9(url, answer.health());
        };
    }

    /** Names the holder when it is a local port that {@link PortHolders} can look up. */
    private static Result otherProgram(HealthProbe.Answer answer) {
        String detail = "another program answers on port " + answer.port();
        String stop = "stop that program";
        if (isLocal(answer.url().getHost())) {
            PortHolders.Lookup holder = PortHolders.lookup(answer.port());
            detail += ", " + holder.describe();
            if (holder instanceof PortHolders.Found found) {
                stop = "stop pid " + found.holder().pid();
            }
        }
        return Result.fail(NAME, detail + " (" + answer.detail() + ")",
                stop + ", or run HAL9 on another hal9.admin.port and pass it with --url");
    }

    private static boolean isLocal(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress() || address.isAnyLocalAddress() || NetworkInterface.getByInetAddress(address) != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static Result hal9(String url, JsonNode health) {
        String status = health.path("status").asText("UNKNOWN");
        String who = url + " answers as hal9-streams " + health.path("version").asText("?")
                + " (pid " + health.path("pid").asText("?") + ")";
        if ("UP".equals(status)) {
            return Result.ok(NAME, who);
        }
        List<String> layers = new ArrayList<>();
        for (JsonNode layer : health.path("layers")) {
            layers.add(layer.path("layer").asText("?") + " " + layer.path("state").asText("?"));
        }
        return Result.warn(NAME, who + " but is " + status + (layers.isEmpty() ? ", no layers" : ": " + String.join(", ", layers)),
                "see the breaker line and the log; /health/ready says why");
    }
}
