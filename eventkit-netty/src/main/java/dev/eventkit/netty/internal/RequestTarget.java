package dev.eventkit.netty.internal;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A request target split into the decoded path and the raw query, decoded as the other hosts do: percent escapes
 * decoded, {@code +} kept as a plus, a malformed escape kept as written. Accepts origin form ({@code /p?q}) and
 * absolute form ({@code http://host/p?q}); anything else is not a path (null). Immutable.
 *
 * @param path the decoded path
 * @param rawQuery the query without {@code ?}, or null
 */
record RequestTarget(String path, String rawQuery) {

  static RequestTarget parse(String uri) {
    String raw = uri;
    if (!raw.startsWith("/")) {
      int scheme = raw.startsWith("http://") ? 7 : raw.startsWith("https://") ? 8 : -1;
      if (scheme < 0) {
        return null;
      }
      int slash = raw.indexOf('/', scheme);
      int query = raw.indexOf('?', scheme);
      if (slash < 0 || (query >= 0 && query < slash)) {
        raw = "/" + (query < 0 ? "" : raw.substring(query));
      } else {
        raw = raw.substring(slash);
      }
    }
    int fragment = raw.indexOf('#');
    if (fragment >= 0) {
      raw = raw.substring(0, fragment);
    }
    int q = raw.indexOf('?');
    String rawPath = q < 0 ? raw : raw.substring(0, q);
    return new RequestTarget(decode(rawPath), q < 0 ? null : raw.substring(q + 1));
  }

  private static String decode(String rawPath) {
    if (rawPath.indexOf('%') < 0) {
      return rawPath;
    }
    try {
      return URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return rawPath;
    }
  }
}
