package io.hal9.schemas.serde;

import io.hal9.schemas.registry.SchemaRegistryClient;
import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.Signal;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Kafka serdes for HAL9's Avro contracts in the Confluent wire format, backed by a schema registry:
 * {@link AvroSerializer} and {@link AvroDeserializer} paired. Loading this class makes Avro trust
 * the {@code io.hal9.schemas.v1} classes.
 */
public final class AvroSerdes {

    static {
        AvroTrust.ensure();
    }

    private AvroSerdes() {
    }

    /** A serde for any generated Avro class; {@code isKey} picks the {@code <topic>-key} subject. */
    public static <T extends SpecificRecord> Serde<T> of(Class<T> type, SchemaRegistryClient client, boolean isKey) {
        return Serdes.serdeFrom(new AvroSerializer<>(client, isKey), new AvroDeserializer<>(client, type));
    }

    /** The value serde of every signal topic. */
    public static Serde<Signal> signal(SchemaRegistryClient client) {
        return of(Signal.class, client, false);
    }

    /** The value serde of every dead-letter topic. */
    public static Serde<DeadLetter> deadLetter(SchemaRegistryClient client) {
        return of(DeadLetter.class, client, false);
    }
}
