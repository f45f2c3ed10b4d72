package io.hal9.topology.game.engine;

import static io.hal9.topology.game.engine.GameRules.MAP_HEIGHT;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import io.hal9.schemas.game.Grid;
import io.hal9.schemas.v1.GameCommandType;
import io.hal9.schemas.v1.GameState;
import io.hal9.schemas.v1.GameStatus;
import io.hal9.schemas.v1.Monster;
import io.hal9.topology.game.engine.GameRandom.Draw;

/**
 * A game while one command is applied to it: a private, changeable copy of a stored
 * {@link GameState}, turned back into a new state at the end. The stored state is never changed.
 */
final class World {

    static final List<String> HELP = List.of(
            "Move with h j k l (left, down, up, right); walk into a monster to attack it.",
            "TALK next to Professor Kim (K) asks for advice; WAIT lets a turn pass.",
            "~ is a spatial tear (it frays reality), * a warp gate, # a wall, . floor.");

    private final String gameId;
    private final long seed;
    private int turn;
    private final Grid tiles;
    private final Grid visibility;
    private int playerX;
    private int playerY;
    private int hp;
    private double awareness;
    private double integrity;
    private final List<Monster> monsters;
    private final int npcX;
    private final int npcY;
    private final List<String> messages;
    private GameStatus status;
    private Integer pendingTalkTurn;
    private Integer glitchTurn;
    private boolean askedKim;

    private World(GameState state) {
        gameId = state.getGameId();
        seed = state.getSeed();
        turn = state.getTurn();
        tiles = Grid.fromAvro(state.getTiles());
        visibility = Grid.fromAvro(state.getVisibility());
        if (visibility.width() != tiles.width() || visibility.height() != tiles.height()) {
            throw new IllegalArgumentException("the visibility mask is " + visibility.width() + "x"
                    + visibility.height() + " but the map is " + tiles.width() + "x" + tiles.height());
        }
        playerX = state.getPlayerX();
        playerY = state.getPlayerY();
        hp = state.getHp();
        awareness = state.getAwareness();
        integrity = state.getRealityIntegrity();
        monsters = new ArrayList<>();
        for (Monster monster : state.getMonsters()) {
            monsters.add(new Monster(monster.getId(), monster.getX(), monster.getY(), monster.getHp(),
                    monster.getGlyph()));
        }
        monsters.sort(Comparator.comparingInt(Monster::getId));
        npcX = state.getNpcX();
        npcY = state.getNpcY();
        messages = new ArrayList<>(state.getMessages());
        status = state.getStatus();
        pendingTalkTurn = state.getPendingTalkTurn();
        glitchTurn = state.getGlitchTurn();
    }

    /** A changeable copy of {@code state}. */
    static World of(GameState state) {
        return new World(state);
    }

    /** A new game on a freshly generated map, at turn 0. */
    static World newGame(String gameId, long seed) {
        Dungeon dungeon = Dungeon.generate(seed);
        Grid mask = Grid.of(dungeon.tiles().width(), dungeon.tiles().height());
        GameState state = GameState.newBuilder()
                .setGameId(gameId)
                .setSeed(seed)
                .setTurn(0)
                .setTiles(dungeon.tiles().toAvro())
                .setVisibility(mask.toAvro())
                .setPlayerX(dungeon.start().x())
                .setPlayerY(dungeon.start().y())
                .setHp(GameRules.MAX_HP)
                .setAwareness(0.0)
                .setRealityIntegrity(GameRules.START_INTEGRITY)
                .setMonsters(dungeon.monsters())
                .setNpcX(dungeon.npc().x())
                .setNpcY(dungeon.npc().y())
                .setMessages(List.of())
                .setStatus(GameStatus.PLAYING)
                .setPendingTalkTurn(null)
                .setGlitchTurn(null)
                .build();
        World world = new World(state);
        world.see();
        world.say(String.format(Locale.ROOT,
                "Welcome to HAL9. Reality integrity is %.2f, and this world is not what it seems.", world.integrity));
        world.say("Find Professor Kim (K). HELP lists the commands.");
        return world;
    }

    /** The new state: everything this world is now. */
    GameState toState() {
        return GameState.newBuilder()
                .setGameId(gameId)
                .setSeed(seed)
                .setTurn(turn)
                .setTiles(tiles.toAvro())
                .setVisibility(visibility.toAvro())
                .setPlayerX(playerX)
                .setPlayerY(playerY)
                .setHp(hp)
                .setAwareness(awareness)
                .setRealityIntegrity(integrity)
                .setMonsters(new ArrayList<>(monsters))
                .setNpcX(npcX)
                .setNpcY(npcY)
                .setMessages(new ArrayList<>(messages))
                .setStatus(status)
                .setPendingTalkTurn(pendingTalkTurn)
                .setGlitchTurn(glitchTurn)
                .build();
    }

