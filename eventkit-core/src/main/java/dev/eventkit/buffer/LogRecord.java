package dev.eventkit.buffer;

import dev.eventkit.event.Envelope;
import java.util.Arrays;
import java.util.Objects;

/**
 * One record read back from the log: its sequence and either the decoded envelope or, when the stored bytes cannot
 * be decoded (a damaged row, a format this version does not read), those bytes and the reason. A reader must not
 * stop at an undecodable record: it can only be set aside (dead-lettered as raw bytes), never repaired.
 *
 * <p>Immutable and thread-safe: {@link #raw()} returns a copy. Exactly one of {@code envelope} and {@code raw} is
 * non-null; the constructor throws {@link NullPointerException} or {@link IllegalArgumentException} otherwise.
 *
 * @param sequence the record's position in the log
 * @param envelope the event; null when the record is {@linkplain #isUndecodable() undecodable}
 * @param raw the stored bytes of an undecodable record; null for a decoded one
 * @param undecodableReason why the bytes could not be decoded (names the problem, never quotes the content); null
 *     for a decoded record
 */
public record LogRecord(long sequence, Envelope envelope, byte[] raw, String undecodableReason) {

  public LogRecord {
    if (envelope == null) {
      Objects.requireNonNull(raw, "raw");
      Objects.requireNonNull(undecodableReason, "undecodableReason");
      raw = raw.clone();
    } else if (raw != null || undecodableReason != null) {
      throw new IllegalArgumentException("a decoded record carries no raw bytes or reason");
    }
  }

  /** A decoded record. */
  public LogRecord(long sequence, Envelope envelope) {
    this(sequence, Objects.requireNonNull(envelope, "envelope"), null, null);
  }

  /** A record whose stored bytes could not be decoded. */
  public static LogRecord undecodable(long sequence, byte[] raw, String reason) {
    return new LogRecord(sequence, null, raw, reason);
  }

  /** True when the record holds {@link #raw()} bytes and a reason instead of an envelope. */
  public boolean isUndecodable() {
    return envelope == null;
  }

  /** A copy of the stored bytes of an undecodable record; null for a decoded one. */
  @Override
  public byte[] raw() {
    return raw == null ? null : raw.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogRecord r && r.sequence == sequence && Objects.equals(r.envelope, envelope)
        && Arrays.equals(r.raw, raw) && Objects.equals(r.undecodableReason, undecodableReason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sequence, envelope, Arrays.hashCode(raw), undecodableReason);
  }

  /** Names the record without its content, so that it is safe to log. */
  @Override
  public String toString() {
    return isUndecodable()
        ? "LogRecord{sequence=" + sequence + ", undecodable (" + undecodableReason + "), " + raw.length + " bytes}"
        : "LogRecord{sequence=" + sequence + ", " + envelope + "}";
  }
}
