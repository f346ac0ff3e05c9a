package dev.eventkit.internal.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Makes text encodable as UTF-8: JSON can spell an unpaired UTF-16 surrogate as an escape ({@code "\ud83d"}), and
 * browsers emit them when they cut text inside an emoji; Java strings can hold one but UTF-8 cannot encode it.
 * Each one becomes U+FFFD, as browsers do, so an accepted event can always be written to the log instead of
 * failing with a 500.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice. Stateless and thread-safe; each method
 * returns its argument itself (no copy) when it is already well formed, and null for null.
 */
public final class WellFormedText {

  private WellFormedText() {}

  /** {@code text} with each lone surrogate replaced by U+FFFD. */
  public static String of(String text) {
    if (text == null) {
      return null;
    }
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return replace(text, i);
      }
    }
    return text;
  }

  /** {@code node} with every string and field name made well formed. */
  public static JsonNode of(JsonNode node) {
    if (node == null || isWellFormed(node)) {
      return node;
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (node.isTextual()) {
      return f.textNode(of(node.textValue()));
    }
    if (node.isArray()) {
      ArrayNode a = f.arrayNode(node.size());
      node.forEach(e -> a.add(of(e)));
      return a;
    }
    ObjectNode o = f.objectNode();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      o.set(of(e.getKey()), of(e.getValue()));
    }
    return o;
  }

  private static boolean isWellFormed(JsonNode node) {
    if (node.isTextual()) {
      return of(node.textValue()) == node.textValue();
    }
    if (node.isArray()) {
      for (JsonNode e : node) {
        if (!isWellFormed(e)) {
          return false;
        }
      }
      return true;
    }
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        if (of(e.getKey()) != e.getKey() || !isWellFormed(e.getValue())) {
          return false;
        }
      }
    }
    return true;
  }

  private static String replace(String text, int from) {
    StringBuilder b = new StringBuilder(text.length());
    b.append(text, 0, from);
    int n = text.length();
    for (int i = from; i < n; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        b.append(c).append(text.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        b.append('\uFFFD');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