    /** Whether this turn's TALK asked Professor Kim a question the neurons should answer. */
    boolean askedKim() {
        return askedKim;
    }

    /** HELP: the help text, no turn passes. */
    void help() {
        HELP.forEach(this::say);
    }

    /** An answer from the neurons arrives: Professor Kim says it, and nothing is pending any more. */
    void hearKim(String answer) {
        say("Professor Kim: " + answer);
        pendingTalkTurn = null;
    }

    /**
     * One turn: the player's action, then every monster in sight, then death or a possible glitch.
     * {@code command} is a move, WAIT or TALK.
     */
    void playTurn(GameCommandType command) {
        turn++;
        switch (command) {
            case MOVE_LEFT -> step(-1, 0);
            case MOVE_DOWN -> step(0, 1);
            case MOVE_UP -> step(0, -1);
            case MOVE_RIGHT -> step(1, 0);
            case WAIT -> {
            }
            case TALK -> talk();
            default -> throw new IllegalArgumentException(command + " does not play a turn");
        }
        see();
        monstersAct();
        if (hp <= 0) {
            die();
        } else {
            maybeGlitch();
        }
    }

    private void step(int dx, int dy) {
        int x = playerX + dx;
        int y = playerY + dy;
        Monster target = monsterAt(x, y);
        if (target != null) {
            attack(target);
            return;
        }
        if (x == npcX && y == npcY) {
            say("Professor Kim stands in your way; TALK to ask for advice.");
            return;
        }
        Tile tile = tileAt(x, y);
        if (!tile.walkable()) {
            say(tile == Tile.WALL ? "A wall blocks your way." : "Solid rock blocks your way.");
            return;
        }
        playerX = x;
        playerY = y;
        if (tile == Tile.TEAR) {
            enterTear();
        } else if (tile == Tile.GATE) {
            warp();
        }
    }

    private void attack(Monster target) {
        int damage = GameRandom.of(seed, turn, Draw.PLAYER_ATTACK)
                .nextInt(GameRules.PLAYER_DAMAGE_MIN, GameRules.PLAYER_DAMAGE_MAX + 1);
        target.setHp(target.getHp() - damage);
        String name = MonsterKind.nameOf(target.getGlyph());
        if (target.getHp() <= 0) {
            monsters.removeIf(monster -> monster == target);
            say("You hit the " + name + " for " + damage + " and kill it.");
        } else {
            say("You hit the " + name + " for " + damage + ".");
        }
    }

    /** A spatial tear: integrity falls by 0.10, awareness rises by 0.10. The tear stays. */
    private void enterTear() {
        integrity = clamp(integrity - GameRules.TEAR_INTEGRITY_LOSS);
        awareness = clamp(awareness + GameRules.TEAR_AWARENESS_GAIN);
        say(String.format(Locale.ROOT, "You step into a spatial tear. Reality integrity falls to %.2f.", integrity));
    }

    /** The warp gate: to a random free floor cell at least 10 steps (Manhattan) from the gate. */
    private void warp() {
        Point gate = new Point(playerX, playerY);
        List<Point> landings = new ArrayList<>();
        for (int y = 0; y < Math.min(MAP_HEIGHT, tiles.height()); y++) {
            for (int x = 0; x < tiles.width(); x++) {
                Point cell = new Point(x, y);
                if (tiles.get(x, y) == Tile.FLOOR.code() && !occupied(x, y)
                        && cell.manhattan(gate) >= GameRules.GATE_MIN_DISTANCE) {
                    landings.add(cell);
                }
            }
        }
        if (landings.isEmpty()) {
            say("The warp gate hums, but there is nowhere for it to send you.");
            return;
        }
        Point landing = landings.get(GameRandom.of(seed, turn, Draw.GATE).nextInt(landings.size()));
        playerX = landing.x();
        playerY = landing.y();
        say("The warp gate folds space and drops you at (" + landing.x() + ", " + landing.y() + ").");
    }

