package dev.eventkit.delivery;

import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.metrics.Metrics;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The seam between the log and the sinks: how committed events travel from the write-ahead log to each
 * {@link DeliveryTarget}. {@link AsyncQueue} delivers in this process, one dispatcher per sink; a distributed
 * implementation publishes the log to a message bus and lets workers elsewhere deliver.
 *
 * <p>Lifecycle: {@link #start} once, then any number of {@link #drain} calls, then {@link #close}. Thread-safe. Failure modes: delivery
 * failures never surface here — they are retried, dead-lettered or shown in {@link #status()}.
 */
public interface Queue extends AutoCloseable {

  /** Starts moving events from {@code log} to the targets, each from its own cursor, reporting to metrics. */
  void start(RingBuffer log, List<DeliveryTarget> targets, Metrics metrics);

  /**
   * Completes once every target has consumed the log up to {@code sequence} (for a queue that forwards the log
   * elsewhere: once the log up to there is in the other system's keeping). Never blocks the caller; the caller
   * bounds the wait ({@code orTimeout}). Completes exceptionally when the queue is closed first.
   */
  CompletableFuture<Void> drain(long sequence);

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
