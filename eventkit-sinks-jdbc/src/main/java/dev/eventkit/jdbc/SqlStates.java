package dev.eventkit.jdbc;

import dev.eventkit.sink.Failure;
import java.sql.SQLException;

/**
 * Maps a JDBC failure to a retryable or permanent {@link Failure} by its SQLState (PostgreSQL's codes, which follow
 * the SQL standard's classes).
 *
 * <p>Retryable: connection problems (class 08), transaction rollbacks such as serialization failures and
 * deadlocks (class 40), insufficient resources (53), operator intervention such as a shutdown or a cancelled
 * statement (57), system and internal errors (58, XX), a missing table (42P01: it is created again) and a missing
 * privilege (42501: a grant fixes it, and dead-lettering every event would not). Permanent: data exceptions (22),
 * integrity violations (23; the one conflict the sink expects, a replayed event id, is absorbed by the insert
 * itself), and other syntax or access rule violations (42). Anything else, and a failure without a SQLState (a
 * pool that timed out), is retryable: holding events in the log is always safer than refusing them.
 *
 * <p>Stateless and thread-safe.
 */
final class SqlStates {

  private SqlStates() {}

  /** The failure for {@code e}; its reason names the SQLState only, never the message (it may quote data). */
  static Failure classify(SQLException e) {
    String state = stateOf(e);
    if (state == null) {
      return Failure.retryable("database error without SQLState: " + e.getClass().getSimpleName());
    }
    String reason = "SQLState " + state;
    return isPermanent(state) ? Failure.permanent(reason) : Failure.retryable(reason);
  }

  /** Whether a failure with this SQLState cannot be fixed by trying the same rows again. */
  static boolean isPermanent(String state) {
    if (state.equals("42P01") || state.equals("42501")) {
      return false;
    }
    String cls = state.length() >= 2 ? state.substring(0, 2) : state;
    return cls.equals("22") || cls.equals("23") || cls.equals("42");
  }

  /**
   * The first SQLState along the exception's chains: a batch failure reports its cause as the next exception, a
   * pool wraps the driver's exception as the cause.
   */
  static String stateOf(SQLException e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < 16; depth++) {
      if (t instanceof SQLException s) {
        if (s.getSQLState() != null && !s.getSQLState().isEmpty()) {
          return s.getSQLState();
        }
        t = s.getNextException() != null ? s.getNextException() : s.getCause();
      } else {
        t = t.getCause();
      }
    }
    return null;
  }
}
