package dev.eventkit.snowplow;

import java.util.Base64;

/**
 * Decodes the base64 that Snowplow trackers send in {@code ue_px} and {@code cx}: the standard or the URL-safe
 * alphabet, padded or not. A space is read as '+', because an unescaped '+' in a query string arrives as a space
 * after form decoding; line breaks (MIME-style wrapping) are ignored. Stateless and thread-safe.
 */
final class LenientBase64 {

  private LenientBase64() {}

  /** The decoded bytes, or null when {@code s} is not base64 in either alphabet. Never throws. */
  static byte[] decode(String s) {
    StringBuilder b = new StringBuilder(s.length() + 3);
    int end = s.length();
    while (end > 0 && isSkippable(s.charAt(end - 1))) {
      end--;
    }
    int padding = 0;
    while (end > 0 && s.charAt(end - 1) == '=') {
      end--;
      padding++;
    }
    if (padding > 2) {
      return null;
    }
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      if (c == '-') {
        c = '+';
      } else if (c == '_') {
        c = '/';
      } else if (c == ' ') {
        c = '+';
      } else if (c == '\r' || c == '\n') {
        continue;
      } else if (!isStandard(c)) {
        return null;
      }
      b.append(c);
    }
    int rest = b.length() % 4;
    if (rest == 1) {
      return null;
    }
    if (padding > 0 && rest == 0) {
      return null;
    }
    if (rest != 0) {
      b.append("==", 0, 4 - rest);
    }
    try {
      return Base64.getDecoder().decode(b.toString());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static boolean isSkippable(char c) {
    return c == '\r' || c == '\n';
  }

  private static boolean isStandard(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  }
}
