package dev.eventkit.buffer;

import dev.eventkit.event.EnvelopeCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a stored record into a {@link LogRecord}: decoded when it can be, else undecodable with its raw bytes and
 * the reason, so that one damaged record never stops a reader. Stateless and thread-safe.
 */
final class RecordDecoder {

  private static final Logger LOG = LoggerFactory.getLogger(RecordDecoder.class);

  private RecordDecoder() {}

  static LogRecord decode(long sequence, byte[] stored) {
    try {
      return new LogRecord(sequence, EnvelopeCodec.decode(stored));
    } catch (RuntimeException e) {
      // The codec's messages name the problem without quoting the content, so they are safe to log and to keep.
      String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
      LOG.warn("log record {} cannot be decoded ({}); it is returned as raw bytes", sequence, reason);
      return LogRecord.undecodable(sequence, stored, reason);
    }
  }
}
