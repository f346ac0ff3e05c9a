package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The write-ahead log every accepted event passes through: appended before the client is answered, read by each
 * consumer (one per sink) from its own durable cursor, and pruned only below the lowest cursor.
 *
 * <p>Sequences are positive, strictly increasing and never reused; {@code 0} means "before the first event".
 *
 * <p>Thread-safety: every method may be called from any thread. Failure modes: {@link #append} completes
 * exceptionally when the batch could not be committed (I/O error, closed log) or with {@link BufferFullException}
 * when the log is at its capacity; nothing is acknowledged that was not committed. Reads of a closed log throw
 * {@link IllegalStateException}.
 */
public interface RingBuffer extends AutoCloseable {

  /** Appends a batch; completes with the batch's last sequence once the batch is committed to the log. */
  CompletableFuture<Long> append(List<Envelope> batch);

  /** Reads up to {@code max} records with sequences above {@code afterSequence}, in order. */
  List<LogRecord> read(long afterSequence, int max);

  /**
   * Opens (or re-opens) a consumer's cursor and returns its position: the last sequence it has consumed. A new
   * consumer starts before the oldest record still retained. Only opened consumers hold back retention.
   */
  long openCursor(String consumer);

  /** Moves a consumer's cursor forward (never backward); completes once the move is durable. */
  CompletableFuture<Void> commit(String consumer, long upToSequence);

  /** The last committed sequence, or 0 when the log has never held anything. */
  long lastSequence();

  /** Registers a callback run (on the log's own thread: keep it short) after each commit of appended records. */
  void onAppend(Runnable listener);

  /** Counts and sizes, for health checks and backpressure. */
  RingBufferStats stats();

  /** Closes the log: pending appends complete first; later ones fail. */
  @Override
  void close();
}
