package io.hal9.topology.kafka;

/** Where an input record came from: what a dead letter names so the record can be found again. */
public record Origin(String topic, int partition, long offset) {
}
