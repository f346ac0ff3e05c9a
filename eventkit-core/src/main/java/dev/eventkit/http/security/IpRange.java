package dev.eventkit.http.security;

/**
 * An address range in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) or a single address. Immutable and
 * thread-safe. An IPv4 range never contains an IPv6 address and the other way round (IPv4-mapped IPv6 addresses are
 * IPv4 addresses, see {@link IpLiteral}).
 */
final class IpRange {

  private final byte[] network;
  private final int prefix;

  private IpRange(byte[] network, int prefix) {
    this.network = network;
    this.prefix = prefix;
  }

  /**
   * Parses {@code address/prefix} or a single address.
   *
   * @throws IllegalArgumentException when it is neither (the message does not repeat the text)
   */
  static IpRange parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    byte[] address = IpLiteral.parse(slash < 0 ? t : t.substring(0, slash));
    if (address == null) {
      throw new IllegalArgumentException("not an IP address or CIDR range");
    }
    int bits = address.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (!p.matches("[0-9]{1,3}")) {
        throw new IllegalArgumentException("a CIDR prefix length is a number");
      }
      prefix = Integer.parseInt(p);
      if (t.substring(0, slash).indexOf(':') >= 0 && address.length == 4) {
        prefix -= 96; // ::ffff:a.b.c.d/104 is a.b.c.d/8
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("a CIDR prefix length is 0-" + bits);
      }
    }
    return new IpRange(mask(address, prefix), prefix);
  }

  /** Whether {@code address} (4 or 16 bytes) lies in the range. */
  boolean contains(byte[] address) {
    return address.length == network.length && java.util.Arrays.equals(mask(address, prefix), network);
  }

  /** A copy of {@code address} with every bit after the first {@code prefix} cleared. */
  static byte[] mask(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - 8 * i));
      out[i] &= (byte) (0xff << (8 - keep));
    }
    return out;
  }

  @Override
  public String toString() {
    return IpLiteral.format(network) + "/" + prefix;
  }
}
