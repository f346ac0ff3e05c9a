package dev.eventkit.sink;

import dev.eventkit.Envelope;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A destination for envelopes: a file, a warehouse, a stream. A sink delivers and reports; it never retries by
 * itself — the pipeline's dispatcher owns retries, backoff, batch splitting and dead letters, and advances the
 * sink's cursor in the log only after a write succeeded.
 *
 * <p>Thread-safety: the dispatcher calls {@link #write} for one sink from one thread at a time, but may have
 * several writes in flight (see {@code AsyncQueue} workers), so implementations must tolerate concurrent calls.
 * {@link #flush()} and {@link #close()} may be called from any thread.
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

  /** Releases the sink's resources; called once, after the last write completed. */
  @Override
  default void close() {}
}
