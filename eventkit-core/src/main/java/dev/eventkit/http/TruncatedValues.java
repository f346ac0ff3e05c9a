package dev.eventkit.http;

import dev.eventkit.event.Envelope;
import java.util.Collection;
import java.util.TreeSet;

/**
 * Bounds for the request header values that envelopes keep — the user agent, a pixel's referer, a forwarded client
 * address — and the attribute that records a cut. A header of any length must not make an event larger than the
 * event size cap allows or hide the event itself, so an overlong value is cut to its bound (never dropped) and the
 * envelope's {@value #ATTRIBUTE} attribute names what was cut, comma-separated and sorted ({@code
 * "referer,userAgent"}).
 *
 * <p>Stateless and thread-safe.
 */
public final class TruncatedValues {

  /** The attribute naming the values that were cut: {@code clientIp}, {@code referer}, {@code userAgent}. */
  public static final String ATTRIBUTE = "eventkit.truncated";
  /** Longest user agent kept, in chars; real ones are a few hundred. */
  public static final int MAX_USER_AGENT = 1024;
  /** Longest referer kept, in chars. */
  public static final int MAX_REFERER = 2048;
  /** Longest client address kept from a forwarded header, in chars; an IPv6 literal with zone fits. */
  public static final int MAX_CLIENT_IP = 64;

  private TruncatedValues() {}

  /** The first {@code max} chars of {@code value} (one fewer rather than half a surrogate pair); null for null. */
  public static String cut(String value, int max) {
    if (value == null || value.length() <= max) {
      return value;
    }
    int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
    return value.substring(0, end);
  }

  /** {@code existing} (the attribute's value, or null) with {@code fields} added. */
  public static String merge(String existing, Collection<String> fields) {
    TreeSet<String> all = new TreeSet<>(fields);
    if (existing != null && !existing.isEmpty()) {
      all.addAll(java.util.List.of(existing.split(",")));
    }
    return String.join(",", all);
  }

  /** A copy of {@code e} whose {@value #ATTRIBUTE} attribute also names {@code fields}. */
  static Envelope mark(Envelope e, Collection<String> fields) {
    return e.toBuilder().attribute(ATTRIBUTE, merge(e.attributes().get(ATTRIBUTE), fields)).build();
  }
}
