package dev.eventkit.input.segment;

/**
 * Thrown by {@link SegmentMessage#parse} when a document is not a well-formed event. Carries the offending field so that the
 * HTTP layer can name it in its 400 response; the message never contains the offending value.
 */
final class SegmentFormatException extends Exception {
  private final String code;
  private final String field;

  public SegmentFormatException(String code, String field, String message) {
    super(message, null, false, false);
    this.code = code;
    this.field = field;
  }

  /** A stable machine-readable reason, such as {@code missing_field} or {@code wrong_type}. */
  public String code() {
    return code;
  }

  /** The offending field's path (dotted), or null when the document as a whole is wrong. */
  public String field() {
    return field;
  }
}
