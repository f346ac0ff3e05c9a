package dev.eventkit.sink;

import java.time.Duration;
import java.util.Objects;

/**
 * Why a sink did not deliver an event, and whether trying again can help.
 *
 * <p>Immutable and thread-safe.
 *
 * @param retryable true for transient causes (timeouts, 5xx, throttling); false for causes a retry cannot fix (the
 *     destination rejects the event itself)
 * @param reason a short description, without payload data
 * @param retryAfter the destination's own hint for the next attempt, or null
 */
public record Failure(boolean retryable, String reason, Duration retryAfter) {
  public Failure {
    Objects.requireNonNull(reason, "reason");
  }

  public static Failure retryable(String reason) {
    return new Failure(true, reason, null);
  }

  public static Failure retryable(String reason, Duration retryAfter) {
    return new Failure(true, reason, retryAfter);
  }

  public static Failure permanent(String reason) {
    return new Failure(false, reason, null);
  }

  /**
   * Reads an HTTP {@code Retry-After} value — delay-seconds or an HTTP date — for sinks that talk HTTP; null when
   * absent or unreadable. A date in the past means "now".
   */
  public static Duration parseRetryAfter(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.trim();
    try {
      long seconds = Long.parseLong(v);
      return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException notSeconds) {
      try {
        Duration d = Duration.between(java.time.ZonedDateTime.now(),
            java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME));
        return d.isNegative() ? Duration.ZERO : d;
      } catch (java.time.format.DateTimeParseException notDate) {
        return null;
      }
    }
  }
}
