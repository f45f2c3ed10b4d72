package io.hal9.topology.game.engine;

import java.util.Objects;
import java.util.Optional;

import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.GameState;

/** What {@link GameEngine#apply} made of one command: the game moved on, or the command was refused. */
public sealed interface GameOutcome {

    /**
     * The command was applied: store {@code state}, emit {@code frame}, and when {@code talk} is
     * present ask the neurons (the game does not wait; feed the answer to
     * {@link GameEngine#withNeuronAnswer} when it comes).
     */
    record Applied(GameState state, GameFrame frame, Optional<TalkRequest> talk) implements GameOutcome {

        public Applied {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(frame, "frame");
            Objects.requireNonNull(talk, "talk");
        }
    }

    /** The command was refused; the stored state (if any) stays as it is. */
    record Rejected(Rejection reason, String message) implements GameOutcome {

        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }
}
