package dev.eventkit.snowplow;

import dev.eventkit.event.Violation;
import dev.eventkit.http.Rejection;

/**
 * One way a request broke the Snowplow tracker protocol: where (a JSON pointer into the failed event's payload,
 * and the tracker parameter or body field), and why. Messages never echo the offending value.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pointer JSON pointer into the failed envelope's payload ({@code /parameters/cx}, {@code /body/data}, or
 *     the empty string for the whole body)
 * @param field the tracker parameter or body field at fault; null for the body as a whole
 * @param message what is wrong, for humans
 */
record ProtocolViolation(String pointer, String field, String message) {

  /** The code of every protocol-violation rejection. */
  static final String CODE = "protocol_violation";

  /** A violation of one tracker parameter. */
  static ProtocolViolation parameter(String name, String message) {
    return new ProtocolViolation("/parameters/" + escape(name), name, message);
  }

  /** A violation of a field of a POST body ({@code schema}, {@code data}); null for the body itself. */
  static ProtocolViolation body(String field, String message) {
    return new ProtocolViolation(field == null ? "" : "/body/" + escape(field), field, message);
  }

  Violation toViolation() {
    return new Violation(pointer, field == null ? "body" : field, message);
  }

  /** The answer; names the field only when it is a plain name (an answer never repeats arbitrary input). */
  Rejection toRejection() {
    return Rejection.badRequest(CODE, message,
        field == null || dev.eventkit.internal.http.PathName.isValid(field) ? field : null);
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
