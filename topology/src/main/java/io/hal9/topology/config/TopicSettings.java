package io.hal9.topology.config;

/**
 * The topics' names and the partitions of the topics HAL9 creates itself ({@code hal9.topic.*};
 * built by {@link Hal9Settings#topics(Hal9Config)}).
 *
 * @param signalsPrefix what each layer's input topic starts with (the layer in lower case follows)
 * @param results       the topic the last layer writes to
 * @param deadLetters   the topic every layer writes dead letters to
 * @param gameCommands  the topic of the game commands
 * @param gameFrames    the compacted topic of the game frames
 * @param partitions    partitions of the topics HAL9 creates
 */
public record TopicSettings(String signalsPrefix, String results, String deadLetters, String gameCommands,
                            String gameFrames, int partitions) {
}
