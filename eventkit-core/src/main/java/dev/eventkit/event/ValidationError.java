package dev.eventkit.event;

import java.util.Locale;

/** Why an event was found invalid. Each constant has a stable lower-case wire name. */
public enum ValidationError {
  /** The event names a schema that no registry source knows. */
  SCHEMA_NOT_FOUND,
  /** The schema was found but is not a usable JSON Schema. */
  SCHEMA_INVALID,
  /** The payload or one of its contexts does not conform to its schema. */
  PAYLOAD_INVALID,
  /** The request broke the rules of its tracking protocol. */
  PROTOCOL_VIOLATION,
  /** The event is larger or deeper than the configured limits. */
  SIZE_VIOLATION;

  /** The name used on the wire and in responses, such as {@code payload_invalid}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name; throws {@link IllegalArgumentException} for an unknown one. */
  public static ValidationError fromWireName(String wireName) {
    return valueOf(wireName.toUpperCase(Locale.ROOT));
  }
}
