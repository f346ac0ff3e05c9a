package dev.eventkit.snowplow;

import dev.eventkit.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The third-party cookie that carries Snowplow's network user id ({@code network_userid}): read from each
 * request, issued when absent, and refreshed on every answer so that it lives {@link #ttl()} past the last event.
 *
 * <p>Immutable (apart from a cache of the last {@code Expires} date) and thread-safe. {@link Builder#build()}
 * throws {@link IllegalArgumentException} for a name or domain that is not a valid cookie token, a non-positive
 * TTL, or {@code SameSite=None} without {@code Secure} (which browsers discard).
 */
public final class NetworkUserIdCookie {

  /** The cookie's {@code SameSite} attribute. */
  public enum SameSite {
    STRICT("Strict"), LAX("Lax"), NONE("None");

    private final String wire;

    SameSite(String wire) {
      this.wire = wire;
    }
  }

  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
  private static final Pattern DOMAIN = Pattern.compile("\\.?[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})*");
  private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final DateTimeFormatter EXPIRES =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final NetworkUserIdCookie DISABLED = new NetworkUserIdCookie(builder().enabled(false));

  private final boolean enabled;
  private final String name;
  private final String domain;
  private final String path;
  private final Duration ttl;
  private final SameSite sameSite;
  private final boolean secure;
  private final boolean httpOnly;
  /**
   * The last {@code Expires} value made, by the second it names: answers within one second share it instead of
   * formatting the date again. Replaced whole, so a reader sees a matching pair.
   */
  private volatile Expiry lastExpiry;

  private record Expiry(long epochSecond, String text) {}

  private NetworkUserIdCookie(Builder b) {
    this.enabled = b.enabled;
    this.name = b.name;
    this.domain = b.domain;
    this.path = b.path;
    this.ttl = b.ttl;
    this.sameSite = b.sameSite;
    this.secure = b.secure;
    this.httpOnly = b.httpOnly;
  }

  /** Snowplow's defaults: {@code sp}, one year, {@code SameSite=None; Secure; HttpOnly}, path {@code /}. */
  public static NetworkUserIdCookie defaults() {
    return builder().build();
  }

  /** No cookie is read or set; events carry a network user id only when the tracker sends one. */
  public static NetworkUserIdCookie disabled() {
    return DISABLED;
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean enabled() {
    return enabled;
  }

  public String name() {
    return name;
  }

  /** The {@code Domain} attribute, or null for a host-only cookie. */
  public String domain() {
    return domain;
  }

  public String path() {
    return path;
  }

  public Duration ttl() {
    return ttl;
  }

  public SameSite sameSite() {
    return sameSite;
  }

  public boolean secure() {
    return secure;
  }

  public boolean httpOnly() {
    return httpOnly;
  }

  /** The cookie's value in {@code request}, or null when absent or not a plausible id. */
  String read(HttpRequest request) {
    if (!enabled) {
      return null;
    }
    List<String> headers = request.headers().get("Cookie");
    if (headers == null) {
      return null;
    }
    for (String header : headers) {
      for (String pair : header.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equals(name)) {
          String v = pair.substring(eq + 1).trim();
          if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
          }
          return isValue(v) ? v : null;
        }
      }
    }
    return null;
  }

  /** Whether {@code value} may be written into a {@code Set-Cookie} header as is. */
  static boolean isValue(String value) {
    return value != null && VALUE.matcher(value).matches();
  }

  /** The {@code Set-Cookie} header value that stores {@code value} until {@code now + ttl}. */
  private String expires(Instant at) {
    Expiry e = lastExpiry;
    if (e == null || e.epochSecond() != at.getEpochSecond()) {
      e = new Expiry(at.getEpochSecond(), EXPIRES.format(at));
      lastExpiry = e;
    }
    return e.text();
  }

  String setCookie(String value, Instant now) {
    StringBuilder b = new StringBuilder(160).append(name).append('=').append(value)
        .append("; Expires=").append(expires(now.plus(ttl)))
        .append("; Max-Age=").append(ttl.toSeconds())
        .append("; Path=").append(path);
    if (domain != null) {
      b.append("; Domain=").append(domain);
    }
    b.append("; SameSite=").append(sameSite.wire);
    if (secure) {
      b.append("; Secure");
    }
    if (httpOnly) {
      b.append("; HttpOnly");
    }
    return b.toString();
  }

  /** Builder; not thread-safe. Defaults as in {@link #defaults()}. */
  public static final class Builder {
    private boolean enabled = true;
    private String name = "sp";
    private String domain;
    private String path = "/";
    private Duration ttl = Duration.ofDays(365);
    private SameSite sameSite = SameSite.NONE;
    private boolean secure = true;
    private boolean httpOnly = true;

    private Builder() {}

    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** The {@code Domain} attribute, such as {@code .example.com}; null (the default) for a host-only cookie. */
    public Builder domain(String domain) {
      this.domain = domain;
      return this;
    }

    public Builder path(String path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    public Builder ttl(Duration ttl) {
      this.ttl = Objects.requireNonNull(ttl, "ttl");
      return this;
    }

    public Builder sameSite(SameSite sameSite) {
      this.sameSite = Objects.requireNonNull(sameSite, "sameSite");
      return this;
    }

    public Builder secure(boolean secure) {
      this.secure = secure;
      return this;
    }

    public Builder httpOnly(boolean httpOnly) {
      this.httpOnly = httpOnly;
      return this;
    }

    public NetworkUserIdCookie build() {
      if (!TOKEN.matcher(name).matches()) {
        throw new IllegalArgumentException("cookie name must be a cookie token of 1-64 characters");
      }
      if (domain != null && !DOMAIN.matcher(domain).matches()) {
        throw new IllegalArgumentException("cookie domain must be a host name such as .example.com");
      }
      if (!path.startsWith("/") || path.contains(";") || path.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
        throw new IllegalArgumentException("cookie path must start with '/' and hold no ';', space or control");
      }
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("cookie ttl must be positive");
      }
      if (sameSite == SameSite.NONE && !secure) {
        throw new IllegalArgumentException("SameSite=None requires Secure (browsers drop it otherwise); "
            + "choose SameSite.LAX for a collector served over plain HTTP");
      }
      return new NetworkUserIdCookie(this);
    }
  }
}
