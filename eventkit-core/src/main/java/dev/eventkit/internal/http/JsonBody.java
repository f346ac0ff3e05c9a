package dev.eventkit.internal.http;

import dev.eventkit.http.Rejection;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.internal.json.Json;
import java.io.IOException;

/**
 * A request body parsed as JSON, or the 400 rejection that says why it is not JSON: the one place inputs turn bytes
 * into a tree, so every input answers malformed, empty, too-deep and duplicate-key bodies alike.
 *
 * <p>Immutable and thread-safe. Exactly one of {@code node} and {@code rejection} is non-null.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice.
 */
public record JsonBody(JsonNode node, Rejection rejection) {

  /** Parses a body; never throws. */
  public static JsonBody parse(byte[] body) {
    if (body.length == 0) {
      return new JsonBody(null, Rejection.badRequest("empty_body", "the request body is empty", null));
    }
    try {
      JsonNode node = Json.reader().readTree(body);
      if (node == null || node.isMissingNode()) {
        return new JsonBody(null, Rejection.badRequest("empty_body", "the request body is empty", null));
      }
      return new JsonBody(node, null);
    } catch (JacksonException e) {
      return new JsonBody(null, Rejection.badRequest("malformed_json", describe(e), null));
    } catch (IOException e) {
      return new JsonBody(null, Rejection.badRequest("malformed_json", "the body is not valid JSON", null));
    }
  }

  private static String describe(JacksonException e) {
    String m = e.getOriginalMessage();
    if (m != null && m.contains("nesting depth")) {
      return "the JSON is nested too deeply";
    }
    if (m != null && m.contains("Duplicate field")) {
      return "the JSON has a duplicate field";
    }
    if (m != null && m.contains("Invalid UTF-8")) {
      return "the body is not valid UTF-8";
    }
    return "the body is not valid JSON" + (e.getLocation() != null && e.getLocation().getLineNr() > 0
        ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : "");
  }

  public boolean isRejected() {
    return rejection != null;
  }
}
