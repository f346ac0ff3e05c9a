package dev.eventkit.sink;

import dev.eventkit.event.Envelope;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A destination for envelopes: a file, a warehouse, a stream. A sink delivers and reports; it never retries by
 * itself — the pipeline's dispatcher owns retries, backoff, batch splitting and dead letters, and advances the
 * sink's cursor in the log only after a write succeeded.
 *
 * <p>Thread-safety: {@link #write} is never called concurrently for one sink — in-process delivery calls it from
 * the sink's own thread — but the next call may come before the future of the previous one completed (up to
 * {@code AsyncQueue}'s {@code workers} batches are outstanding at once), so a sink must not assume earlier writes
 * are done, and must make its futures' completion thread-safe. {@link #flush()}, {@link #shutdown()} and
 * {@link #close()} may be called from any thread, also while writes are outstanding.
 *
 * <p>Failure modes: report per-event outcomes through {@link WriteResult}; a future that completes exceptionally,
 * a {@code write} that throws (an {@link Error} too) or returns {@code null}, and a future that does not complete
 * within the write timeout are each treated as a retryable failure of the whole batch; the status then shows the
 * exception's class name, never its message. A sink must not complete
 * successfully before the data is as durable as its destination makes it, since success moves the cursor.
 *
 * <p>Replays: delivery is at least once, so a sink may see an envelope again after a crash. Each envelope carries
 * its {@link Envelope#id()}; idempotent sinks use it (document ids, insert ids, object names).
 */
public interface Sink extends AutoCloseable {

  /** A stable name: it names the sink's cursor in the log, so renaming a sink restarts its delivery. */
  String name();

  /** Writes a batch; the future says which events were delivered and why others were not. */
  CompletableFuture<WriteResult> write(List<Envelope> batch);

  /** Pushes anything the sink buffers to its destination. */
  default CompletableFuture<Void> flush() {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Flushes, then releases the sink's resources; called once by the pipeline, after the last write completed. The
   * pipeline bounds the wait by its shutdown timeout. The default flushes and then calls {@link #close()}.
   */
  default CompletableFuture<Void> shutdown() {
    return flush().thenRun(this::close);
  }

  /** Releases the sink's resources at once (without waiting for buffered data); called by {@link #shutdown()}. */
  @Override
  default void close() {}
}
