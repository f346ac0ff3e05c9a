package dev.eventkit.delivery;

import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The seam between the log and the sinks: how committed events travel from the write-ahead log to each
 * {@link DeliveryTarget}. {@link AsyncQueue} delivers in this process, one dispatcher per sink; a distributed
 * implementation publishes the log to a message bus and lets workers elsewhere deliver.
 *
 * <p>Lifecycle: {@link #start} once, then {@link #drain} and {@link #close}. Thread-safe. Failure modes: delivery
 * failures never surface here — they are retried, dead-lettered or shown in {@link #status()}.
 */
public interface Queue extends AutoCloseable {

  /** Starts moving events from {@code log} to the targets, each from its own cursor, reporting to metrics. */
  void start(RingBuffer log, List<DeliveryTarget> targets, Metrics metrics);

  /**
   * A future completed once every target has consumed the log up to {@code sequence} (each record delivered,
   * dead-lettered or skipped) and its cursor was saved there. It completes exceptionally when the queue closes
   * first. It has no deadline of its own: callers bound it ({@code orTimeout}, {@code get(timeout)}); abandoning
   * it cancels nothing.
   */
  CompletableFuture<Void> drain(long sequence);

  /**
   * Waits until every target has consumed the log up to {@code sequence}, or until {@code timeout} passed.
   *
   * @return true when all targets got there in time
   */
  default boolean drain(long sequence, Duration timeout) throws InterruptedException {
    try {
      drain(sequence).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException | CancellationException e) {
      return false;
    }
  }

  /**
   * Whether this queue delivers to the pipeline's own sinks. A queue that only forwards the log elsewhere (a
   * publish-only distributed queue on a collector host, whose workers run on other hosts) returns false, and a
   * pipeline over it is built without sinks.
   */
  default boolean deliversToSinks() {
    return true;
  }

  /** Each target's delivery state. */
  List<SinkStatus> status();

  /** Stops delivery; what was not delivered stays in the log for the next start. */
  @Override
  void close();
}
