package dev.eventkit.snowplow;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.eventkit.internal.http.JsonBody;
import dev.eventkit.internal.json.Json;
import dev.eventkit.internal.text.WellFormedText;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code tp2} POST body in one streaming pass, without building a tree, when it is what trackers send: a
 * {@code payload_data} 1-0-* self-describing JSON whose {@code data} is a non-empty array of objects of string
 * parameters. Anything else (malformed JSON, another schema, a parameter that is not a string, …) is left to the
 * input's tree reading, which names the problem, so this pass only has to recognise the plain case exactly as that
 * reading would accept it: the same parser settings (duplicate keys, nesting depth, trailing content), UTF-8
 * checked first, and text made well formed.
 *
 * <p>Stateless and thread-safe; never throws.
 */
final class PayloadDataBody {

  private PayloadDataBody() {}

  /** Each event's parameters in the order sent, or null when the body is not the plain case. */
  static List<Map<String, String>> events(byte[] body) {
    if (body.length == 0 || !JsonBody.isUtf8(body)) {
      return null;
    }
    try (JsonParser p = Json.factory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String schema = null;
      List<Map<String, String>> events = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("schema")) {
          if (value != JsonToken.VALUE_STRING) {
            return null;
          }
          schema = WellFormedText.of(p.getText());
        } else if (name.equals("data")) {
          events = events(p);
          if (events == null) {
            return null;
          }
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null || events == null || events.isEmpty()
          || !IgluUri.matches(schema, SnowplowSchemas.SNOWPLOW_VENDOR, "payload_data", 1, 0)) {
        return null;
      }
      return events;
    } catch (IOException | RuntimeException e) {
      // Malformed or unusual: the tree reading decides and explains.
      return null;
    }
  }

  private static List<Map<String, String>> events(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      return null;
    }
    List<Map<String, String>> events = new ArrayList<>(1);
    while (p.nextToken() == JsonToken.START_OBJECT) {
      Map<String, String> params = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = WellFormedText.of(p.currentName());
        if (p.nextToken() != JsonToken.VALUE_STRING) {
          return null;
        }
        params.put(name, WellFormedText.of(p.getText()));
      }
      events.add(params);
    }
    return p.currentToken() == JsonToken.END_ARRAY ? events : null;
  }
}
