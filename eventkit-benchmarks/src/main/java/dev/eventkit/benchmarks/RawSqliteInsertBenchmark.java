package dev.eventkit.benchmarks;

import dev.eventkit.event.EnvelopeCodec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The ceiling for the log: plain sqlite-jdbc inserts into the log's own table shape, in WAL mode, one thread, one
 * transaction per {@code addBatch}/{@code executeBatch} batch of 1, 100 or 1,000 rows. Each row's body is the
 * encoded {@link TrackEvents} envelope, the same bytes the log stores. One operation is one row, so the score is
 * rows per second.
 *
 * <p>Each iteration starts from an empty database in a new temp directory, so the file does not grow across the
 * run. Not thread-safe: a single writer, like the log's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RawSqliteInsertBenchmark {

  /** SQLite's {@code synchronous} setting, as {@code Durability} maps it. */
  @Param({"NORMAL", "FULL"})
  public String synchronous;

  private TempDirectory dir;
  private Connection connection;
  private PreparedStatement insert;
  private byte[] body;

  @Setup(Level.Iteration)
  public void open() throws SQLException {
    body = EnvelopeCodec.encode(TrackEvents.envelope());
    dir = new TempDirectory("eventkit-bench-raw");
    connection = DriverManager.getConnection("jdbc:sqlite:" + dir.path().resolve("raw.db"));
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=" + synchronous);
      s.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
          + "appended_at INTEGER NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL)");
    }
    connection.setAutoCommit(false);
    insert = connection.prepareStatement("INSERT INTO log (appended_at, size, body) VALUES (?, ?, ?)");
  }

  @TearDown(Level.Iteration)
  public void close() throws SQLException {
    insert.close();
    connection.close();
    dir.close();
  }

  /** The row body's length in bytes. */
  int bodyBytes() {
    return body.length;
  }

  Connection connection() {
    return connection;
  }

  @Benchmark
  @OperationsPerInvocation(1)
  public void insertBatchOf0001() throws SQLException {
    insertBatch(1);
  }

  @Benchmark
  @OperationsPerInvocation(100)
  public void insertBatchOf0100() throws SQLException {
    insertBatch(100);
  }

  @Benchmark
  @OperationsPerInvocation(1000)
  public void insertBatchOf1000() throws SQLException {
    insertBatch(1000);
  }

  private void insertBatch(int rows) throws SQLException {
    long now = System.currentTimeMillis();
    for (int i = 0; i < rows; i++) {
      insert.setLong(1, now);
      insert.setInt(2, body.length);
      insert.setBytes(3, body);
      insert.addBatch();
    }
    insert.executeBatch();
    connection.commit();
  }
}
