package dev.eventkit.snowplow;

import dev.eventkit.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Resolves the client's IP address through the proxy headers an operator chose to trust, in the order given:
 * {@code X-Forwarded-For} (its left-most address), {@code Forwarded} (its first {@code for=}), or any single-address
 * header such as {@code X-Real-IP} or {@code CF-Connecting-IP}. The first header that holds a valid IP literal
 * wins; without one, the collector's own resolution stands.
 *
 * <p>Immutable and thread-safe; never throws and never resolves names (only literals are accepted).
 */
final class ClientAddress {

  private static final Pattern IPV4 = Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private final List<String> trustedHeaders;

  ClientAddress(List<String> trustedHeaders) {
    this.trustedHeaders = List.copyOf(trustedHeaders);
  }

  /** The client address for {@code request}, or {@code fallback} when no trusted header names one. */
  String resolve(HttpRequest request, String fallback) {
    for (String header : trustedHeaders) {
      List<String> values = request.headers().get(header);
      if (values == null) {
        continue;
      }
      for (String value : values) {
        String ip = fromHeader(header.toLowerCase(Locale.ROOT), value);
        if (ip != null) {
          return ip;
        }
      }
    }
    return fallback;
  }

  private static String fromHeader(String header, String value) {
    if (value == null) {
      return null;
    }
    if (header.equals("forwarded")) {
      for (String element : value.split(",")) {
        for (String pair : element.split(";")) {
          String p = pair.trim();
          if (p.regionMatches(true, 0, "for=", 0, 4)) {
            return literal(p.substring(4));
          }
        }
      }
      return null;
    }
    // X-Forwarded-For lists client, proxy1, proxy2…; a single-address header is a list of one.
    for (String candidate : value.split(",")) {
      String ip = literal(candidate);
      if (ip != null) {
        return ip;
      }
    }
    return null;
  }

  /** The IP literal in {@code s} (quotes, brackets and a port removed), or null when it is not one. */
  static String literal(String s) {
    String v = s.trim();
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.startsWith("[")) {
      int close = v.indexOf(']');
      if (close < 0) {
        return null;
      }
      v = v.substring(1, close);
    } else if (v.indexOf(':') > 0 && v.indexOf(':') == v.lastIndexOf(':') && v.indexOf('.') > 0) {
      v = v.substring(0, v.indexOf(':')); // IPv4 with a port
    }
    if (isIpv4(v)) {
      return v;
    }
    if (v.indexOf(':') >= 0 && IPV6.matcher(v).matches()) {
      return v.toLowerCase(Locale.ROOT);
    }
    return null;
  }

  private static boolean isIpv4(String v) {
    var m = IPV4.matcher(v);
    if (!m.matches()) {
      return false;
    }
    for (int i = 1; i <= 4; i++) {
      if (Integer.parseInt(m.group(i)) > 255) {
        return false;
      }
    }
    return true;
  }
}
