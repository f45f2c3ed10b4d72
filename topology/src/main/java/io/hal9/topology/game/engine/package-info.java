/**
 * HAL9's game neurons without Kafka: a deterministic roguelike engine on an 80 x 24 grid, the
 * screen renderer and the frame builder that the game topology calls.
 *
 * <p><b>The screen.</b> 24 lines of 80 characters: rows 0..21 the map, row 22 the status line,
 * row 23 the latest message. The map grid is 80 x 24 too; its bottom two rows stay rock. Glyphs:
 * {@code @} player, {@code K} Professor Kim, {@code b r z} monsters, {@code #} wall, {@code .}
 * floor, {@code ~} spatial tear, {@code *} warp gate; rock and unseen cells are blank. Remembered
 * cells keep their tile glyph; people and monsters show only while in sight (see {@link
 * io.hal9.topology.game.engine.Screen}).
 *
 * <p><b>A new game</b> (NEW_GAME with a seed): 8 rooms joined by corridors, 3 tears, 1 warp gate,
 * Professor Kim and 6 monsters (see {@link io.hal9.topology.game.engine.Dungeon}); the player at the
 * centre, (40, 11), with 20 HP, awareness 0, reality integrity 0.73. NEW_GAME for a game still
 * being played is rejected; for a dead game it starts a new one under the same id.
 *
 * <p><b>A turn</b> (a move, WAIT or TALK; HELP only adds the help text, no turn passes):
 * <ol>
 *   <li>The player acts. A move walks one cell left, down, up or right onto floor, a tear or the
 *       gate; into a monster it attacks for 1..4 (the monster dies at 0 HP); into a wall, rock or
 *       Professor Kim it only says so (the turn still passes). Stepping into a tear costs 0.10
 *       reality integrity and gives 0.10 awareness (the tear stays). Stepping into the warp gate
 *       throws the player to a random free floor cell at least 10 steps (Manhattan) away. TALK
 *       in one of the 8 cells around Professor Kim asks the neurons (unless a question of the last
 *       5 turns is still unanswered) and gives 0.05 awareness; elsewhere it only says nobody hears.</li>
 *   <li>The player looks: cells within radius 8 in line of sight become visible, the others seen
 *       before stay remembered ({@link io.hal9.topology.game.engine.Visibility}).</li>
 *   <li>Each monster in sight, in id order, acts with chance 1/2: next to the player (left, right,
 *       up or down) it strikes for 1..3; otherwise it steps one cell closer on plain floor, or
 *       stays when blocked. It never steps away. Monsters out of sight wait.</li>
 *   <li>At 0 HP the player dies: status DEAD, and every command but NEW_GAME is rejected.
 *       Otherwise, while integrity is below 0.5, reality glitches with chance 1/10: a message,
 *       0.02 awareness, and the frame of that turn is drawn with 60 cells scrambled.</li>
 * </ol>
 *
 * <p><b>Randomness.</b> Every random choice comes from a generator seeded by the game seed, the
 * turn and the kind of choice ({@link io.hal9.topology.game.engine.GameRandom}), so the same commands on
 * the same state always give byte-identical states and frames, and replaying a changelog rebuilds
 * the same game. Messages: the state keeps the latest 100, a frame shows the latest 3.
 */
package io.hal9.topology.game.engine;
