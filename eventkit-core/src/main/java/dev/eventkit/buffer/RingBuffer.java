package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The write-ahead log every accepted event passes through: appended before the client is answered, read by each
 * consumer (one per sink) from its own durable cursor, and pruned only below the lowest cursor.
 *
 * <p>Sequences are positive, strictly increasing and never reused; {@code 0} means "before the first event".
 *
 * <p>Cursors: every cursor the log knows holds back retention, whether it was opened in this run or saved by an
 * earlier one and not opened yet, until it is removed with {@link #dropCursor}. With no cursor at all nothing counts
 * as consumed.
 *
 * <p>Thread-safety: every method may be called from any thread. The futures returned here are never completed on
 * a thread the log needs in order to commit, so a dependent action may wait for the log itself (say, append again
 * and {@code join}); it runs on one of the log's callback threads, or on the calling thread when the future is
 * already complete on return. Keep dependent actions short all the same.
 *
 * <p>Failure modes: {@link #append} completes exceptionally when the batch was not stored: with
 * {@link BufferFullException} when the log is at its capacity (retry later), with {@link BatchTooLargeException} when
 * the batch alone exceeds the whole capacity (never retry it as is), with {@link IllegalStateException} when the log
 * is closed, and with the storage error when the commit failed (disk full, I/O error; see {@link #health()}). A
 * failed append stored nothing and a successful one stored everything: an append is never answered before its
 * commit, nor with a failure after it. {@link #read} never fails for a damaged record: it returns it as an
 * {@linkplain LogRecord#isUndecodable() undecodable} record. Reads of a closed log throw
 * {@link IllegalStateException}.
 */
public interface RingBuffer extends AutoCloseable {

  /** Appends a batch; completes with the batch's last sequence once the batch is committed to the log. */
  CompletableFuture<Long> append(List<Envelope> batch);

  /**
   * Reads up to {@code max} records with sequences above {@code afterSequence}, in order. A record that cannot be
   * decoded is returned as an undecodable {@link LogRecord} (raw bytes and reason) in its place.
   */
  List<LogRecord> read(long afterSequence, int max);

  /**
   * Opens (or re-opens) a consumer's cursor and returns its position: the last sequence it has consumed. A cursor
   * saved by an earlier run resumes where it stopped; a new consumer starts before the oldest record still retained.
   */
  long openCursor(String consumer);

  /** Moves an opened consumer's cursor forward (never backward); completes once the move is durable. */
  CompletableFuture<Void> commit(String consumer, long upToSequence);

  /**
   * Removes a consumer's cursor, durably, so that it no longer holds back retention: for a sink that was removed
   * for good. Completes once the removal is durable; removing an unknown cursor does nothing. A consumer still
   * running on this cursor can no longer commit; opening it again starts it before the oldest retained record.
   */
  CompletableFuture<Void> dropCursor(String consumer);

  /** Every cursor the log knows (opened or not) and its position, sorted by name: what holds back retention. */
  Map<String, Long> cursors();

  /** The last committed sequence, or 0 when the log has never held anything. */
  long lastSequence();

  /**
   * Registers a callback run after each commit of appended records, on the thread that committed them (the
   * writer thread of a durable log): it must be short and must not block, for instance just wake a consumer.
   */
  void onAppend(Runnable listener);

  /** Counts, sizes and health, for health checks and backpressure. */
  RingBufferStats stats();

  /** Whether appends are being stored; the same as {@code stats().health()}. */
  default LogHealth health() {
    return stats().health();
  }

  /** Closes the log: pending appends complete first; later ones fail. */
  @Override
  void close();
}
