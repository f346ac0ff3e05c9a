package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import java.util.Objects;

/**
 * An envelope read back from the log with its sequence. Immutable and thread-safe.
 *
 * @param sequence the record's position in the log
 * @param envelope the event
 */
public record LogRecord(long sequence, Envelope envelope) {
  public LogRecord {
    Objects.requireNonNull(envelope, "envelope");
  }
}
