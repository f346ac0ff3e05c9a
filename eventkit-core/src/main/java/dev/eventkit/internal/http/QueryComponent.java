package dev.eventkit.internal.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Lenient decoding of query-string components, shared by the collector and the inputs of other modules.
 *
 * <p><b>Not API.</b> Stateless and thread-safe.
 */
public final class QueryComponent {

  private QueryComponent() {}

  /**
   * Decodes one name or value of a query string ({@code application/x-www-form-urlencoded}) leniently, as browsers
   * and Snowplow's collector do: {@code %XX} escapes are UTF-8 bytes, '+' is a space, and a '%' not followed by
   * two hex digits is kept as written (so {@code 100%} stays {@code 100%} and the rest of the value is still
   * decoded). Escaped bytes that are not UTF-8 become U+FFFD, never other text (an overlong {@code %C0%BC} is not
   * {@code <}). Never throws.
   */
  public static String decode(String s) {
    if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < n && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        bytes.write(hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
        i += 2;
        continue;
      }
      if (bytes.size() > 0) {
        // The JDK's decoder replaces each malformed sequence with U+FFFD.
        out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
        bytes.reset();
      }
      out.append(c == '+' ? ' ' : c);
    }
    if (bytes.size() > 0) {
      out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  private static int hex(char c) {
    return c < 128 ? Character.digit(c, 16) : -1;
  }

}
