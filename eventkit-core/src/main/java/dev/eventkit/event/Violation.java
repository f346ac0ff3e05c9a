package dev.eventkit.event;

import java.util.Objects;

/**
 * One reason a payload failed validation.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pointer JSON pointer to the offending value in the validated document, such as {@code /data/price}; the
 *     empty string means the document itself
 * @param keyword the schema keyword that failed ({@code required}, {@code type}, …) or a protocol field name
 * @param message a human-readable explanation; it never contains the offending value
 */
public record Violation(String pointer, String keyword, String message) {
  public Violation {
    Objects.requireNonNull(pointer, "pointer");
    Objects.requireNonNull(keyword, "keyword");
    Objects.requireNonNull(message, "message");
  }
}
