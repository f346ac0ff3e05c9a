package dev.eventkit.schema;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An Iglu-compatible schema server: {@code iglu:v/n/f/1-0-0} is fetched with
 * {@code GET <base>/api/schemas/v/n/f/1-0-0}. Relative schema names are not served by this source (it answers
 * not found for them without a request).
 *
 * <p>Immutable and thread-safe; one {@link HttpClient} per source. Failure modes, all thrown as
 * {@link IOException} so that the registry falls back to its cache and reports the source down: connection
 * failures and timeouts (connect and request timeouts both bounded), any status other than 200 and 404, a body
 * larger than the limit, and a body that is not a JSON object. A 404 is "not found". Headers given to the builder
 * (an API key) are sent but never logged or reported.
 */
public final class HttpSchemaSource implements SchemaSource {

  private final URI base;
  private final Map<String, String> headers;
  private final Duration requestTimeout;
  private final int maxSchemaBytes;
  private final HttpClient client;

  private HttpSchemaSource(Builder b) {
    String s = b.base.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.headers = Map.copyOf(b.headers);
    this.requestTimeout = b.requestTimeout;
    this.maxSchemaBytes = b.maxSchemaBytes;
    this.client = HttpClient.newBuilder()
        .connectTimeout(b.connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** A source with default settings for a server at {@code baseUrl}, such as {@code http://iglu.internal:8080}. */
  public static HttpSchemaSource of(String baseUrl) {
    return builder(URI.create(baseUrl)).build();
  }

  public static Builder builder(URI baseUrl) {
    return new Builder(baseUrl);
  }

  /** The server's URL without user info or query, which may hold credentials. */
  @Override
  public String name() {
    if (base.getRawUserInfo() == null && base.getRawQuery() == null) {
      return base.toString();
    }
    return base.getScheme() + "://" + base.getHost() + (base.getPort() < 0 ? "" : ":" + base.getPort())
        + (base.getRawPath() == null ? "" : base.getRawPath());
  }

  @Override
  public Optional<String> fetch(SchemaUri uri) throws IOException {
    if (uri.kind() != SchemaUri.Kind.IGLU) {
      return Optional.empty();
    }
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + "/api/schemas/" + uri.path()))
        .timeout(requestTimeout)
        .header("Accept", "application/json")
        .GET();
    headers.forEach(req::header);
    HttpResponse<InputStream> response;
    try {
      response = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while fetching a schema", e);
    }
    try (InputStream in = response.body()) {
      int status = response.statusCode();
      if (status == 404) {
        return Optional.empty();
      }
      if (status != 200) {
        throw new IOException("schema server answered HTTP " + status);
      }
      byte[] body = in.readNBytes(maxSchemaBytes + 1);
      if (body.length > maxSchemaBytes) {
        throw new IOException("schema server answered more than " + maxSchemaBytes + " bytes");
      }
      String text = new String(body, StandardCharsets.UTF_8);
      JsonNode node;
      try {
        node = Json.reader().readTree(text);
      } catch (JacksonException e) {
        throw new IOException("schema server answered something that is not JSON");
      }
      if (node == null || !node.isObject()) {
        throw new IOException("schema server answered JSON that is not a schema object");
      }
      return Optional.of(text);
    }
  }

  @Override
  public String toString() {
    return name();
  }

  /**
   * Configures an {@link HttpSchemaSource}; not thread-safe. Defaults: 2 s connect timeout, 5 s request timeout,
   * 1 MiB schema size limit, no extra headers. {@link #build()} throws {@link IllegalArgumentException} for a base
   * URL that is not absolute http(s) or for non-positive limits.
   */
  public static final class Builder {
    private final URI base;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private int maxSchemaBytes = 1024 * 1024;

    private Builder(URI base) {
      this.base = Objects.requireNonNull(base, "baseUrl");
    }

    /** Sends a header with every request, such as an API key; the value is never logged. */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Sends Iglu Server's {@code apikey} header. */
    public Builder apiKey(String apiKey) {
      return header("apikey", apiKey);
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "connectTimeout");
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Objects.requireNonNull(timeout, "requestTimeout");
      return this;
    }

    public Builder maxSchemaBytes(int bytes) {
      this.maxSchemaBytes = bytes;
      return this;
    }

    public HttpSchemaSource build() {
      String scheme = base.getScheme();
      if (!base.isAbsolute() || !("http".equals(scheme) || "https".equals(scheme)) || base.getHost() == null) {
        throw new IllegalArgumentException("the schema server URL must be absolute http(s)");
      }
      if (base.getUserInfo() != null || base.getQuery() != null) {
        throw new IllegalArgumentException("the schema server URL must carry no credentials or query; "
            + "use header()/apiKey()");
      }
      if (connectTimeout.isNegative() || connectTimeout.isZero()
          || requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive");
      }
      if (maxSchemaBytes < 1) {
        throw new IllegalArgumentException("maxSchemaBytes must be positive");
      }
      return new HttpSchemaSource(this);
    }
  }
}
