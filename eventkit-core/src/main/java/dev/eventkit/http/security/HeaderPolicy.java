package dev.eventkit.http.security;

import dev.eventkit.internal.headers.HeaderMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which request headers inputs get to see — and so may keep in envelopes (a pixel's {@code Referer}, a CloudEvent's
 * {@code ce-*} attributes, the {@code User-Agent}) — and how long their values may be. Credentials never pass:
 * {@code Authorization}, {@code Proxy-Authorization} and {@code X-Api-Key} are removed before any input reads the
 * request, whatever the allow-list says. By default every other header passes; with an allow-list only the listed
 * names do (a name ending in {@code *} is a prefix, such as {@code ce-*}). Values longer than the cap are cut
 * (1,024 characters for {@code User-Agent}, 8,192 for {@code Cookie}, 4,096 for the rest by default; inputs cut
 * further and mark what they cut, such as a pixel's {@code Referer} at 2,048).
 *
 * <p>Immutable and thread-safe.
 */
public final class HeaderPolicy {

  private static final List<String> CREDENTIALS = List.of("authorization", "proxy-authorization", "x-api-key");
  /** What the built-in inputs read; {@link #allowList} adds them to any list. */
  private static final List<String> NEEDED = List.of("content-type", "content-encoding", "content-length");

  private static final HeaderPolicy DEFAULT = new HeaderPolicy(null, 4096, 1024, 8192);

  private final List<String> allowed;
  private final int maxLength;
  private final int maxUserAgent;
  private final int maxCookie;

  private HeaderPolicy(List<String> allowed, int maxLength, int maxUserAgent, int maxCookie) {
    this.allowed = allowed == null ? null : List.copyOf(allowed);
    this.maxLength = maxLength;
    this.maxUserAgent = maxUserAgent;
    this.maxCookie = maxCookie;
  }

  /** Every header but credentials, values capped. The collector's default. */
  public static HeaderPolicy defaults() {
    return DEFAULT;
  }

  /**
   * Only these headers (case-insensitive; {@code prefix*} for a family) plus those that framing needs
   * ({@code Content-Type}, {@code Content-Encoding}, {@code Content-Length}); values capped as by default.
   */
  public static HeaderPolicy allowList(List<String> names) {
    List<String> list = new ArrayList<>(NEEDED);
    for (String n : names) {
      String v = Objects.requireNonNull(n, "header").trim().toLowerCase(Locale.ROOT);
      if (!v.matches("[a-z0-9-]{1,64}\\*?")) {
        throw new IllegalArgumentException("a header name is 1-64 letters, digits or '-', optionally ending in '*'");
      }
      list.add(v);
    }
    return new HeaderPolicy(list, DEFAULT.maxLength, DEFAULT.maxUserAgent, DEFAULT.maxCookie);
  }

  /** A copy with other caps on value length (characters). */
  public HeaderPolicy withCaps(int maxLength, int maxUserAgent, int maxCookie) {
    if (maxLength < 16 || maxUserAgent < 16 || maxCookie < 16) {
      throw new IllegalArgumentException("header value caps are at least 16 characters");
    }
    return new HeaderPolicy(allowed, maxLength, maxUserAgent, maxCookie);
  }

  /**
   * The headers inputs see: credentials removed, the allow-list applied, values cut to their caps; an immutable
   * map with case-insensitive names, in the order given.
   */
  public Map<String, List<String>> apply(Map<String, List<String>> headers) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (CREDENTIALS.contains(name) || !allowed(name)) {
        continue;
      }
      int cap = cap(name);
      List<String> values = new ArrayList<>(h.getValue().size());
      for (String v : h.getValue()) {
        values.add(v != null && v.length() > cap ? v.substring(0, cap) : v);
      }
      out.put(h.getKey(), values);
    }
    return HeaderMap.copyOf(out);
  }

  /** A {@code User-Agent} value cut to its cap; null stays null. */
  public String userAgent(String value) {
    return value != null && value.length() > maxUserAgent ? value.substring(0, maxUserAgent) : value;
  }

  private int cap(String name) {
    return name.equals("user-agent") ? maxUserAgent : name.equals("cookie") ? maxCookie : maxLength;
  }

  private boolean allowed(String name) {
    if (allowed == null) {
      return true;
    }
    for (String a : allowed) {
      if (a.endsWith("*") ? name.startsWith(a.substring(0, a.length() - 1)) : name.equals(a)) {
        return true;
      }
    }
    return false;
  }

  /** For diagnostics: the allow-list, or "all but credentials". */
  @Override
  public String toString() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("allowed", allowed == null ? "all but credentials" : allowed);
    m.put("maxLength", maxLength);
    return "HeaderPolicy" + m;
  }
}
