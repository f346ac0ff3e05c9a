package dev.eventkit.buffer;

/**
 * How hard the SQLite log works to survive failures, as SQLite's {@code synchronous} setting in WAL mode.
 *
 * <ul>
 *   <li>{@link #NORMAL} (default): a commit survives the process being killed (SIGKILL, OOM, crash), because the
 *       WAL is written before {@code append} completes; the last commits may be lost if the whole machine loses
 *       power before the next checkpoint. One fsync per checkpoint, not per commit; checkpoints run on the log's
 *       checkpointer thread, so no commit waits for one.
 *   <li>{@link #FULL}: every commit is fsynced before {@code append} completes, so it also survives power loss, at
 *       the cost of one fsync per group commit.
 * </ul>
 */
public enum Durability {
  NORMAL, FULL
}
