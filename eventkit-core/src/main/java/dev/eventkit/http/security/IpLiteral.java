package dev.eventkit.http.security;

import java.util.Arrays;

/**
 * A strict parser and printer of IP address literals: IPv4 dotted quads ({@code 192.0.2.1}) and IPv6 text
 * ({@code 2001:db8::1}, with an embedded IPv4 tail where RFC 4291 allows one). Never resolves a name and never
 * accepts what only a lenient parser would: no leading zeros in IPv4 parts (which some parsers read as octal), no
 * shortened IPv4 forms ({@code 127.1}), no zone ids, brackets, ports, signs or spaces. An IPv4-mapped IPv6 address
 * ({@code ::ffff:192.0.2.1}) is the IPv4 address, so that one client has one form.
 *
 * <p>Stateless and thread-safe; no method throws for any input (null included).
 */
public final class IpLiteral {

  private IpLiteral() {}

  /** The address's bytes (4 for IPv4, 16 for IPv6), or null when {@code text} is not a literal. */
  public static byte[] parse(String text) {
    if (text == null || text.isEmpty() || text.length() > 45) {
      return null;
    }
    if (text.indexOf(':') < 0) {
      return parseIpv4(text);
    }
    byte[] v6 = parseIpv6(text);
    if (v6 != null && isIpv4Mapped(v6)) {
      return Arrays.copyOfRange(v6, 12, 16);
    }
    return v6;
  }

  /** The canonical text of {@code text} (dotted quad; RFC 5952 for IPv6), or null when it is not a literal. */
  public static String canonical(String text) {
    byte[] b = parse(text);
    return b == null ? null : format(b);
  }

  /** The canonical text of an address of 4 or 16 bytes. */
  public static String format(byte[] address) {
    if (address.length == 4) {
      return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
    }
    if (address.length != 16) {
      throw new IllegalArgumentException("an IP address has 4 or 16 bytes");
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (address[2 * i] & 0xff) << 8 | (address[2 * i + 1] & 0xff);
    }
    // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes "::".
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8;) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder out = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLength - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }

  private static boolean isIpv4Mapped(byte[] v6) {
    for (int i = 0; i < 10; i++) {
      if (v6[i] != 0) {
        return false;
      }
    }
    return v6[10] == (byte) 0xff && v6[11] == (byte) 0xff;
  }

  private static byte[] parseIpv4(String text) {
    byte[] out = new byte[4];
    int part = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : '.';
      if (c >= '0' && c <= '9') {
        if (digits > 0 && value == 0) {
          return null; // a leading zero
        }
        value = value * 10 + (c - '0');
        if (++digits > 3 || value > 255) {
          return null;
        }
      } else if (c == '.') {
        if (digits == 0 || part == 4) {
          return null;
        }
        out[part++] = (byte) value;
        value = 0;
        digits = 0;
      } else {
        return null;
      }
    }
    return part == 4 ? out : null;
  }

  private static byte[] parseIpv6(String text) {
    int doubleColon = text.indexOf("::");
    if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
      return null;
    }
    String head = doubleColon < 0 ? text : text.substring(0, doubleColon);
    String tail = doubleColon < 0 ? "" : text.substring(doubleColon + 2);
    int[] headGroups = groups(head, doubleColon < 0);
    int[] tailGroups = groups(tail, true);
    if (headGroups == null || tailGroups == null) {
      return null;
    }
    if (doubleColon < 0 && headGroups.length != 8 || doubleColon >= 0 && headGroups.length + tailGroups.length > 7) {
      return null;
    }
    if (doubleColon >= 0 && head.contains(".")) {
      return null; // an IPv4 tail may only end the address
    }
    byte[] out = new byte[16];
    for (int i = 0; i < headGroups.length; i++) {
      out[2 * i] = (byte) (headGroups[i] >> 8);
      out[2 * i + 1] = (byte) headGroups[i];
    }
    int offset = 8 - tailGroups.length;
    for (int i = 0; i < tailGroups.length; i++) {
      out[2 * (offset + i)] = (byte) (tailGroups[i] >> 8);
      out[2 * (offset + i) + 1] = (byte) tailGroups[i];
    }
    return out;
  }

  /** The 16-bit groups of a colon-separated run; an IPv4 tail counts as two. Null when malformed. */
  private static int[] groups(String run, boolean mayEndInIpv4) {
    if (run.isEmpty()) {
      return new int[0];
    }
    String[] parts = run.split(":", -1);
    int[] out = new int[parts.length + 1];
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i == parts.length - 1 && mayEndInIpv4 && p.indexOf('.') >= 0) {
        byte[] v4 = parseIpv4(p);
        if (v4 == null) {
          return null;
        }
        out[n++] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
        out[n++] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
        continue;
      }
      if (p.isEmpty() || p.length() > 4) {
        return null;
      }
      int v = 0;
      for (int k = 0; k < p.length(); k++) {
        int d = Character.digit(p.charAt(k), 16);
        if (d < 0 || p.charAt(k) > 'f') {
          return null;
        }
        v = v << 4 | d;
      }
      out[n++] = v;
    }
    return Arrays.copyOf(out, n);
  }
}
