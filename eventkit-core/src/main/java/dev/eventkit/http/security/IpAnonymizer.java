package dev.eventkit.http.security;

/**
 * Truncates client addresses before anything is stored: by default an IPv4 address keeps its first three octets
 * ({@code 203.0.113.77} becomes {@code 203.0.113.0}) and an IPv6 address its first 48 bits
 * ({@code 2001:db8:85a3:8d3:1319:8a2e:370:7348} becomes {@code 2001:db8:85a3::}), the truncation common analytics
 * tools apply. The collector applies it to the address it resolved, so envelopes, sinks and the log only ever see
 * the truncated form; addresses a client writes into its own payload (such as Segment's {@code context.ip}) are
 * payload, for an {@code EventInterceptor} to redact.
 *
 * <p>Immutable and thread-safe; {@link #apply} never throws.
 */
public final class IpAnonymizer {

  private static final IpAnonymizer NONE = new IpAnonymizer(32, 128);
  private static final IpAnonymizer STANDARD = new IpAnonymizer(24, 48);

  private final int ipv4Prefix;
  private final int ipv6Prefix;

  private IpAnonymizer(int ipv4Prefix, int ipv6Prefix) {
    this.ipv4Prefix = ipv4Prefix;
    this.ipv6Prefix = ipv6Prefix;
  }

  /** Addresses are kept whole. The collector's default. */
  public static IpAnonymizer none() {
    return NONE;
  }

  /** IPv4: the last octet zeroed (/24); IPv6: the first 48 bits kept. */
  public static IpAnonymizer standard() {
    return STANDARD;
  }

  /**
   * Keeps the first {@code ipv4Prefix} bits of IPv4 addresses and {@code ipv6Prefix} bits of IPv6 addresses.
   *
   * @throws IllegalArgumentException for a prefix out of 0-32 or 0-128
   */
  public static IpAnonymizer keeping(int ipv4Prefix, int ipv6Prefix) {
    if (ipv4Prefix < 0 || ipv4Prefix > 32 || ipv6Prefix < 0 || ipv6Prefix > 128) {
      throw new IllegalArgumentException("prefixes are 0-32 bits (IPv4) and 0-128 bits (IPv6)");
    }
    return new IpAnonymizer(ipv4Prefix, ipv6Prefix);
  }

  /** Whether addresses are changed at all. */
  public boolean enabled() {
    return ipv4Prefix < 32 || ipv6Prefix < 128;
  }

  /** The truncated address in canonical form; null for null or for text that is not an IP literal. */
  public String apply(String address) {
    byte[] b = IpLiteral.parse(address);
    if (b == null) {
      return null;
    }
    return IpLiteral.format(IpRange.mask(b, b.length == 4 ? ipv4Prefix : ipv6Prefix));
  }
}
