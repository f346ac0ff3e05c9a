package dev.eventkit.snowplow;

import dev.eventkit.internal.http.QueryComponent;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A page or referrer URL split into the parts of Snowplow's canonical event ({@code scheme}, {@code host},
 * {@code port}, {@code path}, {@code query}, {@code fragment}), and the marketing fields a page URL's campaign
 * parameters carry.
 *
 * <p>Immutable and thread-safe. Parsing follows the generic syntax of RFC 3986 (appendix B), which accepts every
 * string, so real-world URLs with spaces or unescaped characters still split; {@link #parse} returns null only for
 * text without a scheme and host, which is not a URL whose parts mean anything.
 *
 * @param scheme lower-cased scheme
 * @param host lower-cased host, without brackets for IPv6
 * @param port the explicit port, or 80/443 for http/https without one; null otherwise
 * @param path the path as sent; {@code "/"} when empty
 * @param query the raw query without '?', or null
 * @param fragment the raw fragment without '#', or null
 */
record UrlParts(String scheme, String host, Integer port, String path, String query, String fragment) {

  private static final Pattern GENERIC = Pattern.compile(
      "^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\\?([^#]*))?(?:#(.*))?$", Pattern.DOTALL);
  private static final Pattern SCHEME = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*");

  /** Campaign parameters and the marketing fields they fill, as Snowplow's campaign attribution does by default. */
  private static final Map<String, String> CAMPAIGN = Map.of(
      "utm_medium", "mkt_medium",
      "utm_source", "mkt_source",
      "utm_term", "mkt_term",
      "utm_content", "mkt_content",
      "utm_campaign", "mkt_campaign");

  /** Click-id parameters and the ad network each one names. */
  private static final Map<String, String> CLICK_IDS = Map.of(
      "gclid", "Google",
      "msclkid", "Microsoft",
      "dclid", "DoubleClick");

  /** The URL's parts, or null when it has no scheme and host. Never throws. */
  static UrlParts parse(String url) {
    Matcher m = GENERIC.matcher(url);
    if (!m.matches() || m.group(1) == null || m.group(2) == null || !SCHEME.matcher(m.group(1)).matches()) {
      return null;
    }
    String scheme = m.group(1).toLowerCase(Locale.ROOT);
    String authority = m.group(2);
    int at = authority.lastIndexOf('@');
    String hostPort = at >= 0 ? authority.substring(at + 1) : authority;
    String host;
    String portText = null;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = hostPort.substring(1, close);
      if (hostPort.length() > close + 1 && hostPort.charAt(close + 1) == ':') {
        portText = hostPort.substring(close + 2);
      }
    } else {
      int colon = hostPort.lastIndexOf(':');
      host = colon >= 0 ? hostPort.substring(0, colon) : hostPort;
      portText = colon >= 0 ? hostPort.substring(colon + 1) : null;
    }
    if (host.isEmpty()) {
      return null;
    }
    Integer port = null;
    if (portText != null && portText.matches("[0-9]{1,5}") && Integer.parseInt(portText) <= 65535) {
      port = Integer.parseInt(portText);
    } else if (scheme.equals("http")) {
      port = 80;
    } else if (scheme.equals("https")) {
      port = 443;
    }
    String path = m.group(3).isEmpty() ? "/" : m.group(3);
    return new UrlParts(scheme, host.toLowerCase(Locale.ROOT), port, path, m.group(4), m.group(5));
  }

  /** Adds the parts as canonical attributes named {@code prefix + "scheme"}, … (such as {@code page_urlhost}). */
  void putInto(Map<String, String> attributes, String prefix) {
    attributes.put(prefix + "scheme", scheme);
    attributes.put(prefix + "host", host);
    if (port != null) {
      attributes.put(prefix + "port", port.toString());
    }
    attributes.put(prefix + "path", path);
    if (query != null) {
      attributes.put(prefix + "query", query);
    }
    if (fragment != null) {
      attributes.put(prefix + "fragment", fragment);
    }
  }

  /**
   * The marketing fields of a page URL: {@code mkt_medium}, {@code mkt_source}, {@code mkt_term},
   * {@code mkt_content}, {@code mkt_campaign} from the {@code utm_*} parameters, and {@code mkt_clickid} with
   * {@code mkt_network} from a {@code gclid}, {@code msclkid} or {@code dclid}. The first value of each wins.
   */
  Map<String, String> marketing() {
    Map<String, String> out = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return out;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String name = decode(pair.substring(0, eq));
      String value = decode(pair.substring(eq + 1));
      if (value.isEmpty()) {
        continue;
      }
      String field = CAMPAIGN.get(name);
      if (field != null) {
        out.putIfAbsent(field, value);
      } else if (CLICK_IDS.containsKey(name) && !out.containsKey("mkt_clickid")) {
        out.put("mkt_clickid", value);
        out.put("mkt_network", CLICK_IDS.get(name));
      }
    }
    return out;
  }

  /** Lenient, as for the request's own query: a stray '%' is kept and the rest still decoded. */
  private static String decode(String s) {
    return QueryComponent.decode(s);
  }
}
