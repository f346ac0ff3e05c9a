package dev.eventkit.sink;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each batch to an HTTP endpoint, as a JSON array or as newline-delimited JSON of {@link EnvelopeCodec}
 * objects, optionally gzip-compressed, using the JDK's {@link HttpClient}.
 *
 * <p>Outcomes: a 2xx answer delivers the batch. 408, 429, 5xx, timeouts and I/O errors are retryable, carrying the
 * server's {@code Retry-After} (seconds or an HTTP date) as the hint for the next attempt. 401 and 403 are retryable
 * too: they mean the credentials are wrong or expired, which the header supplier or the operator can fix, and
 * dead-lettering a whole stream over a credentials problem would be worse than holding it in the log. Any other 4xx
 * (400, 413, 422, …) is a permanent refusal of the batch as a whole; the pipeline then halves the batch until the
 * events the server really refuses stand alone and dead-letters only those — which is also how a 413 (body too
 * large) is resolved: smaller halves are sent until they fit. Redirects are not followed (a POST body must not be
 * re-sent elsewhere silently) and are retryable, so a misconfigured URL holds events instead of losing them.
 *
 * <p>Headers: fixed ones from {@link Builder#header}, plus a {@link Builder#headers(Supplier) supplier} asked before
 * every request, so that tokens can rotate. Header values are never logged; neither is the URL (it may carry a key
 * in its query), only the sink's name and the status code.
 *
 * <p>Replays: delivery is at least once; each envelope carries its {@code id}, which the receiver can use to drop
 * duplicates.
 *
 * <p>Thread-safe: the client is shared and requests are independent.
 */
public final class HttpSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(HttpSink.class);
  private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

  /** The body's layout. */
  public enum Format {
    /** One JSON array of envelopes; {@code Content-Type: application/json}. */
    JSON_ARRAY("application/json"),
    /** One envelope a line, each line ending in a newline; {@code Content-Type: application/x-ndjson}. */
    NDJSON("application/x-ndjson");

    private final String contentType;

    Format(String contentType) {
      this.contentType = contentType;
    }

    /** The {@code Content-Type} sent with this format. */
    public String contentType() {
      return contentType;
    }
  }

  private final String name;
  private final URI url;
  private final Format format;
  private final boolean gzip;
  private final Map<String, String> fixedHeaders;
  private final Supplier<Map<String, String>> headerSupplier;
  private final Duration requestTimeout;
  private final HttpClient client;

  private HttpSink(Builder b) {
    this.name = b.name;
    this.url = b.url;
    this.format = b.format;
    this.gzip = b.gzip;
    this.fixedHeaders = Map.copyOf(b.headers);
    this.headerSupplier = b.headerSupplier;
    this.requestTimeout = b.requestTimeout;
    this.client = HttpClient.newBuilder().connectTimeout(b.connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** A sink named {@code http} POSTing NDJSON to {@code url}, uncompressed. */
  public static HttpSink to(URI url) {
    return builder(url).build();
  }

  public static Builder builder(URI url) {
    return new Builder(url);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<WriteResult> write(List<Envelope> batch) {
    HttpRequest request;
    try {
      HttpRequest.Builder rb = HttpRequest.newBuilder(url).timeout(requestTimeout)
          .header("Content-Type", format.contentType())
          .POST(HttpRequest.BodyPublishers.ofByteArray(body(batch)));
      if (gzip) {
        rb.header("Content-Encoding", "gzip");
      }
      fixedHeaders.forEach(rb::header);
      if (headerSupplier != null) {
        Map<String, String> extra = headerSupplier.get();
        if (extra != null) {
          extra.forEach(rb::setHeader);
        }
      }
      request = rb.build();
    } catch (RuntimeException e) {
      // A header supplier that throws (a token source that is down) must not lose the batch.
      LOG.warn("http sink {} cannot prepare a request: {}", name, e.getClass().getSimpleName());
      return CompletableFuture.completedFuture(WriteResult.failed(
          Failure.retryable("request not prepared: " + e.getClass().getSimpleName())));
    }
    return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle((response, error) -> error != null ? ioFailure(error) : outcome(response));
  }

  private WriteResult outcome(HttpResponse<?> response) {
    int code = response.statusCode();
    if (code >= 200 && code < 300) {
      return WriteResult.success();
    }
    String reason = "HTTP " + code;
    if (code == 408 || code == 429 || code >= 500 || code == 401 || code == 403 || code < 200
        || (code >= 300 && code < 400)) {
      Duration hint = Failure.parseRetryAfter(response.headers().firstValue("Retry-After").orElse(null));
      LOG.warn("http sink {} got {}; the batch is retried{}", name, code,
          hint != null ? " (server asks to wait " + hint.toMillis() + " ms)" : "");
      return WriteResult.failed(Failure.retryable(reason, hint));
    }
    LOG.warn("http sink {} got {}; the server refuses the batch", name, code);
    return WriteResult.failed(Failure.permanent(reason));
  }

  private WriteResult ioFailure(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    String what = cause instanceof HttpTimeoutException ? "timeout" : cause.getClass().getSimpleName();
    LOG.warn("http sink {} cannot reach its endpoint: {}", name, what);
    return WriteResult.failed(Failure.retryable("HTTP request failed: " + what));
  }

  private byte[] body(List<Envelope> batch) {
    ByteArrayOutputStream raw = new ByteArrayOutputStream(512 * batch.size());
    try {
      if (format == Format.JSON_ARRAY) {
        raw.write('[');
        for (int i = 0; i < batch.size(); i++) {
          if (i > 0) {
            raw.write(',');
          }
          EnvelopeCodec.writeTo(batch.get(i), raw);
        }
        raw.write(']');
      } else {
        for (Envelope e : batch) {
          EnvelopeCodec.writeTo(e, raw);
          raw.write('\n');
        }
      }
      if (!gzip) {
        return raw.toByteArray();
      }
      ByteArrayOutputStream zipped = new ByteArrayOutputStream(raw.size() / 4 + 64);
      try (GZIPOutputStream out = new GZIPOutputStream(zipped, 8192)) {
        raw.writeTo(out);
      }
      return zipped.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory streams do not fail
    }
  }

  /**
   * Configures an {@link HttpSink}; not thread-safe. Defaults: name {@code http}, {@link Format#NDJSON}, no gzip,
   * connect timeout 10 s, request timeout 30 s.
   */
  public static final class Builder {
    private final URI url;
    private String name = "http";
    private Format format = Format.NDJSON;
    private boolean gzip;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Supplier<Map<String, String>> headerSupplier;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);

    private Builder(URI url) {
      this.url = Objects.requireNonNull(url, "url");
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new IllegalArgumentException("the URL must be http or https");
      }
    }

    /** The sink's name, which names its cursor in the log. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    public Builder format(Format format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /** Whether to gzip bodies (sent with {@code Content-Encoding: gzip}). */
    public Builder gzip(boolean gzip) {
      this.gzip = gzip;
      return this;
    }

    /** A header sent with every request. */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("the HTTP client sets " + name + " itself");
      }
      headers.put(name, value);
      return this;
    }

    /**
     * Headers asked for before every request (an {@code Authorization} with a token that rotates); they replace
     * fixed headers of the same name. The supplier is called from the writing thread and must be quick (cache the
     * token); if it throws, the batch fails retryably.
     */
    public Builder headers(Supplier<Map<String, String>> supplier) {
      this.headerSupplier = Objects.requireNonNull(supplier, "supplier");
      return this;
    }

    /** How long establishing a connection may take. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** How long a request may take until its response arrives. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    public HttpSink build() {
      return new HttpSink(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(what + " must be positive");
      }
      return d;
    }
  }
}
