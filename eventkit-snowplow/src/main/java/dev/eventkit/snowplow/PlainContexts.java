package dev.eventkit.snowplow;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.eventkit.event.Entity;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@code co} parameter in one streaming pass when it is what trackers send: a {@code contexts} 1-0-*
 * self-describing JSON whose {@code data} is an array of self-describing entities. Each entity's data is kept as
 * the very text that was sent (a slice of the parameter, not parsed into a tree and written again). Anything else,
 * and text that the tree reading would change (an escaped UTF-16 surrogate, which may be unpaired, or line breaks
 * and tabs between tokens, which do not belong in a log line), is left to the event reader's tree reading, which
 * names the problem or repairs the text.
 *
 * <p>Stateless and thread-safe; never throws.
 */
final class PlainContexts {

  private PlainContexts() {}

  /** The entities, or null when {@code text} is not the plain case. */
  static List<Entity> entities(String text) {
    if (needsRepair(text)) {
      return null;
    }
    try (JsonParser p = Json.factory().createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String schema = null;
      List<Entity> entities = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("schema")) {
          if (value != JsonToken.VALUE_STRING) {
            return null;
          }
          schema = p.getText();
        } else if (name.equals("data")) {
          entities = entities(p, text);
          if (entities == null) {
            return null;
          }
        } else {
          p.skipChildren();
        }
      }
      if (p.nextToken() != null || entities == null
          || !IgluUri.matches(schema, SnowplowSchemas.SNOWPLOW_VENDOR, "contexts", 1, 0)) {
        return null;
      }
      return entities;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static List<Entity> entities(JsonParser p, String text) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      return null;
    }
    List<Entity> entities = new ArrayList<>(2);
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String schema = null;
      String data = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("schema") && value == JsonToken.VALUE_STRING) {
          schema = p.getText();
        } else if (name.equals("data")) {
          int start = (int) p.currentTokenLocation().getCharOffset();
          if (value.isStructStart()) {
            p.skipChildren();
          } else {
            p.finishToken();
          }
          data = text.substring(start, (int) p.currentLocation().getCharOffset());
        } else {
          p.skipChildren();
        }
      }
      if (data == null || !IgluUri.isValid(schema)) {
        return null;
      }
      entities.add(new Entity(schema, data));
    }
    return p.currentToken() == JsonToken.END_ARRAY ? entities : null;
  }

  /** Whether the text has a character the tree reading would change: a control character or a {@code \\u} escape. */
  private static boolean needsRepair(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == 'u')) {
        return true;
      }
    }
    return false;
  }
}
