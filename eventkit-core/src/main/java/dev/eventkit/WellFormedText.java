package dev.eventkit;

/**
 * Makes text encodable as UTF-8: a JSON body may spell an unpaired UTF-16 surrogate as an escape ({@code "\ud83d"}),
 * which Java strings can hold but UTF-8 cannot encode. Envelopes replace each one with U+FFFD, as browsers do, so an
 * accepted event can always be written to the log instead of failing with a 500.
 */
final class WellFormedText {

  private WellFormedText() {}

  /** The text itself when it is well formed (the common case, no copy), else a copy with U+FFFD replacements. */
  static String of(String text) {
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
