package dev.eventkit.buffer;

import java.time.Duration;

/**
 * The log is at its capacity (unconsumed events or bytes), because sinks are not keeping up. The batch was not
 * appended; the client should retry after {@link #retryAfter()}. Intake resumes by itself once sinks drain.
 */
public final class BufferFullException extends RuntimeException {
  private final Duration retryAfter;

  public BufferFullException(String message, Duration retryAfter) {
    super(message, null, false, false);
    this.retryAfter = retryAfter;
  }

  /** A hint for the client's next attempt. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
