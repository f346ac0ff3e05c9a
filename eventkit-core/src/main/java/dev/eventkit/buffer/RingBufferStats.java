package dev.eventkit.buffer;

/**
 * A snapshot of the log's fill level. Immutable and thread-safe.
 *
 * @param firstSequence the oldest retained sequence (0 when empty)
 * @param lastSequence the newest sequence (0 when never written)
 * @param retainedEvents records currently in the log, consumed or not
 * @param unconsumedEvents records above the lowest open cursor: what retention may not delete
 * @param unconsumedBytes encoded size of the unconsumed records
 * @param capacityEvents the log's event budget for unconsumed records ({@code Long.MAX_VALUE} when unbounded)
 * @param capacityBytes the log's byte budget for unconsumed records ({@code Long.MAX_VALUE} when unbounded)
 */
public record RingBufferStats(long firstSequence, long lastSequence, long retainedEvents, long unconsumedEvents,
    long unconsumedBytes, long capacityEvents, long capacityBytes) {

  /** The fuller of the two budgets, from 0 to 1. */
  public double fillRatio() {
    double byEvents = capacityEvents == Long.MAX_VALUE ? 0 : (double) unconsumedEvents / capacityEvents;
    double byBytes = capacityBytes == Long.MAX_VALUE ? 0 : (double) unconsumedBytes / capacityBytes;
    return Math.min(1.0, Math.max(byEvents, byBytes));
  }
}
