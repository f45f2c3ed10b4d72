package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameRules.HEIGHT;
import static io.hal9.topology.game.engine.GameRules.MAP_HEIGHT;
import static io.hal9.topology.game.engine.GameRules.WIDTH;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.Monster;
import io.hal9.topology.game.engine.GameRandom.Draw;

/**
 * Draws a game as the player's terminal shows it: always 24 lines of exactly 80 characters.
 *
 * <p>Rows 0..21 are the map. A cell never seen is blank; a seen cell shows its tile, whether in
 * sight now or remembered: {@code .} floor, {@code #} wall, {@code ~} spatial tear, {@code *} warp
 * gate, rock blank. Who stands on a cell is drawn only while it is in sight: {@code K} Professor
 * Kim, a monster by its glyph ({@code b} bug, {@code r} race condition, {@code z} zombie process),
 * and always {@code @} the player. On the turn reality glitched, 60 map cells (never the player's)
 * are scrambled into noise. Row 22 is the status line (HP, integrity, awareness, turn, status),
 * row 23 the latest message, cut to fit. Characters a terminal cannot show in one cell (control
 * characters, characters outside the Basic Multilingual Plane) are drawn as {@code ?}.
 */
public final class Screen {

    private static final char[] NOISE = "%&$?!/\\|=+^#".toCharArray();

    private Screen() {
    }

    /** The 24 lines of the screen of a game in {@code state}. */
    public static List<String> render(GameState state) {
        char[][] rows = new char[HEIGHT][WIDTH];
        for (char[] row : rows) {
            Arrays.fill(row, ' ');
        }
        Grid tiles = Grid.fromAvro(state.getTiles());
        Grid visibility = Grid.fromAvro(state.getVisibility());
        int mapRows = Math.min(MAP_HEIGHT, Math.min(tiles.height(), visibility.height()));
        int mapColumns = Math.min(WIDTH, Math.min(tiles.width(), visibility.width()));
        for (int y = 0; y < mapRows; y++) {
            for (int x = 0; x < mapColumns; x++) {
                if (visibility.get(x, y) != Visibility.UNSEEN) {
                    rows[y][x] = Tile.of(tiles.get(x, y)).glyph();
                }
            }
        }
        if (inSight(visibility, state.getNpcX(), state.getNpcY())) {
            rows[state.getNpcY()][state.getNpcX()] = 'K';
        }
        for (Monster monster : state.getMonsters()) {
            if (inSight(visibility, monster.getX(), monster.getY())) {
                rows[monster.getY()][monster.getX()] = glyph(monster.getGlyph());
            }
        }
        if (onMap(state.getPlayerX(), state.getPlayerY())) {
            rows[state.getPlayerY()][state.getPlayerX()] = '@';
        }
        if (state.getGlitchTurn() != null && state.getGlitchTurn() == state.getTurn()) {
            scramble(rows, state);
        }

        List<String> lines = new ArrayList<>(HEIGHT);
        for (int y = 0; y < MAP_HEIGHT; y++) {
            lines.add(new String(rows[y]));
        }
        lines.add(fit(statusLine(state)));
        List<String> messages = state.getMessages();
        lines.add(fit(messages.isEmpty() ? "" : messages.get(messages.size() - 1)));
        return lines;
    }

    /** HP, integrity, awareness, turn and status, as row 22 shows them. */
    static String statusLine(GameState state) {
        return String.format(Locale.ROOT, "HP %d/%d  Integrity %.2f  Awareness %.2f  Turn %d  %s",
                state.getHp(), GameRules.MAX_HP, state.getRealityIntegrity(), state.getAwareness(),
                state.getTurn(), state.getStatus());
    }

    /**
     * {@code text} as exactly one screen line: characters that do not take one terminal cell
     * replaced, cut with "..." when longer than 80, padded with blanks when shorter.
     */
    static String fit(String text) {
        StringBuilder line = new StringBuilder(WIDTH);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean printable = c >= ' ' && c != 0x7F && !(c >= 0x80 && c < 0xA0) && !Character.isSurrogate(c);
            line.append(printable ? c : '?');
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            }
        }
        if (line.length() > WIDTH) {
            line.setLength(WIDTH - 3);
            line.append("...");
        }
        while (line.length() < WIDTH) {
            line.append(' ');
        }
        return line.toString();
    }

    private static void scramble(char[][] rows, GameState state) {
        SplittableRandom random = GameRandom.of(state.getSeed(), state.getTurn(), Draw.SCREEN);
        for (int i = 0; i < GameRules.GLITCH_SCRAMBLED_CELLS; i++) {
            int x = random.nextInt(WIDTH);
            int y = random.nextInt(MAP_HEIGHT);
            char noise = NOISE[random.nextInt(NOISE.length)];
            if (x != state.getPlayerX() || y != state.getPlayerY()) {
                rows[y][x] = noise;
            }
        }
    }

    private static boolean inSight(Grid visibility, int x, int y) {
        return onMap(x, y) && visibility.contains(x, y) && visibility.get(x, y) == Visibility.VISIBLE;
    }

    private static boolean onMap(int x, int y) {
        return x >= 0 && x < WIDTH && y >= 0 && y < MAP_HEIGHT;
    }

    private static char glyph(String glyph) {
        char c = glyph.isEmpty() ? '?' : glyph.charAt(0);
        return c > ' ' && c < 0x7F ? c : '?';
    }
}
