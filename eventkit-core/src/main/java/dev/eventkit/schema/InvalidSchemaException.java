package dev.eventkit.schema;

/** A schema that was found but cannot be used: not JSON, an unknown {@code $schema}, or rejected by the compiler. */
final class InvalidSchemaException extends Exception {
  private static final long serialVersionUID = 1L;

  InvalidSchemaException(String message) {
    super(message, null, false, false);
  }
}
