package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log on SQLite in WAL mode: a single writer thread group-commits every pending append (and cursor
 * move) in one transaction, bounded by {@linkplain Builder#maxBatchRows rows} and a short
 * {@linkplain Builder#maxBatchDelay linger}, so concurrent requests share one commit instead of paying one each.
 * Readers use their own connection and never block the writer.
 *
 * <p>Thread-safe. An append completes only after its transaction commits; if the commit fails, every append in
 * that group fails and nothing of it is visible. Sequences are SQLite {@code AUTOINCREMENT} row ids, so they are
 * never reused after retention deletes rows.
 */
public final class SqliteRingBuffer implements RingBuffer {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteRingBuffer.class);

  private final Path path;
  private final Durability durability;
  private final RetentionPolicy retention;
  private final int maxBatchRows;
  private final long maxBatchDelayNanos;

  private final Connection writer;
  private final Connection reader;
  private final Object readLock = new Object();
  private final BlockingQueue<Op> ops = new LinkedBlockingQueue<>();
  private final Thread writerThread;
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

  // Mutated on the writer thread only; published through volatile/atomic fields for readers.
  private final Map<String, Long> cursors = new ConcurrentHashMap<>();
  private final Map<String, Boolean> openConsumers = new ConcurrentHashMap<>();
  private final AtomicLong lastSequence = new AtomicLong();
  private final AtomicLong pendingRows = new AtomicLong();
  private final AtomicLong pendingBytes = new AtomicLong();
  private volatile long firstSequence;
  private volatile long minCursor;
  private volatile long unconsumedBytes;
  private final AtomicLong commits = new AtomicLong();
  private volatile boolean closed;
  private long nextPruneNanos;

  private SqliteRingBuffer(Builder b) {
    this.path = b.path;
    this.durability = b.durability;
    this.retention = b.retention;
    this.maxBatchRows = b.maxBatchRows;
    this.maxBatchDelayNanos = b.maxBatchDelay.toNanos();
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      writer = open();
      reader = open();
      initialise();
    } catch (Exception e) {
      throw new IllegalStateException("cannot open the event log at " + path, e);
    }
    nextPruneNanos = System.nanoTime() + retention.cleanupInterval().toNanos();
    writerThread = new Thread(this::writeLoop, "eventkit-log-writer");
    writerThread.setDaemon(true);
    writerThread.start();
  }

  /** Opens (creating if needed) the log at {@code path} with default settings. */
  public static SqliteRingBuffer at(Path path) {
    return builder(path).build();
  }

  public static Builder builder(Path path) {
    return new Builder(path);
  }

  private Connection open() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + path.toAbsolutePath());
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=" + durability.name());
      s.execute("PRAGMA busy_timeout=10000");
    }
    return c;
  }

  private void initialise() throws SQLException {
    try (Statement s = writer.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
          + "appended_at INTEGER NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      try (ResultSet r = s.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'log'")) {
        lastSequence.set(r.next() ? r.getLong(1) : 0);
      }
      try (ResultSet r = s.executeQuery("SELECT min(seq) FROM log")) {
        long min = r.next() ? r.getLong(1) : 0;
        firstSequence = min == 0 ? lastSequence.get() + 1 : min;
      }
      try (ResultSet r = s.executeQuery("SELECT consumer, seq FROM cursors")) {
        while (r.next()) {
          cursors.put(r.getString(1), r.getLong(2));
        }
      }
    }
    writer.setAutoCommit(false);
    minCursor = lastSequence.get();
    unconsumedBytes = 0;
  }

  @Override
  public CompletableFuture<Long> append(List<Envelope> batch) {
    Objects.requireNonNull(batch, "batch");
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("the event log is closed"));
    }
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(lastSequence.get());
    }
    // Encoding happens on the caller's thread so that the single writer only does I/O.
    List<byte[]> rows = new ArrayList<>(batch.size());
    long bytes = 0;
    for (Envelope e : batch) {
      byte[] encoded = EnvelopeCodec.encode(e);
      rows.add(encoded);
      bytes += encoded.length;
    }
    long unconsumed = lastSequence.get() - minCursor + pendingRows.get();
    if (unconsumed + rows.size() > retention.capacityEvents()
        || unconsumedBytes + pendingBytes.get() + bytes > retention.capacityBytes()) {
      return CompletableFuture.failedFuture(new BufferFullException(
          "the event log is at capacity; sinks are behind", Duration.ofSeconds(5)));
    }
    Append op = new Append(rows, bytes);
    pendingRows.addAndGet(rows.size());
    pendingBytes.addAndGet(bytes);
    ops.add(op);
    if (closed && ops.remove(op)) {
      op.future.completeExceptionally(new IllegalStateException("the event log is closed"));
    }
    return op.future;
  }

  @Override
  public List<LogRecord> read(long afterSequence, int max) {
    if (closed) {
      throw new IllegalStateException("the event log is closed");
    }
    List<LogRecord> out = new ArrayList<>(Math.min(max, 1024));
    synchronized (readLock) {
      try (PreparedStatement ps = reader.prepareStatement(
          "SELECT seq, body FROM log WHERE seq > ? ORDER BY seq LIMIT ?")) {
        ps.setLong(1, afterSequence);
        ps.setInt(2, max);
        try (ResultSet r = ps.executeQuery()) {
          while (r.next()) {
            out.add(new LogRecord(r.getLong(1), EnvelopeCodec.decode(r.getBytes(2))));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the event log", e);
      }
    }
    return out;
  }

  @Override
  public long openCursor(String consumer) {
    Objects.requireNonNull(consumer, "consumer");
    OpenCursor op = new OpenCursor(consumer);
    submit(op);
    return op.future.join();
  }

  @Override
  public CompletableFuture<Void> commit(String consumer, long upToSequence) {
    Long current = cursors.get(consumer);
    if (current == null || !openConsumers.containsKey(consumer)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("cursor not open: " + consumer));
    }
    if (upToSequence <= current) {
      return CompletableFuture.completedFuture(null);
    }
    Commit op = new Commit(consumer, Math.min(upToSequence, lastSequence.get()));
    submit(op);
    return op.future;
  }

  private void submit(Op op) {
    if (closed) {
      op.fail(new IllegalStateException("the event log is closed"));
      return;
    }
    ops.add(op);
  }

  @Override
  public long lastSequence() {
    return lastSequence.get();
  }

  @Override
  public void onAppend(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public RingBufferStats stats() {
    long last = lastSequence.get();
    long first = firstSequence;
    long retained = Math.max(0, last - first + 1);
    return new RingBufferStats(retained == 0 ? 0 : first, last, retained, Math.max(0, last - minCursor),
        unconsumedBytes, retention.capacityEvents(), retention.capacityBytes());
  }

  /** How many group commits the writer has made since the log was opened: a measure of batching. */
  public long commitCount() {
    return commits.get();
  }

  /** Runs retention now (it also runs every {@link RetentionPolicy#cleanupInterval()}); completes when done. */
  public CompletableFuture<Void> prune() {
    Prune op = new Prune();
    submit(op);
    return op.future;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ops.add(new Stop());
    try {
      writerThread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Op left;
    while ((left = ops.poll()) != null) {
      left.fail(new IllegalStateException("the event log is closed"));
    }
    synchronized (readLock) {
      closeQuietly(reader);
    }
    closeQuietly(writer);
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      LOG.warn("closing the event log connection failed: {}", e.getMessage());
    }
  }

  // ---- writer thread ----

  private void writeLoop() {
    List<Op> group = new ArrayList<>();
    try (PreparedStatement insert = writer.prepareStatement(
            "INSERT INTO log (appended_at, size, body) VALUES (?, ?, ?)");
         PreparedStatement upsert = writer.prepareStatement(
             "INSERT INTO cursors (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) DO UPDATE "
                 + "SET seq = excluded.seq WHERE excluded.seq > cursors.seq")) {
      while (true) {
        long wait = Math.max(0, nextPruneNanos - System.nanoTime());
        Op first = ops.poll(wait, TimeUnit.NANOSECONDS);
        if (first == null) {
          runPrune(null);
          continue;
        }
        if (first instanceof Stop) {
          return;
        }
        group.clear();
        group.add(first);
        int rows = first.rows();
        Op stop = collectGroup(group, rows);
        writeGroup(group, insert, upsert);
        if (stop != null) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException e) {
      LOG.error("the event log writer cannot prepare its statements", e);
    } catch (RuntimeException | Error e) {
      LOG.error("the event log writer stopped unexpectedly", e);
      throw e;
    }
  }

  /** Adds what is pending (and, within the linger, what arrives) to the group; returns a Stop if one was met. */
  private Op collectGroup(List<Op> group, int rows) throws InterruptedException {
    long deadline = System.nanoTime() + maxBatchDelayNanos;
    while (rows < maxBatchRows) {
      Op next = ops.poll();
      if (next == null && maxBatchDelayNanos > 0) {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          next = ops.poll(left, TimeUnit.NANOSECONDS);
        }
      }
      if (next == null) {
        return null;
      }
      if (next instanceof Stop) {
        return next;
      }
      group.add(next);
      rows += next.rows();
    }
    return null;
  }

  private void writeGroup(List<Op> group, PreparedStatement insert, PreparedStatement upsert) {
    long now = System.currentTimeMillis();
    int rows = 0;
    long bytes = 0;
    boolean cursorsMoved = false;
    Map<String, Long> moved = new HashMap<>();
    try {
      for (Op op : group) {
        if (op instanceof Append) {
          Append a = (Append) op;
          for (byte[] row : a.rows) {
            insert.setLong(1, now);
            insert.setInt(2, row.length);
            insert.setBytes(3, row);
            insert.addBatch();
          }
          rows += a.rows.size();
          bytes += a.bytes;
        } else if (op instanceof Commit) {
          Commit c = (Commit) op;
          upsert.setString(1, c.consumer);
          upsert.setLong(2, c.upTo);
          upsert.addBatch();
          moved.merge(c.consumer, c.upTo, Math::max);
          cursorsMoved = true;
        }
      }
      long last = lastSequence.get();
      if (rows > 0) {
        insert.executeBatch();
        try (Statement s = writer.createStatement(); ResultSet r = s.executeQuery("SELECT last_insert_rowid()")) {
          r.next();
          last = r.getLong(1);
        }
      }
      if (cursorsMoved) {
        upsert.executeBatch();
      }
      writer.commit();
      commits.incrementAndGet();

      long seq = last - rows;
      lastSequence.set(last);
      pendingRows.addAndGet(-rows);
      pendingBytes.addAndGet(-bytes);
      unconsumedBytes += bytes;
      for (Map.Entry<String, Long> m : moved.entrySet()) {
        cursors.merge(m.getKey(), m.getValue(), Math::max);
      }
      if (cursorsMoved) {
        recomputeMinCursor();
      }
      for (Op op : group) {
        if (op instanceof Append) {
          seq += ((Append) op).rows.size();
          ((Append) op).future.complete(seq);
        } else if (op instanceof Commit) {
          ((Commit) op).future.complete(null);
        }
      }
      if (rows > 0) {
        for (Runnable l : listeners) {
          try {
            l.run();
          } catch (RuntimeException e) {
            LOG.warn("an append listener failed", e);
          }
        }
      }
    } catch (SQLException e) {
      rollback();
      pendingRows.addAndGet(-rows);
      pendingBytes.addAndGet(-bytes);
      LOG.error("committing {} event(s) to the log failed: {}", rows, e.getMessage());
      for (Op op : group) {
        if (!(op instanceof OpenCursor) && !(op instanceof Prune)) {
          op.fail(e);
        }
      }
    }
    // Cursor opens and pruning run after the group's own transaction, each in its own.
    for (Op op : group) {
      if (op instanceof OpenCursor) {
        runOpenCursor((OpenCursor) op);
      } else if (op instanceof Prune) {
        runPrune((Prune) op);
      }
    }
    if (System.nanoTime() >= nextPruneNanos) {
      runPrune(null);
    }
  }

  private void rollback() {
    try {
      writer.rollback();
    } catch (SQLException e) {
      LOG.warn("rollback of the event log failed: {}", e.getMessage());
    }
  }

  private void runOpenCursor(OpenCursor op) {
    try {
      Long existing = cursors.get(op.consumer);
      long position = existing != null ? existing : firstSequence - 1;
      try (PreparedStatement ps = writer.prepareStatement(
          "INSERT INTO cursors (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) DO NOTHING")) {
        ps.setString(1, op.consumer);
        ps.setLong(2, position);
        ps.executeUpdate();
      }
      writer.commit();
      cursors.put(op.consumer, position);
      openConsumers.put(op.consumer, Boolean.TRUE);
      recomputeMinCursor();
      op.future.complete(position);
    } catch (SQLException e) {
      rollback();
      op.future.completeExceptionally(e);
    }
  }

  /** Recomputes the lowest open cursor and, when it moved, the bytes still unconsumed above it. */
  private void recomputeMinCursor() throws SQLException {
    long min = lastSequence.get();
    for (String consumer : openConsumers.keySet()) {
      min = Math.min(min, cursors.getOrDefault(consumer, 0L));
    }
    if (min == minCursor) {
      return;
    }
    try (PreparedStatement ps = writer.prepareStatement("SELECT coalesce(sum(size), 0) FROM log WHERE seq > ?")) {
      ps.setLong(1, min);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        unconsumedBytes = r.getLong(1);
      }
    }
    writer.commit();
    minCursor = min;
  }

  private void runPrune(Prune op) {
    nextPruneNanos = System.nanoTime() + retention.cleanupInterval().toNanos();
    try {
      long bySize = minCursor - retention.maxRetainedEvents();
      long byAge = lastAppendedBefore(System.currentTimeMillis() - retention.maxAge().toMillis());
      long bound = Math.min(minCursor, Math.max(bySize, byAge));
      long deleted = 0;
      while (firstSequence <= bound) {
        long chunkEnd = Math.min(bound, firstSequence + 9_999);
        try (PreparedStatement ps = writer.prepareStatement("DELETE FROM log WHERE seq <= ?")) {
          ps.setLong(1, chunkEnd);
          deleted += ps.executeUpdate();
        }
        writer.commit();
        firstSequence = chunkEnd + 1;
      }
      if (deleted > 0) {
        LOG.debug("retention removed {} consumed event(s) from the log", deleted);
      }
      if (op != null) {
        op.future.complete(null);
      }
    } catch (SQLException e) {
      rollback();
      LOG.warn("retention of the event log failed: {}", e.getMessage());
      if (op != null) {
        op.future.completeExceptionally(e);
      }
    }
  }

  /**
   * The highest sequence appended before {@code cutoffMillis}, by binary search over the sequence range: append
   * times rise with sequences (one writer stamps them), so no index on time is needed.
   */
  private long lastAppendedBefore(long cutoffMillis) throws SQLException {
    long lo = firstSequence;
    long hi = lastSequence.get();
    long answer = lo - 1;
    try (PreparedStatement ps = writer.prepareStatement(
        "SELECT seq, appended_at FROM log WHERE seq >= ? ORDER BY seq LIMIT 1")) {
      while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        ps.setLong(1, mid);
        try (ResultSet r = ps.executeQuery()) {
          if (!r.next()) {
            hi = mid - 1;
            continue;
          }
          long seq = r.getLong(1);
          if (r.getLong(2) < cutoffMillis) {
            answer = seq;
            lo = seq + 1;
          } else {
            hi = mid - 1;
          }
        }
      }
    }
    writer.commit();
    return answer;
  }

  // ---- operations queued for the writer ----

  private abstract static class Op {
    int rows() {
      return 0;
    }

    abstract void fail(Throwable t);
  }

  private static final class Append extends Op {
    final List<byte[]> rows;
    final long bytes;
    final CompletableFuture<Long> future = new CompletableFuture<>();

    Append(List<byte[]> rows, long bytes) {
      this.rows = rows;
      this.bytes = bytes;
    }

    @Override
    int rows() {
      return rows.size();
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class Commit extends Op {
    final String consumer;
    final long upTo;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    Commit(String consumer, long upTo) {
      this.consumer = consumer;
      this.upTo = upTo;
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class OpenCursor extends Op {
    final String consumer;
    final CompletableFuture<Long> future = new CompletableFuture<>();

    OpenCursor(String consumer) {
      this.consumer = consumer;
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class Prune extends Op {
    final CompletableFuture<Void> future = new CompletableFuture<>();

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class Stop extends Op {
    @Override
    void fail(Throwable t) {}
  }

  /**
   * Configures a {@link SqliteRingBuffer}; not thread-safe. Defaults: {@link Durability#NORMAL},
   * {@link RetentionPolicy#defaults()}, group commits of at most 2,000 rows and no linger: appends that arrive
   * while one commit runs form the next group by themselves, and the benchmarks show a linger only adds latency.
   */
  public static final class Builder {
    private final Path path;
    private Durability durability = Durability.NORMAL;
    private RetentionPolicy retention = RetentionPolicy.defaults();
    private int maxBatchRows = 2_000;
    private Duration maxBatchDelay = Duration.ZERO;

    private Builder(Path path) {
      this.path = Objects.requireNonNull(path, "path");
    }

    public Builder durability(Durability durability) {
      this.durability = Objects.requireNonNull(durability, "durability");
      return this;
    }

    public Builder retention(RetentionPolicy retention) {
      this.retention = Objects.requireNonNull(retention, "retention");
      return this;
    }

    /** The most rows one group commit writes; a larger single batch is still written whole. */
    public Builder maxBatchRows(int rows) {
      this.maxBatchRows = rows;
      return this;
    }

    /** How long the writer waits for more appends to join a group; zero commits whatever is pending at once. */
    public Builder maxBatchDelay(Duration delay) {
      this.maxBatchDelay = Objects.requireNonNull(delay, "maxBatchDelay");
      return this;
    }

    /** Opens the log; throws {@link IllegalArgumentException} for bad settings, and {@link IllegalStateException}
     * when the file cannot be opened. */
    public SqliteRingBuffer build() {
      if (maxBatchRows < 1) {
        throw new IllegalArgumentException("maxBatchRows must be >= 1");
      }
      if (maxBatchDelay.isNegative() || maxBatchDelay.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("maxBatchDelay must be between 0 and 1 s");
      }
      return new SqliteRingBuffer(this);
    }
  }
}
