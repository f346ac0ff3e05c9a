package dev.eventkit.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.internal.json.Json;
import java.util.Objects;

/**
 * Why a request (or one event of a batch) was refused, as a value: an HTTP status, a stable machine-readable code,
 * a message for humans, and the offending field when there is one. Messages never echo the offending value.
 *
 * <p>Immutable and thread-safe.
 */
public record Rejection(int status, String code, String message, String field) {

  public Rejection {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("a rejection has a 4xx or 5xx status");
    }
  }

  public static Rejection badRequest(String code, String message, String field) {
    return new Rejection(400, code, message, field);
  }

  /** The JSON error body: {@code {"error": {"code", "message", "field"}}}. */
  public ObjectNode toJson() {
    ObjectNode root = Json.object();
    root.put("status", "rejected");
    root.set("error", errorJson());
    return root;
  }

  /** Just the {@code {"code", "message", "field"}} object. */
  public ObjectNode errorJson() {
    ObjectNode error = Json.object();
    error.put("code", code);
    error.put("message", message);
    if (field != null) {
      error.put("field", field);
    }
    return error;
  }

  public HttpResponse toResponse() {
    return HttpResponse.json(status, toJson());
  }
}
