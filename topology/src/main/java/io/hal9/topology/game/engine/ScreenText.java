package io.hal9.topology.game.engine;

import io.hal9.schemas.v1.GameFrame;

/**
 * A frame's screen as one text: its 24 lines joined with '\n', no newline at the end; what
 * {@code GET /games/{id}} returns.
 */
public final class ScreenText {

    private ScreenText() {
    }

    /** The screen of {@code frame} as text. */
    public static String render(GameFrame frame) {
        return String.join("\n", frame.getScreen());
    }
}
