package io.hal9.topology.kafka;

import java.util.ArrayList;
import java.util.List;

import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.registry.SchemaRegistryException;
import io.hal9.schemas.serde.WireFormat;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.GameCommand;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.Schema;

/**
 * The contracts of the hierarchy in the schema registry: for every topic it reads or writes, the
 * {@code <topic>-value} subject and the Avro schema its values are written with. Every layer input
 * and the results topic carry {@link Signal}, the dead-letter topic {@link DeadLetter}, the game's
 * topics {@link GameCommand} and {@link GameFrame}.
 *
 * <p>How to use: {@link #register} before a stack reports ready ({@code hal9 topics}, the demo), so
 * that a producer in any language finds the schema under the subject instead of bringing its own
 * copy of {@code Signal.avsc}.
 *
 * <p>Registering is idempotent: a subject that already holds the schema as its latest version is
 * left as it is. A registry that refuses a schema (incompatible with the versions it holds under the
 * subject's compatibility level) stops the registration with a {@link RefusedException} naming the
 * subject and the registry's reason.
 */
public final class Contracts {

    /** One subject and the schema HAL9 Streams writes under it. */
    public record Contract(String topic, String subject, Schema schema) {

        /** The record's name, e.g. {@code Signal}. */
        public String name() {
            return schema.getName();
        }
    }

    /**
     * What {@link #register} did for one contract.
     *
     * @param registered true when this call added a version to the subject
     * @param id         the schema's global id
     * @param version    its version within the subject; 0 when the subject holds it as an earlier version
     */
    public record Registration(Contract contract, boolean registered, int id, int version) {

        /** {@code hal9.signals.l2-value registered (Signal, id 1, version 1)}, or {@code exists (...)}. */
        public String line() {
            return contract.subject() + (registered ? " registered" : " exists") + " (" + contract.name() + ", id "
                    + id + (version > 0 ? ", version " + version : ", an earlier version") + ")";
        }
    }

    /** The registry refused one of the hierarchy's contracts. */
    public static final class RefusedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        RefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Confluent's {@code error_code} for a subject without versions. */
    private static final int SUBJECT_NOT_FOUND = 40401;

    private Contracts() {
    }

    /** Every contract of the configured hierarchy, in the order of {@link Topics#allNames()}. */
    public static List<Contract> of(Topics topics) {
        List<Contract> contracts = new ArrayList<>();
        for (String input : topics.inputNames()) {
            contracts.add(contract(input, Signal.getClassSchema()));
        }
        contracts.add(contract(topics.results().name(), Signal.getClassSchema()));
        contracts.add(contract(topics.deadLetters().name(), DeadLetter.getClassSchema()));
        contracts.add(contract(topics.rawGameCommands().name(), GameCommand.getClassSchema()));
        contracts.add(contract(topics.gameFramesName(), GameFrame.getClassSchema()));
        return contracts;
    }

    /**
     * Registers every contract of the hierarchy that its subject does not already hold as the
     * latest version.
     *
     * @return one registration per contract, in the order of {@link #of}
     * @throws RefusedException when the registry refuses a schema (e.g. HTTP 409, incompatible)
     * @throws SchemaRegistryException when the registry cannot be reached
     */
    public static List<Registration> register(Topics topics, SchemaRegistryClient registry) {
        List<Registration> registrations = new ArrayList<>();
        for (Contract contract : of(topics)) {
            registrations.add(register(contract, registry));
        }
        return registrations;
    }

    private static Registration register(Contract contract, SchemaRegistryClient registry) {
        SchemaRegistryClient.RegisteredSchema before = latest(contract.subject(), registry);
        if (before != null && before.schema().equals(contract.schema())) {
            return new Registration(contract, false, before.id(), before.version());
        }
        int id;
        try {
            id = registry.register(contract.subject(), contract.schema());
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() == 0) {
                throw e;
            }
            throw new RefusedException("the schema registry refuses " + contract.name() + " for subject "
                    + contract.subject() + " (HTTP " + e.httpStatus() + "): " + oneLine(e.reason()), e);
        }
        SchemaRegistryClient.RegisteredSchema after = registry.latest(contract.subject());
        boolean registered = before == null || after.version() != before.version();
        // a schema the subject held as an earlier version keeps its id and gets no new version
        return new Registration(contract, registered, id, after.id() == id ? after.version() : 0);
    }

    /** The latest version of {@code subject}, or null when it has none. */
    private static SchemaRegistryClient.RegisteredSchema latest(String subject, SchemaRegistryClient registry) {
        try {
            return registry.latest(subject);
        } catch (SchemaRegistryException e) {
            if (e.httpStatus() == 404 && (e.errorCode() == SUBJECT_NOT_FOUND || e.errorCode() == 404)) {
                return null;
            }
            throw e;
        }
    }

    private static Contract contract(String topic, Schema schema) {
        return new Contract(topic, WireFormat.subject(topic, false), schema);
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }
}
