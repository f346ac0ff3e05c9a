package dev.eventkit.buffer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints the log's WAL on a thread and connection of its own, so that no commit runs one: the writer's
 * connection has SQLite's automatic checkpoints turned off, which otherwise copy and fsync inside the commit that
 * crosses 1,000 pages, on the writer thread.
 *
 * <p>A passive checkpoint runs whenever the writer reports {@code signalBytes} written since the last one, and at
 * least every second. It blocks no one, and once it has copied everything the writer starts the WAL over at its
 * next transaction. A writer that never pauses leaves no such moment, so when a passive checkpoint leaves the WAL
 * above {@code maxWalBytes}, the checkpointer runs a few more passive checkpoints, each copying what was written
 * during the one before, then pauses the writer ({@code writerPause}, which the writer holds for each of its
 * transactions) and the log's own reader ({@code readerPause}) and runs a {@code RESTART} checkpoint: only the
 * frames written during the last passive one are left to copy, so the pause is short, and the WAL then starts
 * over. {@code journal_size_limit} on the connections trims the file when it does.
 *
 * <p>Durability is SQLite's: the checkpointing connection uses the log's {@code synchronous} setting, so a
 * checkpoint syncs the WAL before copying from it and the database before the WAL is reused.
 *
 * <p>Thread-safe: {@link #written} may be called from any thread. A failed checkpoint (a full disk) is logged and
 * retried at the next signal; commits are not affected by it.
 */
final class WalCheckpointer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long MAX_SIGNAL_BYTES = 4L << 20;
  private static final int CATCH_UP_PASSES = 4;

  private final Connection connection;
  private final long maxWalBytes;
  private final long signalBytes;
  private final Lock writerPause;
  private final Object readerPause;
  private final Thread thread;
  private final AtomicLong unsignalled = new AtomicLong();
  private final AtomicLong passive = new AtomicLong();
  private final AtomicLong restarts = new AtomicLong();
  private volatile boolean closed;
  private boolean failing;

  WalCheckpointer(Connection connection, long maxWalBytes, Lock writerPause, Object readerPause) {
    this.connection = connection;
    this.maxWalBytes = maxWalBytes;
    this.signalBytes = Math.max(1, Math.min(MAX_SIGNAL_BYTES, maxWalBytes / 4));
    this.writerPause = writerPause;
    this.readerPause = readerPause;
    this.thread = new Thread(this::run, "eventkit-log-checkpointer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Counts bytes the writer has committed; wakes the checkpointer once enough have gathered. */
  void written(long bytes) {
    if (unsignalled.addAndGet(bytes) >= signalBytes) {
      unsignalled.set(0);
      LockSupport.unpark(thread);
    }
  }

  /** Passive checkpoints run so far. */
  long passiveCount() {
    return passive.get();
  }

  /** Checkpoints that had to pause the writer because the WAL stayed above its bound. */
  long restartCount() {
    return restarts.get();
  }

  private void run() {
    try (Statement s = connection.createStatement()) {
      long pageSize;
      try (ResultSet r = s.executeQuery("PRAGMA page_size")) {
        r.next();
        pageSize = r.getLong(1);
      }
      while (!closed) {
        LockSupport.parkNanos(this, IDLE_NANOS);
        if (closed) {
          return;
        }
        checkpoint(s, pageSize);
      }
    } catch (SQLException | RuntimeException e) {
      LOG.error("the event log's checkpointer stopped; the WAL is checkpointed only when the log closes", e);
    }
  }

  private void checkpoint(Statement s, long pageSize) {
    try {
      long walFrames = walFrames(s, "PASSIVE");
      passive.incrementAndGet();
      if (walFrames * pageSize > maxWalBytes) {
        // Catch up without pausing anyone first: each pass copies what the writer added during the one before,
        // so that the pause below has only a little left to copy.
        for (int pass = 0; pass < CATCH_UP_PASSES; pass++) {
          long before = walFrames;
          walFrames = walFrames(s, "PASSIVE");
          passive.incrementAndGet();
          if ((walFrames - before) * pageSize <= signalBytes) {
            break;
          }
        }
        long started = System.nanoTime();
        writerPause.lock();
        try {
          synchronized (readerPause) {
            walFrames(s, "RESTART");
          }
        } finally {
          writerPause.unlock();
        }
        restarts.incrementAndGet();
        LOG.debug("the WAL held {} KiB after a passive checkpoint; starting it over took {} ms",
            walFrames * pageSize >> 10, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      }
      if (failing) {
        failing = false;
        LOG.info("the event log's WAL is checkpointed again");
      }
    } catch (SQLException e) {
      if (!failing) {
        failing = true;
        LOG.warn("checkpointing the event log's WAL failed; retrying: {}", e.getMessage());
      }
    }
  }

  /** Runs a checkpoint of the given mode and answers the frames the WAL held. */
  private static long walFrames(Statement s, String mode) throws SQLException {
    try (ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
      r.next();
      return r.getLong(2);
    }
  }

  /** Stops the thread (after a checkpoint under way) and closes its connection. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.warn("closing the event log's checkpoint connection failed: {}", e.getMessage());
    }
  }
}
