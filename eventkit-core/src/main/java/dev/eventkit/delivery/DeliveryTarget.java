package dev.eventkit.delivery;

import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One consumer of the log: a sink, the events it takes, and how failures are handled. The sink's name names its
 * cursor. Immutable and thread-safe.
 *
 * @param sink where events go
 * @param accepts which envelopes this sink takes (valid ones for normal sinks, invalid ones for the invalid sink);
 *     the others are skipped, and the cursor moves past them
 * @param retry how failures are retried
 * @param deadLetter where events go after a permanent failure or an exhausted retry budget; null to keep retrying
 *     them (holding this sink's cursor) rather than give them up
 * @param batchSize the most events handed to one {@link Sink#write} call
 * @param batchBytes the most data, in estimated bytes, handed to one {@link Sink#write} call; an event larger than
 *     this travels alone in a batch of one
 */
public record DeliveryTarget(Sink sink, Predicate<Envelope> accepts, RetryPolicy retry, Sink deadLetter,
    int batchSize, long batchBytes) {

  /** The default {@link #batchBytes()}: 4 MiB. */
  public static final long DEFAULT_BATCH_BYTES = 4L * 1024 * 1024;

  public DeliveryTarget {
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(accepts, "accepts");
    Objects.requireNonNull(retry, "retry");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1");
    }
    if (batchBytes < 1) {
      throw new IllegalArgumentException("batchBytes must be >= 1");
    }
  }

  /** A target with batches of at most {@value #DEFAULT_BATCH_BYTES} estimated bytes. */
  public DeliveryTarget(Sink sink, Predicate<Envelope> accepts, RetryPolicy retry, Sink deadLetter, int batchSize) {
    this(sink, accepts, retry, deadLetter, batchSize, DEFAULT_BATCH_BYTES);
  }

  public String name() {
    return sink.name();
  }
}
