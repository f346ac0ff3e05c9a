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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteException;

/**
 * The write-ahead log on SQLite in WAL mode: a single writer thread group-commits every pending append (and cursor
 * move) in one transaction, bounded by {@linkplain Builder#maxBatchRows rows} and a short
 * {@linkplain Builder#maxBatchDelay linger}, so concurrent requests share one commit instead of paying one each.
 * Readers use their own connection and never block the writer.
 *
 * <p>Thread-safe. An append completes only after its transaction commits, and right after it: work that follows
 * the commit (statistics, listeners) never turns a stored append into a failed one. If a group fails (disk full,
 * I/O error), its transaction is rolled back and the writer's connection is reopened, so every append of that group
 * fails and nothing of it is stored; the log reports {@linkplain LogHealth.State#FAILING failing} and recovers by
 * itself with the next write that succeeds (a small probe write runs every second while it is idle and failing).
 * Futures complete on the log's callback thread ({@code eventkit-log-callbacks-*}), never on the writer thread, so
 * a dependent action may wait for another of the log's futures ({@code join}, {@code get}): the callback pool then
 * adds a thread, and neither the writer nor later answers stall. A callback that blocks on anything else delays the
 * answers queued behind it (never the writer): keep such work off these threads.
 *
 * <p>Nothing slow runs between an append and its commit: retention deletes at most 1,000 rows per transaction,
 * one slice after each group (appends first), and WAL checkpoints run on the log's checkpointer thread
 * ({@code eventkit-log-checkpointer}, its own connection), never inside a commit. The checkpointer keeps the WAL
 * near 64 MiB: past that it pauses the writer between two transactions for the few frames a passive checkpoint
 * left, so the WAL can start over.
 *
 * <p>Retention is held back by every cursor stored in the log, opened in this run or not. A record that cannot be
 * decoded is read as an {@linkplain LogRecord#isUndecodable() undecodable} record. Sequences are SQLite
 * {@code AUTOINCREMENT} row ids, so they are never reused after retention deletes rows.
 */
