package dev.eventkit.snowplow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Replaces lone UTF-16 surrogates with U+FFFD. JSON can spell one ({@code "\ud83d"}) and browsers emit them when
 * they cut text inside an emoji, but UTF-8 cannot hold one, so the log's encoder would refuse the whole event.
 *
 * <p>Stateless and thread-safe; returns its argument unchanged (the same instance) when it is well-formed.
 */
final class WellFormedText {

  private WellFormedText() {}

  /** {@code s} with each lone surrogate replaced; null for null. */
  static String of(String s) {
    if (s == null || isWellFormed(s)) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        b.append('\uFFFD');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** {@code node} with every string and field name made well-formed (a copy only when one needed it). */
  static JsonNode of(JsonNode node) {
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
      return isWellFormed(node.textValue());
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
        if (!isWellFormed(e.getKey()) || !isWellFormed(e.getValue())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return false;
        }
      }
    }
    return true;
  }
}
