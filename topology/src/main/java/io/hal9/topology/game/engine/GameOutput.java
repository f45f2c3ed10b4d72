package io.hal9.topology.game.engine;

import io.hal9.schemas.v1.DeadLetter;
import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.Signal;

/** What the game processor emits for one input record: a frame, a question for the neurons, or a dead letter. */
public sealed interface GameOutput {

    /** The game's new screen, to the frames topic. */
    record Frame(GameFrame frame) implements GameOutput {
    }

    /** A question for Professor Kim, to the first layer's input topic. */
    record Talk(Signal signal) implements GameOutput {
    }

    /** A command that could not be applied, to the dead-letter topic; the game is unchanged. */
    record Dead(DeadLetter deadLetter) implements GameOutput {
    }
}
