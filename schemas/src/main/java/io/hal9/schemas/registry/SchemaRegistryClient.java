package io.hal9.schemas.registry;

import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry REST API that HAL9 Streams needs: registering the
 * schema a producer writes with, fetching a writer schema by the id found in a record, and
 * checking that a schema change stays compatible with a subject's history.
 *
 * <p>Subjects follow Confluent's topic naming strategy ({@code <topic>-value}, {@code <topic>-key}).
 * Every method throws {@link SchemaRegistryException} when the registry refuses the request or
 * cannot be reached.
 */
public interface SchemaRegistryClient {

    /**
     * Registers {@code schema} under {@code subject} ({@code POST /subjects/{subject}/versions}) and
     * returns its global id. Registering a schema the subject already holds returns the existing id.
     */
    int register(String subject, Schema schema);

    /** Returns the schema with this global id ({@code GET /schemas/ids/{id}}). */
    Schema schemaById(int id);

    /** Returns the newest version of {@code subject} ({@code GET /subjects/{subject}/versions/latest}). */
    RegisteredSchema latest(String subject);

    /**
     * Tells whether {@code schema} could be registered under {@code subject} given the subject's
     * compatibility level ({@code POST /compatibility/subjects/{subject}/versions/latest}).
     */
    boolean isCompatible(String subject, Schema schema);

    /** One version of a subject: the global id, the version number within the subject, the schema. */
    record RegisteredSchema(String subject, int id, int version, Schema schema) {
    }
}
