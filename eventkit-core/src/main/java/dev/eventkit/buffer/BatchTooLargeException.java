package dev.eventkit.buffer;

/**
 * The batch alone is larger than the log's whole capacity ({@link RetentionPolicy#capacityEvents()} or
 * {@link RetentionPolicy#capacityBytes()}), so no amount of waiting makes room for it: unlike
 * {@link BufferFullException}, retrying the same batch never succeeds. The batch was not appended; the client must
 * send smaller batches (an HTTP collector answers 413). Thread-safe (immutable).
 */
public final class BatchTooLargeException extends IllegalArgumentException {

  private final int batchEvents;
  private final long batchBytes;
  private final long capacityEvents;
  private final long capacityBytes;

  public BatchTooLargeException(int batchEvents, long batchBytes, long capacityEvents, long capacityBytes) {
    super("the batch (" + batchEvents + " events, " + batchBytes + " bytes) exceeds the log's whole capacity ("
        + limit(capacityEvents) + " events, " + limit(capacityBytes) + " bytes); send smaller batches");
    this.batchEvents = batchEvents;
    this.batchBytes = batchBytes;
    this.capacityEvents = capacityEvents;
    this.capacityBytes = capacityBytes;
  }

  private static String limit(long n) {
    return n == Long.MAX_VALUE ? "unbounded" : Long.toString(n);
  }

  /** Events in the refused batch. */
  public int batchEvents() {
    return batchEvents;
  }

  /** Encoded bytes of the refused batch. */
  public long batchBytes() {
    return batchBytes;
  }

  /** The log's event capacity ({@code Long.MAX_VALUE} when unbounded). */
  public long capacityEvents() {
    return capacityEvents;
  }

  /** The log's byte capacity ({@code Long.MAX_VALUE} when unbounded). */
  public long capacityBytes() {
    return capacityBytes;
  }
}
