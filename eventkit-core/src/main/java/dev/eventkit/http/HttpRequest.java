package dev.eventkit.http;

import dev.eventkit.internal.headers.HeaderMap;
import dev.eventkit.internal.http.QueryComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A request as any HTTP stack can describe it: method, path, raw query, headers, body, and the peer's address.
 * Host adapters (the JDK server, a servlet, …) build one and hand it to {@link Collector#handle}.
 *
 * <p>Immutable and thread-safe; header names are case-insensitive, and {@link #headers()} lists them in the order
 * given. The body is held as given (do not change the
 * array afterwards). Query parameters are decoded leniently: a malformed escape is kept as written.
 */
public final class HttpRequest {

  private final String method;
  private final String path;
  private final String rawQuery;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final String remoteAddress;
  private volatile Map<String, List<String>> query;

  private HttpRequest(Builder b) {
    this.method = b.method.toUpperCase(Locale.ROOT);
    this.path = b.path;
    this.rawQuery = b.rawQuery;
    this.headers = HeaderMap.copyOf(b.headers);
    this.body = b.body;
    this.remoteAddress = b.remoteAddress;
  }

  public static Builder builder(String method, String path) {
    return new Builder(method, path);
  }

  /** The method, upper-cased. */
  public String method() {
    return method;
  }

  /** The decoded path, without the query. */
  public String path() {
    return path;
  }

  /** The raw query string without '?', or null. */
  public String rawQuery() {
    return rawQuery;
  }

  /** Headers by case-insensitive name. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** The first value of a header, or null. */
  public String header(String name) {
    List<String> v = headers.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** The body; empty, never null. Do not modify. */
  public byte[] body() {
    return body;
  }

  /** The peer's IP address as the host saw it, or null. */
  public String remoteAddress() {
    return remoteAddress;
  }

  /** The media type of {@code Content-Type} without parameters, lower-cased; null when absent. */
  public String mediaType() {
    String ct = header("Content-Type");
    if (ct == null) {
      return null;
    }
    int semi = ct.indexOf(';');
    return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  /** Query parameters, decoded, in order of appearance. */
  public Map<String, List<String>> queryParameters() {
    Map<String, List<String>> q = query;
    if (q == null) {
      q = parseQuery(rawQuery);
      query = q;
    }
    return q;
  }

  /** The first value of a query parameter, or null. */
  public String queryParameter(String name) {
    List<String> v = queryParameters().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static Map<String, List<String>> parseQuery(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return Collections.unmodifiableMap(out);
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    out.replaceAll((k, v) -> List.copyOf(v));
    return Collections.unmodifiableMap(out);
  }

  private static String decode(String s) {
    return QueryComponent.decode(s);
  }

  /** Builder; not thread-safe. */
  public static final class Builder {
    private final String method;
    private final String path;
    private String rawQuery;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private byte[] body = new byte[0];
    private String remoteAddress;

    private Builder(String method, String path) {
      this.method = Objects.requireNonNull(method, "method");
      this.path = Objects.requireNonNull(path, "path");
    }

    public Builder rawQuery(String rawQuery) {
      this.rawQuery = rawQuery;
      return this;
    }

    public Builder header(String name, String value) {
      headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      return this;
    }

    public Builder headers(Map<String, List<String>> all) {
      all.forEach((k, v) -> {
        if (k != null) {
          headers.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v);
        }
      });
      return this;
    }

    public Builder body(byte[] body) {
      this.body = body == null ? new byte[0] : body;
      return this;
    }

    public Builder remoteAddress(String remoteAddress) {
      this.remoteAddress = remoteAddress;
      return this;
    }

    public HttpRequest build() {
      return new HttpRequest(this);
    }
  }
}
