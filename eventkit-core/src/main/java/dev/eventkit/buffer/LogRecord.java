package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import java.util.Objects;

/**
 * A record read back from the log with its sequence: its envelope or, when the log cannot decode what it stored
 * (a format it does not know, damaged bytes), the raw bytes and the reason. Immutable and thread-safe; the raw
 * bytes are shared, not copied, and must not be modified.
 *
 * @param sequence the record's position in the log
 * @param envelope the event; null when the record is undecodable
 * @param raw the stored bytes of an undecodable record; null otherwise
 * @param undecodableReason why the record could not be decoded, without payload data; null otherwise
 */
public record LogRecord(long sequence, Envelope envelope, byte[] raw, String undecodableReason) {
  public LogRecord {
    if (envelope == null) {
      Objects.requireNonNull(raw, "raw (an undecodable record needs its bytes)");
      Objects.requireNonNull(undecodableReason, "undecodableReason");
    }
  }

  /** A decoded record. */
  public LogRecord(long sequence, Envelope envelope) {
    this(sequence, Objects.requireNonNull(envelope, "envelope"), null, null);
  }

  /** A record the log holds but cannot decode. */
  public static LogRecord undecodable(long sequence, byte[] raw, String reason) {
    return new LogRecord(sequence, null, raw, reason);
  }

  /** True when the record carries raw bytes and a reason instead of an envelope. */
  public boolean isUndecodable() {
    return envelope == null;
  }
}
