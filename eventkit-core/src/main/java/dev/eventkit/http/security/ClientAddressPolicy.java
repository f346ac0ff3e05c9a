package dev.eventkit.http.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one rule by which the collector decides a request's client address. The peer's address stands unless the
 * peer is a configured trusted proxy; then the proxy header ({@code X-Forwarded-For} by default, or RFC 7239
 * {@code Forwarded}, or a single-address header such as {@code X-Real-IP}) is read from the right — each trusted
 * proxy appends the address it received from — and the right-most address that is not a trusted proxy is the
 * client. Everything to its left was written by the client and is ignored. When every address is a trusted proxy
 * the left-most is taken; when the entry the walk stops at is not a syntactically valid IP literal (a name,
 * {@code unknown}, an obfuscated {@code _id}, markup), the peer's address is taken instead. Only literals parsed by
 * {@link IpLiteral} are ever returned, in canonical form, and no name is ever resolved.
 *
 * <p>Immutable and thread-safe; {@link #resolve} never throws. The builder throws
 * {@link IllegalArgumentException} for a malformed range or header name.
 */
public final class ClientAddressPolicy {

  /** Entries of a proxy header read at most, from the right; a longer chain is not a real proxy chain. */
  private static final int DEFAULT_MAX_HOPS = 16;

  private static final ClientAddressPolicy PEER_ONLY = new ClientAddressPolicy(List.of(), "X-Forwarded-For",
      DEFAULT_MAX_HOPS);

  private final List<IpRange> proxies;
  private final String header;
  private final boolean forwarded;
  private final int maxHops;

  private ClientAddressPolicy(List<IpRange> proxies, String header, int maxHops) {
    this.proxies = List.copyOf(proxies);
    this.header = header;
    this.forwarded = header.equalsIgnoreCase("Forwarded");
    this.maxHops = maxHops;
  }

  /** The peer's address, always: no proxy header is read. The collector's default. */
  public static ClientAddressPolicy peerOnly() {
    return PEER_ONLY;
  }

  /** Trusts {@code X-Forwarded-For} from peers in these ranges (CIDR or single addresses, IPv4 or IPv6). */
  public static ClientAddressPolicy trusting(String... proxyRanges) {
    Builder b = builder();
    for (String r : proxyRanges) {
      b.trustProxy(r);
    }
    return b.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether any proxy is trusted (else only the peer's address is used). */
  public boolean trustsProxies() {
    return !proxies.isEmpty();
  }

  /**
   * The client address of a request from {@code peer}, in canonical form; null when the peer's address is not an
   * IP literal either (a host that reports none).
   *
   * @param peer the TCP peer's address as the host saw it (an IPv6 zone id is ignored)
   * @param headers a request's header values by case-insensitive name (null or empty when absent)
   */
  public String resolve(String peer, Function<String, List<String>> headers) {
    byte[] peerAddress = IpLiteral.parse(stripZone(peer));
    if (peerAddress == null) {
      return null;
    }
    String peerText = IpLiteral.format(peerAddress);
    if (proxies.isEmpty() || !trusted(peerAddress)) {
      return peerText;
    }
    List<String> values = headers.apply(header);
    if (values == null || values.isEmpty()) {
      return peerText;
    }
    List<String> chain = entries(values);
    String leftMostTrusted = peerText;
    for (int i = chain.size() - 1, hops = 0; i >= 0 && hops < maxHops; i--, hops++) {
      byte[] hop = IpLiteral.parse(literal(chain.get(i)));
      if (hop == null) {
        return peerText;
      }
      if (!trusted(hop)) {
        return IpLiteral.format(hop);
      }
      leftMostTrusted = IpLiteral.format(hop);
    }
    return leftMostTrusted;
  }

  private boolean trusted(byte[] address) {
    for (IpRange r : proxies) {
      if (r.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** The header's entries in order, over every line of it: addresses, or {@code for=} values of Forwarded. */
  private List<String> entries(List<String> values) {
    List<String> out = new ArrayList<>();
    for (String value : values) {
      if (value == null) {
        continue;
      }
      for (String element : value.split(",", -1)) {
        if (!forwarded) {
          out.add(element);
          continue;
        }
        String forValue = "";
        for (String pair : element.split(";")) {
          String p = pair.trim();
          if (p.regionMatches(true, 0, "for=", 0, 4)) {
            forValue = p.substring(4);
          }
        }
        out.add(forValue); // an element without for= breaks the chain, as any unreadable entry does
      }
    }
    return out;
  }

  /** The address part of one entry: quotes, brackets and a port removed; the text itself when none apply. */
  static String literal(String entry) {
    String v = entry.trim();
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      v = v.substring(1, v.length() - 1);
    }
    if (v.startsWith("[")) {
      int close = v.indexOf(']');
      if (close < 0 || close + 1 < v.length() && !v.substring(close + 1).matches(":[0-9]{1,5}")) {
        return null;
      }
      return v.substring(1, close);
    }
    int colon = v.indexOf(':');
    if (colon > 0 && colon == v.lastIndexOf(':') && v.indexOf('.') > 0) {
      return v.substring(colon + 1).matches("[0-9]{1,5}") ? v.substring(0, colon) : null; // IPv4 with a port
    }
    return v;
  }

  private static String stripZone(String peer) {
    if (peer == null) {
      return null;
    }
    int percent = peer.indexOf('%');
    String p = percent < 0 ? peer : peer.substring(0, percent);
    return p.startsWith("[") && p.endsWith("]") ? p.substring(1, p.length() - 1) : p;
  }

  @Override
  public String toString() {
    return proxies.isEmpty() ? "ClientAddressPolicy{peer only}"
        : "ClientAddressPolicy{" + header + " from " + proxies + "}";
  }

  /**
   * Configures a {@link ClientAddressPolicy}; not thread-safe. Defaults: no trusted proxy (the peer's address
   * always), header {@code X-Forwarded-For}, at most 16 entries read.
   */
  public static final class Builder {
    private final List<IpRange> proxies = new ArrayList<>();
    private String header = "X-Forwarded-For";
    private int maxHops = DEFAULT_MAX_HOPS;

    private Builder() {}

    /** Trusts a proxy address or CIDR range ({@code 10.0.0.0/8}, {@code fd00::/8}, {@code 192.0.2.7}). */
    public Builder trustProxy(String range) {
      proxies.add(IpRange.parse(Objects.requireNonNull(range, "range")));
      return this;
    }

    /** Trusts the loopback and private ranges (127/8, 10/8, 172.16/12, 192.168/16, ::1, fc00::/7). */
    public Builder trustPrivateRanges() {
      for (String r : List.of("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128",
          "fc00::/7")) {
        trustProxy(r);
      }
      return this;
    }

    /**
     * The header the trusted proxies set: {@code X-Forwarded-For} (default), {@code Forwarded} (RFC 7239, its
     * {@code for=} parameters), or a header holding the client's address alone, such as {@code X-Real-IP}. Name
     * only a header that the proxies in front of the collector set or append to.
     */
    public Builder header(String name) {
      Objects.requireNonNull(name, "header");
      if (!name.matches("[A-Za-z0-9-]{1,64}")) {
        throw new IllegalArgumentException("a header name is 1-64 letters, digits or '-'");
      }
      this.header = name.toLowerCase(Locale.ROOT).equals("forwarded") ? "Forwarded" : name;
      return this;
    }

    /** How many entries of the header are read at most, from the right; 16 by default. */
    public Builder maxHops(int hops) {
      if (hops < 1) {
        throw new IllegalArgumentException("maxHops must be positive");
      }
      this.maxHops = hops;
      return this;
    }

    public ClientAddressPolicy build() {
      return new ClientAddressPolicy(proxies, header, maxHops);
    }
  }
}
