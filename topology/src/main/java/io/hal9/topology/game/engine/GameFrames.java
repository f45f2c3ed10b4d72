package io.hal9.topology.game.engine;

import java.util.ArrayList;
import java.util.List;

import io.hal9.schemas.v1.GameFrame;
import io.hal9.schemas.v1.GameState;

/** Builds the frame the player sees from a game's state: the screen and the figures beside it. */
public final class GameFrames {

    private GameFrames() {
    }

    /** The frame of a game in {@code state}: its screen, position, HP, figures, last 3 messages and status. */
    public static GameFrame of(GameState state) {
        List<String> messages = state.getMessages();
        return GameFrame.newBuilder()
                .setGameId(state.getGameId())
                .setTurn(state.getTurn())
                .setScreen(Screen.render(state))
                .setPlayerX(state.getPlayerX())
                .setPlayerY(state.getPlayerY())
                .setHp(state.getHp())
                .setAwareness(state.getAwareness())
                .setRealityIntegrity(state.getRealityIntegrity())
                .setMessages(new ArrayList<>(messages.subList(
                        Math.max(0, messages.size() - GameRules.FRAME_MESSAGES), messages.size())))
                .setStatus(state.getStatus())
                .build();
    }
}
