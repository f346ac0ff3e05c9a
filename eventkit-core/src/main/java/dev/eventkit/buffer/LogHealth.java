package dev.eventkit.buffer;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether the log can store what it is given. {@link State#FAILING} from the first failed group commit (disk full,
 * I/O error) until a write succeeds again: while failing, appends complete exceptionally and nothing of them is
 * stored. A failing log keeps trying by itself (each new append, and a small probe write every second while idle),
 * so it recovers without a restart once the cause is gone. Health checks should answer "not accepting" (503) while
 * it is failing.
 *
 * <p>Immutable and thread-safe.
 *
 * @param state {@link State#OK} or {@link State#FAILING}
 * @param failingSince when the current failure began; null while OK
 * @param lastError the last write error's kind (an SQLite result code such as {@code SQLITE_FULL}, else an exception
 *     class name); null if there never was one. Kept after recovery for diagnosis.
 * @param failedCommits group commits that failed since the log was opened (each failed every append in it)
 * @param bookkeepingErrors errors after a commit (statistics, listeners) since the log was opened: logged and
 *     counted, never reported as a failed append
 */
public record LogHealth(State state, Instant failingSince, String lastError, long failedCommits,
    long bookkeepingErrors) {

  /** The log's state. */
  public enum State {
    /** Writes succeed. */
    OK,
    /** The last write failed; appends are failing. */
    FAILING
  }

  public LogHealth {
    Objects.requireNonNull(state, "state");
  }

  /** A log that has never failed. */
  public static LogHealth ok() {
    return new LogHealth(State.OK, null, null, 0, 0);
  }

  /** True while appends are failing. */
  public boolean isFailing() {
    return state == State.FAILING;
  }
}
