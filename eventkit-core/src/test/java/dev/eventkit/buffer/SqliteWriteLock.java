package dev.eventkit.buffer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * Holds SQLite's write lock on a log's file from another connection, so that the log's writer waits (its busy
 * timeout is 10 s) and a test can act while an operation is queued but not yet committed.
 */
public final class SqliteWriteLock {

  private SqliteWriteLock() {}

  /** Takes the write lock on {@code log}'s file; closing the handle rolls back and releases it. */
  public static AutoCloseable hold(SqliteRingBuffer log) throws Exception {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + log.path());
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO cursors (consumer, seq) VALUES ('test-lock', 0)");
    }
    return () -> {
      c.rollback();
      c.close();
    };
  }
}
