package dev.eventkit.buffer;

import java.util.Objects;

/**
 * A snapshot of the log's fill level and health. Immutable and thread-safe.
 *
 * @param firstSequence the oldest retained sequence (0 when empty)
 * @param lastSequence the newest sequence (0 when never written)
 * @param retainedEvents records currently in the log, consumed or not
 * @param unconsumedEvents records above the lowest cursor: what retention may not delete
 * @param unconsumedBytes encoded size of the unconsumed records
 * @param capacityEvents the log's event budget for unconsumed records ({@code Long.MAX_VALUE} when unbounded)
 * @param capacityBytes the log's byte budget for unconsumed records ({@code Long.MAX_VALUE} when unbounded)
 * @param health whether appends are being stored
 */
public record RingBufferStats(long firstSequence, long lastSequence, long retainedEvents, long unconsumedEvents,
    long unconsumedBytes, long capacityEvents, long capacityBytes, LogHealth health) {

  public RingBufferStats {
    Objects.requireNonNull(health, "health");
  }

  /** A snapshot of a healthy log. */
  public RingBufferStats(long firstSequence, long lastSequence, long retainedEvents, long unconsumedEvents,
      long unconsumedBytes, long capacityEvents, long capacityBytes) {
    this(firstSequence, lastSequence, retainedEvents, unconsumedEvents, unconsumedBytes, capacityEvents,
        capacityBytes, LogHealth.ok());
  }

  /** The fuller of the two budgets, from 0 to 1. */
  public double fillRatio() {
    double byEvents = capacityEvents == Long.MAX_VALUE ? 0 : (double) unconsumedEvents / capacityEvents;
    double byBytes = capacityBytes == Long.MAX_VALUE ? 0 : (double) unconsumedBytes / capacityBytes;
    return Math.min(1.0, Math.max(byEvents, byBytes));
  }
}