    /** TALK: a question to Professor Kim from one of the 8 cells around, unless one is still pending. */
    private void talk() {
        if (new Point(playerX, playerY).chebyshev(new Point(npcX, npcY)) > 1) {
            say("Nobody is close enough to hear you.");
            return;
        }
        if (pendingTalkTurn != null && turn - pendingTalkTurn < GameRules.TALK_PATIENCE_TURNS) {
            say("Professor Kim is still thinking about your last question.");
            return;
        }
        pendingTalkTurn = turn;
        awareness = clamp(awareness + GameRules.TALK_AWARENESS_GAIN);
        askedKim = true;
        say("You ask Professor Kim what is happening to this world.");
    }

    private void see() {
        Visibility.update(tiles, visibility, playerX, playerY, GameRules.VISION_RADIUS);
    }

    /**
     * Every monster the player can see acts with chance 1/2, in id order: next to the player
     * (left, right, up or down) it strikes for 1..3, otherwise it steps toward the player.
     */
    private void monstersAct() {
        SplittableRandom random = GameRandom.of(seed, turn, Draw.MONSTERS);
        for (Monster monster : List.copyOf(monsters)) {
            if (hp <= 0) {
                return;
            }
            if (!visible(monster.getX(), monster.getY()) || random.nextDouble() >= GameRules.MONSTER_ACT_CHANCE) {
                continue;
            }
            int distance = Math.abs(monster.getX() - playerX) + Math.abs(monster.getY() - playerY);
            if (distance == 1) {
                int damage = random.nextInt(GameRules.MONSTER_DAMAGE_MIN, GameRules.MONSTER_DAMAGE_MAX + 1);
                hp -= damage;
                say("The " + MonsterKind.nameOf(monster.getGlyph()) + " hits you for " + damage + ".");
            } else {
                stepToward(monster);
            }
        }
    }

    /**
     * One step that brings the monster closer: along the axis with the longer way first, then the
     * other; it stays when both are blocked. Monsters walk on plain floor only.
     */
    private void stepToward(Monster monster) {
        int dx = Integer.signum(playerX - monster.getX());
        int dy = Integer.signum(playerY - monster.getY());
        boolean horizontalFirst = Math.abs(playerX - monster.getX()) >= Math.abs(playerY - monster.getY());
        int[][] steps = horizontalFirst ? new int[][] {{dx, 0}, {0, dy}} : new int[][] {{0, dy}, {dx, 0}};
        for (int[] step : steps) {
            if (step[0] == 0 && step[1] == 0) {
                continue;
            }
            int x = monster.getX() + step[0];
            int y = monster.getY() + step[1];
            if (tileAt(x, y) == Tile.FLOOR && !occupied(x, y) && !(x == playerX && y == playerY)) {
                monster.setX(x);
                monster.setY(y);
                return;
            }
        }
    }

    private void die() {
        hp = 0;
        status = GameStatus.DEAD;
        say("You die on turn " + turn + ". NEW_GAME starts a new game.");
    }

    /** Below integrity 0.5, reality glitches with chance 1/10 a turn; the frame of that turn is scrambled. */
    private void maybeGlitch() {
        if (integrity >= GameRules.GLITCH_BELOW) {
            return;
        }
        if (GameRandom.of(seed, turn, Draw.GLITCH).nextDouble() < GameRules.GLITCH_CHANCE) {
            glitchTurn = turn;
            awareness = clamp(awareness + GameRules.GLITCH_AWARENESS_GAIN);
            say("Reality glitches. For a moment the world comes apart.");
        }
    }

    private Monster monsterAt(int x, int y) {
        for (Monster monster : monsters) {
            if (monster.getX() == x && monster.getY() == y) {
                return monster;
            }
        }
        return null;
    }

    private boolean occupied(int x, int y) {
        return monsterAt(x, y) != null || (x == npcX && y == npcY);
    }

    private boolean visible(int x, int y) {
        return visibility.contains(x, y) && visibility.get(x, y) == Visibility.VISIBLE;
    }

    /** The tile at (x, y); outside the map, and on the two status rows, solid rock. */
    private Tile tileAt(int x, int y) {
        return tiles.contains(x, y) && y < MAP_HEIGHT ? Tile.of(tiles.get(x, y)) : Tile.ROCK;
    }

    private void say(String message) {
        messages.add(message);
        if (messages.size() > GameRules.MESSAGES_KEPT) {
            messages.subList(0, messages.size() - GameRules.MESSAGES_KEPT).clear();
        }
    }

    /** Keeps a figure in 0..1, rounded to two decimals so repeated steps do not drift. */
    private static double clamp(double value) {
        return Math.max(0.0, Math.min(1.0, Math.round(value * 100) / 100.0));
    }
}
