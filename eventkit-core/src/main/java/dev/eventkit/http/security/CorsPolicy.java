package dev.eventkit.http.security;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Which web origins may send events from a browser, and the CORS headers they get. Three kinds:
 *
 * <ul>
 *   <li>{@link #anyOrigin()} (the collector's default, as Snowplow's and Segment's collectors behave): any
 *       well-formed {@code http(s)} origin is echoed with credentials, so trackers on any site can send and carry
 *       the network user id cookie. {@code Origin: null} (sandboxed frames, local files) is never allowed.
 *   <li>{@link #allowList(List)}: exact origins ({@code https://shop.example}), every subdomain of a host
 *       ({@code https://*.shop.example}, which does not include {@code https://shop.example} itself), {@code null}
 *       only if listed, and {@code *}: any origin may send, answered {@code Access-Control-Allow-Origin: *} without
 *       credentials. Listed origins get credentials.
 *   <li>{@link #none()}: no origin is allowed.
 * </ul>
 *
 * A disallowed origin gets no CORS headers at all; the collector also refuses its preflights and its requests with
 * 403, so that pages on other sites cannot post even without reading the answer ({@code sendBeacon}, forms).
 * Origins compare case-insensitively, with the port: {@code https://shop.example:8443} is not
 * {@code https://shop.example}.
 *
 * <p>Immutable and thread-safe. {@link #allowList} throws {@link IllegalArgumentException} for an entry that is not
 * an origin.
 */
public final class CorsPolicy {

  private static final String ALLOW_METHODS = "GET, POST, OPTIONS";
  private static final String ALLOW_HEADERS = "Content-Type, Content-Encoding, Authorization, SP-Anonymous, "
      + "X-Request-Id";
  private static final String EXPOSE_HEADERS = "Retry-After, X-Request-Id";

  private static final CorsPolicy ANY = new CorsPolicy(true, List.of(), List.of(), false, false);
  private static final CorsPolicy NONE = new CorsPolicy(false, List.of(), List.of(), false, false);

  private final boolean anyWithCredentials;
  private final List<String> exact;
  private final List<String[]> wildcards;
  private final boolean star;
  private final boolean nullOrigin;

  private CorsPolicy(boolean anyWithCredentials, List<String> exact, List<String[]> wildcards, boolean star,
      boolean nullOrigin) {
    this.anyWithCredentials = anyWithCredentials;
    this.exact = List.copyOf(exact);
    this.wildcards = List.copyOf(wildcards);
    this.star = star;
    this.nullOrigin = nullOrigin;
  }

  /** Any well-formed http(s) origin, with credentials; never {@code null}. The collector's default. */
  public static CorsPolicy anyOrigin() {
    return ANY;
  }

  /** No origin at all: browsers on other origins cannot send. */
  public static CorsPolicy none() {
    return NONE;
  }

  /**
   * The listed origins: {@code scheme://host[:port]}, {@code scheme://*.host[:port]}, {@code null} or {@code *}.
   */
  public static CorsPolicy allowList(List<String> origins) {
    List<String> exact = new ArrayList<>();
    List<String[]> wildcards = new ArrayList<>();
    boolean star = false;
    boolean nullOrigin = false;
    for (String o : origins) {
      String v = Objects.requireNonNull(o, "origin").trim().toLowerCase(Locale.ROOT);
      if (v.equals("*")) {
        star = true;
      } else if (v.equals("null")) {
        nullOrigin = true;
      } else if (v.contains("://*.")) {
        int at = v.indexOf("://*.");
        String scheme = v.substring(0, at);
        String rest = v.substring(at + 5);
        if (normalize(scheme + "://" + rest) == null) {
          throw new IllegalArgumentException("not an origin pattern (scheme://*.host[:port]): " + o);
        }
        int colon = rest.indexOf(':');
        String host = colon < 0 ? rest : rest.substring(0, colon);
        String port = colon < 0 ? "" : rest.substring(colon);
        wildcards.add(new String[] {scheme + "://", "." + host, port});
      } else {
        String n = normalize(v);
        if (n == null) {
          throw new IllegalArgumentException("not an origin (scheme://host[:port], no path): " + o);
        }
        exact.add(n);
      }
    }
    return new CorsPolicy(false, exact, wildcards, star, nullOrigin);
  }

  /** Whether a request with this {@code Origin} header may be served (true when there is no header). */
  public boolean allows(String origin) {
    return origin == null || !headers(origin).isEmpty();
  }

  /** The CORS headers for {@code origin}; empty when it is not allowed (or null). */
  public Map<String, String> headers(String origin) {
    if (origin == null) {
      return Map.of();
    }
    String o = origin.trim();
    if (o.equals("null")) {
      return nullOrigin ? withCredentials("null") : star ? withoutCredentials() : Map.of();
    }
    String n = normalize(o);
    if (n == null) {
      return Map.of();
    }
    if (anyWithCredentials || exact.contains(n) || matchesWildcard(n)) {
      return withCredentials(o);
    }
    return star ? withoutCredentials() : Map.of();
  }

  private boolean matchesWildcard(String origin) {
    for (String[] w : wildcards) {
      if (!origin.startsWith(w[0])) {
        continue;
      }
      String rest = origin.substring(w[0].length());
      int colon = rest.indexOf(':');
      String host = colon < 0 ? rest : rest.substring(0, colon);
      String port = colon < 0 ? "" : rest.substring(colon);
      if (host.endsWith(w[1]) && host.length() > w[1].length() && port.equals(w[2])) {
        return true;
      }
    }
    return false;
  }

  /** {@code scheme://host[:port]} lower-cased, or null when {@code origin} is not an http(s) origin. */
  static String normalize(String origin) {
    if (origin.length() > 253 + 16) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null || uri.getRawUserInfo() != null
        || uri.getRawPath() != null && !uri.getRawPath().isEmpty() || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      return null;
    }
    return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  private static Map<String, String> withCredentials(String origin) {
    Map<String, String> h = base();
    h.put("Access-Control-Allow-Origin", origin);
    h.put("Access-Control-Allow-Credentials", "true");
    return h;
  }

  private static Map<String, String> withoutCredentials() {
    Map<String, String> h = base();
    h.put("Access-Control-Allow-Origin", "*");
    return h;
  }

  private static Map<String, String> base() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Access-Control-Allow-Methods", ALLOW_METHODS);
    h.put("Access-Control-Allow-Headers", ALLOW_HEADERS);
    h.put("Access-Control-Expose-Headers", EXPOSE_HEADERS);
    h.put("Access-Control-Max-Age", "86400");
    h.put("Vary", "Origin");
    return h;
  }
}
