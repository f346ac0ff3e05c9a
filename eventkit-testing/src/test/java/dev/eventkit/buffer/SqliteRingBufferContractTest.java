package dev.eventkit.buffer;

import dev.eventkit.testing.RingBufferContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SqliteRingBuffer} keeps the log contract, durable parts included: it is reopened from its file, its rows
 * are damaged through a second connection, and its commits are held back by that connection's write lock. In the
 * log's package, to reach the file's path.
 */
class SqliteRingBufferContractTest extends RingBufferContract {

  @TempDir
  Path dir;

  @Override
  protected RingBuffer create(RetentionPolicy retention) {
    return SqliteRingBuffer.builder(dir.resolve("wal-" + System.nanoTime() + ".db")).retention(retention).build();
  }

  @Override
  protected void prune(RingBuffer log) {
    ((SqliteRingBuffer) log).prune().join();
  }

  @Override
  protected RingBuffer reopen(RingBuffer log, RetentionPolicy retention) {
    Path file = ((SqliteRingBuffer) log).path();
    log.close();
    return SqliteRingBuffer.builder(file).retention(retention).build();
  }

  @Override
  protected boolean corrupt(RingBuffer log, long sequence, byte[] stored) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + ((SqliteRingBuffer) log).path());
        PreparedStatement ps = c.prepareStatement("UPDATE log SET body = ? WHERE seq = ?")) {
      ps.setBytes(1, stored);
      ps.setLong(2, sequence);
      // The log answers its latest records from memory; the damage is on disk.
      ((SqliteRingBuffer) log).forgetTail();
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected AutoCloseable holdCommits(RingBuffer log) throws Exception {
    return SqliteWriteLock.hold((SqliteRingBuffer) log);
  }
}