public final class SqliteRingBuffer implements RingBuffer {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteRingBuffer.class);
  /** Bounds of the in-memory tail: sinks a few group commits behind; small, so that held envelopes die young. */
  private static final int TAIL_RECORDS = 2_048;
  private static final long TAIL_BYTES = 4L * 1024 * 1024;
  private static final long PROBE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final AtomicInteger CALLBACK_THREADS = new AtomicInteger();
  /** The most rows one retention transaction deletes: a few milliseconds, so that no append waits longer. */
  private static final int PRUNE_SLICE_ROWS = 1_000;

  private final Path path;
  private final Durability durability;
  private final RetentionPolicy retention;
  private final int maxBatchRows;
  private final long maxBatchDelayNanos;
  private final long maxWalBytes;

  private final Connection reader;
  private final Object readLock = new Object();
  /** Reads of the latest records, answered from memory (see {@link TailCache}). */
  private final TailCache tail = new TailCache(TAIL_RECORDS, TAIL_BYTES);
  /** The reader connection's one query, prepared once (guarded by {@link #readLock}). */
  private PreparedStatement readStatement;
  // Lock-free hand-off to the writer: a caller unparks the writer only when it is waiting for work, and only the
  // first caller to find it waiting does, so a busy writer costs appenders no lock and no wake-up.
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean writerWaiting = new AtomicBoolean();
  private final Thread writerThread;
  // Held by the writer for each turn of its loop (every transaction happens inside one), so that the checkpointer
  // can pause it between transactions; fair, so that a waiting checkpointer goes before the writer's next turn.
  private final ReentrantLock writerPause = new ReentrantLock(true);
  private final WalCheckpointer checkpointer;
  private final ExecutorService callbacks;
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

  // The writer's connection and statements: used on the writer thread only (and by close() once it has stopped).
  // Null after a failure until reopened.
  private Connection writer;
  private PreparedStatement insert;
  private PreparedStatement upsert;
  private long pageLimit;
  private long nextPruneNanos;
  private PreparedStatement deletePrefix;
  // Retention under way: rows up to pruneUpTo are due; prunedInRun counts what this run has deleted so far.
  private long pruneUpTo;
  private long prunedInRun;
  private final List<Prune> pruneWaiters = new ArrayList<>();
  private long nextProbeNanos;
  private long lastFailedBytes;
  private boolean unconsumedBytesStale;
  // Sizes of the latest records, so that a cursor move costs a subtraction rather than a scan of the rows it
  // passed; 2 MiB, enough for sinks up to a quarter of a million events behind.
  private final SizeLedger sizes = new SizeLedger(1 << 18, 0);

  // Cursors: changed on the writer thread (and while opening), read from any thread.
  private final Map<String, Long> cursors = new ConcurrentHashMap<>();
  private final Set<String> openConsumers = ConcurrentHashMap.newKeySet();

  // Admission state: what appends are checked against. Changed only while holding `admission`, so that the
  // capacity check and the reservation of a batch are one step; lastSequence is also read without the lock.
  private final Object admission = new Object();
  private final AtomicLong lastSequence = new AtomicLong();
  private long pendingRows;
  private long pendingBytes;
  private long minCursor;
  private long unconsumedBytes;
  private volatile long firstSequence;

  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong failedCommits = new AtomicLong();
  private final AtomicLong bookkeepingErrors = new AtomicLong();
  private volatile Instant failingSince;
  private volatile String lastError;
  private volatile boolean closed;

  /** Runs on the writer thread right after each group commit, as bookkeeping does; lets tests make it fail. */
  volatile SqlAction afterCommitForTest;

  /** Runs on the writer thread after each committed retention slice, with the rows it deleted. */
  volatile LongConsumer pruneSliceForTest;

  /** An action on the writer's connection that may fail with an SQL error. */
  interface SqlAction {
    void run() throws SQLException;
  }

  private SqliteRingBuffer(Builder b) {
    this.path = b.path;
    this.durability = b.durability;
    this.retention = b.retention;
    this.maxBatchRows = b.maxBatchRows;
    this.maxBatchDelayNanos = b.maxBatchDelay.toNanos();
    this.maxWalBytes = b.maxWalBytes;
    Connection readerConnection = null;
    Connection checkpointConnection = null;
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      writer = open();
      readerConnection = open();
      checkpointConnection = open();
      initialise();
      prepareWriter();
    } catch (Exception e) {
      closeWriter();
      closeQuietly(readerConnection);
      closeQuietly(checkpointConnection);
      throw new IllegalStateException("cannot open the event log at " + path, e);
    }
    reader = readerConnection;
    checkpointer = new WalCheckpointer(checkpointConnection, maxWalBytes, writerPause, readLock);
    nextPruneNanos = System.nanoTime() + retention.cleanupInterval().toNanos();
    // One thread takes the answers off the writer. A fork-join pool rather than a plain one: a callback waiting
    // for another future of the log (join, get) makes it add a thread, so waiting there cannot deadlock, while the
    // common case hands each group's answers to the one warm thread (an idle set of plain workers costs several
    // times more per hand-off).
    callbacks = new ForkJoinPool(1, pool -> {
      ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
      t.setName("eventkit-log-callbacks-" + CALLBACK_THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    }, null, true);
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
      // The WAL file is trimmed to this size whenever it starts over (see WalCheckpointer).
      s.execute("PRAGMA journal_size_limit=" + maxWalBytes);
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
    return c;
  }

  private void initialise() throws SQLException {
    try (Statement s = writer.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
          + "appended_at INTEGER NOT NULL, size INTEGER NOT NULL, body BLOB NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS cursors (consumer TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, body BLOB)");
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
    // Cursors saved by an earlier run hold back retention (and count towards capacity) from the start, not only
    // once their consumers open them again.
    minCursor = lowestCursor();
    unconsumedBytes = bytesAbove(writer, minCursor);
    sizes.reset(lastSequence.get());
  }

  private void prepareWriter() throws SQLException {
    try (Statement s = writer.createStatement()) {
      // Checkpoints run on the checkpointer's thread: SQLite's automatic one would copy and fsync inside a commit.
      s.execute("PRAGMA wal_autocheckpoint=0");
      if (pageLimit > 0) {
        s.execute("PRAGMA max_page_count=" + pageLimit);
      }
    }
    writer.setAutoCommit(false);
    insert = writer.prepareStatement("INSERT INTO log (appended_at, size, body) VALUES (?, ?, ?)");
    deletePrefix = writer.prepareStatement("DELETE FROM log WHERE seq <= ?");
    upsert = writer.prepareStatement("INSERT INTO cursors (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) "
        + "DO UPDATE SET seq = excluded.seq WHERE excluded.seq > cursors.seq");
  }

  /** The lowest stored cursor; with no cursor at all, nothing counts as consumed. */
  private long lowestCursor() {
    long min = lastSequence.get();
    if (cursors.isEmpty()) {
      return Math.min(min, firstSequence - 1);
    }
    for (long c : cursors.values()) {
      min = Math.min(min, c);
    }
    return min;
  }

  private static long bytesAbove(Connection c, long sequence) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(size), 0) FROM log WHERE seq > ?")) {
      ps.setLong(1, sequence);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
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
    if (rows.size() > retention.capacityEvents() || bytes > retention.capacityBytes()) {
      return CompletableFuture.failedFuture(new BatchTooLargeException(rows.size(), bytes,
          retention.capacityEvents(), retention.capacityBytes()));
    }
    Append op = new Append(List.copyOf(batch), rows, bytes);
    synchronized (admission) {
      long unconsumed = lastSequence.get() - minCursor + pendingRows;
      if (unconsumed + rows.size() > retention.capacityEvents()
          || unconsumedBytes + pendingBytes + bytes > retention.capacityBytes()) {
        return CompletableFuture.failedFuture(new BufferFullException(
            "the event log is at capacity; sinks are behind", Duration.ofSeconds(5)));
      }
      pendingRows += rows.size();
      pendingBytes += bytes;
    }
    enqueue(op);
    if (closed && ops.remove(op)) {
      release(rows.size(), bytes);
      op.future.completeExceptionally(new IllegalStateException("the event log is closed"));
    }
    return op.future;
  }

  private void release(long rows, long bytes) {
    synchronized (admission) {
      pendingRows -= rows;
      pendingBytes -= bytes;
    }
  }

  /** Forgets the in-memory tail, so that reads go to the file (tests that damage stored rows need that). */
  void forgetTail() {
    tail.clear();
  }

  @Override
  public List<LogRecord> read(long afterSequence, int max) {
    if (closed) {
      throw new IllegalStateException("the event log is closed");
    }
    List<LogRecord> recent = tail.read(afterSequence, max);
    if (recent != null) {
      return recent;
    }
    List<Long> sequences = new ArrayList<>(Math.min(max, 1024));
    List<byte[]> bodies = new ArrayList<>(Math.min(max, 1024));
    synchronized (readLock) {
      try {
        if (readStatement == null) {
          readStatement = reader.prepareStatement("SELECT seq, body FROM log WHERE seq > ? ORDER BY seq LIMIT ?");
        }
        PreparedStatement ps = readStatement;
        ps.setLong(1, afterSequence);
        ps.setInt(2, max);
        try (ResultSet r = ps.executeQuery()) {
          while (r.next()) {
            sequences.add(r.getLong(1));
            bodies.add(r.getBytes(2));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the event log", e);
      }
    }
    // Decoding happens outside the lock, so that consumers decode in parallel.
    List<LogRecord> out = new ArrayList<>(sequences.size());
    for (int i = 0; i < sequences.size(); i++) {
      out.add(RecordDecoder.decode(sequences.get(i), bodies.get(i)));
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
    if (current == null || !openConsumers.contains(consumer)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("cursor not open: " + consumer));
    }
    if (upToSequence <= current) {
      return CompletableFuture.completedFuture(null);
    }
    Commit op = new Commit(consumer, Math.min(upToSequence, lastSequence.get()));
    submit(op);
    return op.future;
  }

  @Override
  public CompletableFuture<Void> dropCursor(String consumer) {
    DropCursor op = new DropCursor(Objects.requireNonNull(consumer, "consumer"));
    submit(op);
    return op.future;
  }

  @Override
  public Map<String, Long> cursors() {
    return Collections.unmodifiableMap(new TreeMap<>(cursors));
  }

  private void submit(Op op) {
    if (closed) {
      op.fail(new IllegalStateException("the event log is closed"));
      return;
    }
    enqueue(op);
    if (closed && ops.remove(op)) {
      op.fail(new IllegalStateException("the event log is closed"));
    }
  }

  private void enqueue(Op op) {
    ops.add(op);
    if (writerWaiting.get() && writerWaiting.compareAndSet(true, false)) {
      LockSupport.unpark(writerThread);
    }
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
    long last;
    long min;
    long bytes;
    synchronized (admission) {
      last = lastSequence.get();
      min = minCursor;
      bytes = unconsumedBytes;
    }
    long first = firstSequence;
    long retained = Math.max(0, last - first + 1);
    return new RingBufferStats(retained == 0 ? 0 : first, last, retained, Math.max(0, last - min), bytes,
        retention.capacityEvents(), retention.capacityBytes(), health());
  }

  @Override
  public LogHealth health() {
    Instant since = failingSince;
    return new LogHealth(since == null ? LogHealth.State.OK : LogHealth.State.FAILING, since, lastError,
        failedCommits.get(), bookkeepingErrors.get());
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

  /**
   * Sets SQLite's {@code max_page_count} on the writer's connection (kept across reopening) and completes with the
   * page count now: a deterministic "disk full" for tests.
   */
  CompletableFuture<Long> limitPagesForTest(long maxPages) {
    WithWriter op = new WithWriter(c -> {
      pageLimit = maxPages;
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA max_page_count=" + maxPages);
        try (ResultSet r = s.executeQuery("PRAGMA page_count")) {
          r.next();
          return r.getLong(1);
        }
      }
    });
    submit(op);
    return op.future;
  }

  /** Reads a numeric {@code PRAGMA} of the writer's connection, as the writer sees it. */
  CompletableFuture<Long> writerPragmaForTest(String pragma) {
    WithWriter op = new WithWriter(c -> {
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA " + pragma)) {
        r.next();
        return r.getLong(1);
      }
    });
    submit(op);
    return op.future;
  }

  /** Operations waiting for the writer to take them, for tests that need it to be busy with a known one. */
  int queuedForTest() {
    return ops.size();
  }

  /** The file the log lives in. */
  Path path() {
    return path;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    checkpointer.close();
    enqueue(new Stop());
    try {
      writerThread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Op left;
    while ((left = ops.poll()) != null) {
      left.fail(new IllegalStateException("the event log is closed"));
    }
    // Completions already handed to the pool still run; the pool's threads end once it is idle.
    callbacks.shutdown();
    synchronized (readLock) {
      closeQuietly(readStatement);
      closeQuietly(reader);
    }
    if (!writerThread.isAlive()) {
      closeWriter();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("closing an event log connection failed: {}", e.getMessage());
    }
  }

  // ---- writer thread ----

  private void writeLoop() {
    List<Op> group = new ArrayList<>();
    try {
      while (true) {
        // While retention has rows to delete, the writer does not wait: it deletes a slice whenever no append is
        // pending, and one slice after each group otherwise, so appends go first and retention still progresses.
        long wait = pruneDue() ? 0 : Math.max(0, nextTimerNanos() - System.nanoTime());
        Op first = awaitWork(wait);
        if (first instanceof Stop) {
          return;
        }
        writerPause.lock();
        try {
          if (first == null) {
            runTimers();
            continuePrune();
            continue;
          }
          group.clear();
          group.add(first);
          Op stop = collectGroup(group, first.rows());
          writeGroup(group);
          runTimers();
          if (stop != null) {
            return;
          }
          continuePrune();
        } finally {
          writerPause.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.error("the event log writer stopped unexpectedly", e);
      throw e;
    } finally {
      answerPrunes(new IllegalStateException("the event log is closed"));
      closeWriter();
    }
  }

  /**
   * The next operation, waiting up to {@code nanos} for one: the writer's only wait for work (the profiles'
   * {@code WriterStalls} counts time in here as idle).
   */
  private Op awaitWork(long nanos) throws InterruptedException {
    Op op = ops.poll();
    if (op != null || nanos <= 0) {
      return op;
    }
    long deadline = System.nanoTime() + nanos;
    while (true) {
      writerWaiting.set(true);
      // Checked again after saying so: an op added before the flag was set would otherwise wake no one.
      op = ops.poll();
      if (op != null) {
        writerWaiting.set(false);
        return op;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        writerWaiting.set(false);
        return null;
      }
      LockSupport.parkNanos(this, left);
      if (Thread.interrupted()) {
        writerWaiting.set(false);
        throw new InterruptedException();
      }
    }
  }

  private long nextTimerNanos() {
    return failingSince != null ? Math.min(nextPruneNanos, nextProbeNanos) : nextPruneNanos;
  }

  private void runTimers() {
    long now = System.nanoTime();
    if (failingSince != null && now >= nextProbeNanos) {
      probe();
    }
    if (now >= nextPruneNanos) {
      startPrune(null);
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
          next = awaitWork(left);
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

  private void writeGroup(List<Op> group) {
    List<Op> written = new ArrayList<>(group.size());
    for (Op op : group) {
      if (op instanceof Commit && !cursors.containsKey(((Commit) op).consumer)) {
        // Dropped after the commit was asked for: writing it would bring the cursor back.
        answer(op, new IllegalArgumentException("cursor not open: " + ((Commit) op).consumer));
      } else if (op instanceof Append || op instanceof Commit) {
        written.add(op);
      }
    }
    if (!written.isEmpty()) {
      commitGroup(written);
    }
    // Other operations run after the group's own transaction, each in its own.
    for (Op op : group) {
      if (op instanceof OpenCursor) {
        runOpenCursor((OpenCursor) op);
      } else if (op instanceof DropCursor) {
        runDropCursor((DropCursor) op);
      } else if (op instanceof Prune) {
        startPrune((Prune) op);
      } else if (op instanceof WithWriter) {
        runWithWriter((WithWriter) op);
      }
    }
  }

  /** One transaction for the group's appends and cursor moves; every op is answered exactly once. */
  private void commitGroup(List<Op> group) {
    int rows = 0;
    long bytes = 0;
    long last = lastSequence.get();
    Map<String, Long> moved = new HashMap<>();
    for (Op op : group) {
      if (op instanceof Append) {
        rows += ((Append) op).rows.size();
        bytes += ((Append) op).bytes;
      }
    }
    try {
      ensureWriter();
      long now = System.currentTimeMillis();
      for (Op op : group) {
        if (op instanceof Append) {
          for (byte[] row : ((Append) op).rows) {
            insert.setLong(1, now);
            insert.setInt(2, row.length);
            insert.setBytes(3, row);
            insert.addBatch();
          }
        } else {
          Commit c = (Commit) op;
          upsert.setString(1, c.consumer);
          upsert.setLong(2, c.upTo);
          upsert.addBatch();
          moved.merge(c.consumer, c.upTo, Math::max);
        }
      }
      if (rows > 0) {
        insert.executeBatch();
        // AUTOINCREMENT numbers rows one past the highest ever stored, which is lastSequence: this writer is the
        // only one, so the group's rows are the next ones (asking SQLite cost as much as inserting 30 rows).
        last += rows;
      }
      if (!moved.isEmpty()) {
        upsert.executeBatch();
      }
      writer.commit();
    } catch (SQLException | RuntimeException e) {
      // Whatever the failed transaction did is discarded with the connection: a failed append stores nothing.
      resetWriter();
      release(rows, bytes);
      lastFailedBytes = bytes;
      writeFailed(e, rows);
      answer(group, e);
      return;
    }

    // Committed: the answers are final from here on, whatever happens next.
    if (sizes.highest() != last - rows) {
      sizes.reset(last - rows);
    }
    long next = last - rows + 1;
    for (Op op : group) {
      if (op instanceof Append) {
        Append a = (Append) op;
        for (byte[] row : a.rows) {
          sizes.add(row.length);
        }
        // Before lastSequence moves: a reader told of these records finds them here.
        tail.add(next, a.envelopes, a.rows);
        next += a.rows.size();
      }
    }
    synchronized (admission) {
      lastSequence.set(last);
      pendingRows -= rows;
      pendingBytes -= bytes;
      unconsumedBytes += bytes;
    }
    for (Map.Entry<String, Long> m : moved.entrySet()) {
      cursors.merge(m.getKey(), m.getValue(), Math::max);
    }
    commits.incrementAndGet();
    checkpointer.written(bytes);
    if (rows > 0) {
      // Only stored appends (or the probe) say the log stores again: a tiny cursor update may fit where events
      // do not, and /health must keep saying "failing" while intake is refused.
      writeSucceeded();
    }
    long seq = last - rows;
    List<Op> appends = new ArrayList<>(group.size());
    List<Op> cursorMoves = new ArrayList<>();
    for (Op op : group) {
      if (op instanceof Append) {
        seq += ((Append) op).rows.size();
        ((Append) op).sequence = seq;
        appends.add(op);
      } else {
        cursorMoves.add(op);
      }
    }
    if (!appends.isEmpty()) {
      answer(appends, null);
    }

    try {
      SqlAction hook = afterCommitForTest;
      if (hook != null) {
        hook.run();
      }
      if (!moved.isEmpty() || unconsumedBytesStale) {
        updateMinCursor();
      }
    } catch (SQLException | RuntimeException e) {
      bookkeepingFailed(e);
    }
    // Cursor moves are answered once the capacity they free is counted, so that a consumer that has committed can
    // rely on it; they are durable either way.
    if (!cursorMoves.isEmpty()) {
      answer(cursorMoves, null);
    }
    if (rows > 0) {
      for (Runnable l : listeners) {
        try {
          l.run();
        } catch (RuntimeException e) {
          LOG.warn("an append listener failed", e);
          bookkeepingErrors.incrementAndGet();
        }
      }
    }
  }

  /** Completes the ops off the writer thread: with success when {@code error} is null, else with it. */
  private void answer(List<? extends Op> done, Throwable error) {
    Runnable completion = () -> {
      for (Op op : done) {
        if (error == null) {
          op.succeed();
        } else {
          op.fail(error);
        }
      }
    };
    try {
      callbacks.execute(completion);
    } catch (RejectedExecutionException e) {
      completion.run();
    }
  }

  private void answer(Op op, Throwable error) {
    answer(List.of(op), error);
  }

  private void writeFailed(Exception e, int rows) {
    failedCommits.incrementAndGet();
    lastError = errorKind(e);
    nextProbeNanos = System.nanoTime() + PROBE_INTERVAL_NANOS;
    if (failingSince == null) {
      failingSince = Instant.now();
      LOG.error("the event log cannot store writes ({}): {} event(s) refused; appends fail until it can again",
          lastError, rows, e);
    } else {
      LOG.debug("the event log still cannot store writes ({}): {} event(s) refused", lastError, rows);
    }
  }

  private void writeSucceeded() {
    Instant since = failingSince;
    if (since != null) {
      failingSince = null;
      LOG.info("the event log stores writes again (failing since {}, {} failed group commit(s) so far)", since,
          failedCommits.get());
    }
  }

  private void bookkeepingFailed(Exception e) {
    bookkeepingErrors.incrementAndGet();
    unconsumedBytesStale = true;
    LOG.warn("event log bookkeeping after a commit failed ({}); the commit stands: {}", errorKind(e),
        e.getMessage());
    if (e instanceof SQLException) {
      resetWriter();
    }
  }

  private static String errorKind(Exception e) {
    if (e instanceof SQLiteException) {
      return ((SQLiteException) e).getResultCode().name();
    }
    return e.getClass().getSimpleName();
  }

  /** Opens the writer's connection if a failure closed it. */
  private void ensureWriter() throws SQLException {
    if (writer != null) {
      return;
    }
    Connection c = open();
    writer = c;
    try {
      prepareWriter();
    } catch (SQLException e) {
      closeWriter();
      throw e;
    }
  }

  /**
   * Drops the writer's connection after a failure, rolling back whatever transaction it had: SQLite may already
   * have rolled it back itself (disk full), after which the driver's own transaction state can no longer be trusted.
   */
  private void resetWriter() {
    if (writer == null) {
      return;
    }
    try {
      writer.rollback();
    } catch (SQLException e) {
      LOG.debug("rollback after a failed write: {}", e.getMessage());
    }
    closeWriter();
  }

  private void closeWriter() {
    closeQuietly(insert);
    closeQuietly(upsert);
    closeQuietly(deletePrefix);
    closeQuietly(writer);
    insert = null;
    upsert = null;
    deletePrefix = null;
    writer = null;
  }

  /** While failing and idle: a write as large as the last refused group, undone in the same transaction. */
  private void probe() {
    nextProbeNanos = System.nanoTime() + PROBE_INTERVAL_NANOS;
    long size = Math.max(4096, Math.min(lastFailedBytes, 1 << 20));
    try {
      ensureWriter();
      try (Statement s = writer.createStatement()) {
        s.executeUpdate("INSERT INTO probe (body) VALUES (zeroblob(" + size + "))");
        s.executeUpdate("DELETE FROM probe");
      }
      writer.commit();
      writeSucceeded();
    } catch (SQLException | RuntimeException e) {
      resetWriter();
      lastError = errorKind(e);
      LOG.debug("event log probe write failed: {}", e.getMessage());
    }
  }

  private void runOpenCursor(OpenCursor op) {
    Long existing = cursors.get(op.consumer);
    if (existing != null) {
      openConsumers.add(op.consumer);
      op.position = existing;
      answer(op, null);
      return;
    }
    long position = firstSequence - 1;
    try {
      ensureWriter();
      try (PreparedStatement ps = writer.prepareStatement(
          "INSERT INTO cursors (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) DO NOTHING")) {
        ps.setString(1, op.consumer);
        ps.setLong(2, position);
        ps.executeUpdate();
      }
      writer.commit();
    } catch (SQLException | RuntimeException e) {
      resetWriter();
      answer(op, e);
      return;
    }
    cursors.put(op.consumer, position);
    openConsumers.add(op.consumer);
    op.position = position;
    answer(op, null);
    try {
      updateMinCursor();
    } catch (SQLException | RuntimeException e) {
      bookkeepingFailed(e);
    }
  }

  private void runDropCursor(DropCursor op) {
    try {
      ensureWriter();
      try (PreparedStatement ps = writer.prepareStatement("DELETE FROM cursors WHERE consumer = ?")) {
        ps.setString(1, op.consumer);
        ps.executeUpdate();
      }
      writer.commit();
    } catch (SQLException | RuntimeException e) {
      resetWriter();
      answer(op, e);
      return;
    }
    openConsumers.remove(op.consumer);
    cursors.remove(op.consumer);
    answer(op, null);
    try {
      updateMinCursor();
    } catch (SQLException | RuntimeException e) {
      bookkeepingFailed(e);
    }
  }

  /** Recomputes the lowest cursor and the bytes still unconsumed above it. */
  private void updateMinCursor() throws SQLException {
    long min = lowestCursor();
    long old = minCursor;
    if (min == old && !unconsumedBytesStale) {
      return;
    }
    boolean full = unconsumedBytesStale;
    long value;
    if (full) {
      ensureWriter();
      value = bytesAbove(writer, min);
      writer.commit();
    } else {
      // Only the records between the old and the new lowest cursor change sides.
      value = bytesBetween(Math.min(min, old), Math.max(min, old));
    }
    // Appends change unconsumedBytes on this thread only, so nothing was added in between.
    synchronized (admission) {
      unconsumedBytes = full ? value : unconsumedBytes + (min > old ? -value : value);
      minCursor = min;
    }
    unconsumedBytesStale = false;
  }

  /** The bytes of the records after {@code from} up to {@code to}: from the ledger where it still has them. */
  private long bytesBetween(long from, long to) throws SQLException {
    long known = sizes.lowest();
    if (from >= known && to <= sizes.highest()) {
      return sizes.bytesBetween(from, to);
    }
    long split = to <= sizes.highest() ? Math.max(from, Math.min(to, known)) : to;
    long bytes = split > from ? sumSizes(from, split) : 0;
    return split < to ? bytes + sizes.bytesBetween(split, to) : bytes;
  }

  private long sumSizes(long from, long to) throws SQLException {
    ensureWriter();
    long value;
    try (PreparedStatement ps = writer.prepareStatement(
        "SELECT coalesce(sum(size), 0) FROM log WHERE seq > ? AND seq <= ?")) {
      ps.setLong(1, from);
      ps.setLong(2, to);
      try (ResultSet r = ps.executeQuery()) {
        r.next();
        value = r.getLong(1);
      }
    }
    writer.commit();
    return value;
  }

  /**
   * Works out what retention removes now and leaves the deleting to {@link #continuePrune()}, a slice at a time:
   * deleting a whole run at once held up every append behind it for as long as a second.
   */
  private void startPrune(Prune op) {
    nextPruneNanos = System.nanoTime() + retention.cleanupInterval().toNanos();
    if (op != null) {
      pruneWaiters.add(op);
    }
    try {
      ensureWriter();
      long min = minCursor;
      long bySize = min - retention.maxRetainedEvents();
      long byAge = lastAppendedBefore(System.currentTimeMillis() - retention.maxAge().toMillis());
      pruneUpTo = Math.max(pruneUpTo, Math.min(min, Math.max(bySize, byAge)));
    } catch (SQLException | RuntimeException e) {
      pruneFailed(e);
    }
  }

  /** Whether retention has rows left to delete; never above the lowest cursor, which a new cursor may lower. */
  private boolean pruneDue() {
    return firstSequence <= Math.min(pruneUpTo, minCursor);
  }

  /** Deletes the next slice of the due rows in a transaction of its own, and answers the prunes once none is left. */
  private void continuePrune() {
    if (pruneDue()) {
      long end = Math.min(Math.min(pruneUpTo, minCursor), firstSequence + PRUNE_SLICE_ROWS - 1);
      long deleted;
      try {
        ensureWriter();
        deletePrefix.setLong(1, end);
        deleted = deletePrefix.executeUpdate();
        writer.commit();
      } catch (SQLException | RuntimeException e) {
        pruneFailed(e);
        return;
      }
      firstSequence = end + 1;
      tail.dropThrough(end);
      prunedInRun += deleted;
      // Deleting rewrites the pages the rows were on: about as much WAL as the rows took to write.
      checkpointer.written(deleted * 1024);
      LongConsumer hook = pruneSliceForTest;
      if (hook != null) {
        hook.accept(deleted);
      }
    }
    if (!pruneDue() && (prunedInRun > 0 || !pruneWaiters.isEmpty())) {
      if (prunedInRun > 0) {
        LOG.debug("retention removed {} consumed event(s) from the log", prunedInRun);
      }
      prunedInRun = 0;
      answerPrunes(null);
    }
  }

  private void pruneFailed(Exception e) {
    resetWriter();
    LOG.warn("retention of the event log failed: {}", e.getMessage());
    pruneUpTo = firstSequence - 1;
    prunedInRun = 0;
    answerPrunes(e);
  }

  private void answerPrunes(Throwable error) {
    if (!pruneWaiters.isEmpty()) {
      answer(new ArrayList<>(pruneWaiters), error);
      pruneWaiters.clear();
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

  private void runWithWriter(WithWriter op) {
    try {
      ensureWriter();
      op.result = op.action.apply(writer);
      writer.commit();
      answer(op, null);
    } catch (SQLException | RuntimeException e) {
      resetWriter();
      answer(op, e);
    }
  }

  // ---- operations queued for the writer ----

  /** What the writer thread can be asked to do: a closed set, so each dispatch on it is exhaustive. */
  private abstract static sealed class Op permits Append, Commit, OpenCursor, DropCursor, Prune, WithWriter, Stop {
    int rows() {
      return 0;
    }

    abstract void succeed();

    abstract void fail(Throwable t);
  }

  private static final class Append extends Op {
    final List<Envelope> envelopes;
    final List<byte[]> rows;
    final long bytes;
    final CompletableFuture<Long> future = new CompletableFuture<>();
    long sequence;

    Append(List<Envelope> envelopes, List<byte[]> rows, long bytes) {
      this.envelopes = envelopes;
      this.rows = rows;
      this.bytes = bytes;
    }

    @Override
    int rows() {
      return rows.size();
    }

    @Override
    void succeed() {
      future.complete(sequence);
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
    void succeed() {
      future.complete(null);
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class OpenCursor extends Op {
    final String consumer;
    final CompletableFuture<Long> future = new CompletableFuture<>();
    long position;

    OpenCursor(String consumer) {
      this.consumer = consumer;
    }

    @Override
    void succeed() {
      future.complete(position);
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class DropCursor extends Op {
    final String consumer;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    DropCursor(String consumer) {
      this.consumer = consumer;
    }

    @Override
    void succeed() {
      future.complete(null);
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class Prune extends Op {
    final CompletableFuture<Void> future = new CompletableFuture<>();

    @Override
    void succeed() {
      future.complete(null);
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  /** An action on the writer's connection, in its own transaction. */
  interface SqlFunction<T> {
    T apply(Connection c) throws SQLException;
  }

  private static final class WithWriter extends Op {
    final SqlFunction<Long> action;
    final CompletableFuture<Long> future = new CompletableFuture<>();
    Long result;

    WithWriter(SqlFunction<Long> action) {
      this.action = action;
    }

    @Override
    void succeed() {
      future.complete(result);
    }

    @Override
    void fail(Throwable t) {
      future.completeExceptionally(t);
    }
  }

  private static final class Stop extends Op {
    @Override
    void succeed() {}

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
    private long maxWalBytes = 64L << 20;

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

    /**
     * How large the WAL may grow before the checkpointer briefly pauses the writer to start it over; also the size
     * its file is trimmed to. Default 64 MiB.
     */
    Builder maxWalBytes(long bytes) {
      this.maxWalBytes = bytes;
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
