package dev.eventkit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.eventkit.internal.http.BoundedBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adapts a {@link Collector} to the JDK's built-in {@code com.sun.net.httpserver} server: mount it on "/" of an
 * {@code HttpServer} (or {@code HttpsServer}) and every request goes through the collector.
 *
 * <p>Thread-safe. Reads at most the collector's body limit plus one byte, so an oversized body is answered 413
 * without being buffered whole. I/O errors towards a client that went away are logged at debug level and ignored.
 * Every answer this adapter writes is the collector's (JSON for every error); should the adapter itself fail, it
 * answers a JSON 500 without naming the failure.
 *
 * <p>Limitation of the JDK server: it parses the request target with {@code java.net.URI} before any handler
 * runs, and answers a target that is not a valid URI itself, with an HTML 400 ("URISyntaxException thrown"):
 * a '%' not followed by two hex digits ({@code /i?page=100%}), or a raw {@code | { } ^ `} or {@code \} in the query.
 * Such requests never reach the collector, whatever the handler does. Hosts that pass the raw query through
 * (servlet containers, Netty) get the collector's lenient decoding ({@code internal.http.QueryComponent}).
 */
public final class JdkHttpHandler implements HttpHandler {

  private static final Logger LOG = LoggerFactory.getLogger(JdkHttpHandler.class);

  /** How much of an oversized body is read and dropped before the connection is simply closed. */
  private static final long MAX_DISCARD_BYTES = 64L * 1024 * 1024;

  private final Collector collector;

  public JdkHttpHandler(Collector collector) {
    this.collector = Objects.requireNonNull(collector, "collector");
  }

  /**
   * Creates a JDK {@code HttpServer} bound to {@code address} and configured for a collector: TCP_NODELAY on
   * accepted connections (without it, small keep-alive responses wait for the client's delayed ACK, about 40 ms a
   * request), then mounts the collector on "/". Start it with {@code start()} after setting an executor.
   */
  public static com.sun.net.httpserver.HttpServer serve(Collector collector, InetSocketAddress address,
      int backlog) throws IOException {
    // Read once, when the JDK server's configuration class loads; set it unless the host chose otherwise.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(address, backlog);
    server.createContext("/", new JdkHttpHandler(collector));
    return server;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      try {
        serve(exchange);
      } catch (RuntimeException e) {
        LOG.error("the JDK server adapter failed on {} {}", exchange.getRequestMethod(),
            exchange.getRequestURI().getRawPath(), e);
        internalError(exchange);
      }
    } catch (IOException e) {
      LOG.debug("client connection failed: {}", e.getMessage());
    }
  }

  private void serve(HttpExchange exchange) throws IOException {
    byte[] body = BoundedBody.read(exchange.getRequestBody(), collector);
    if (body.length > collector.maxBodyBytes()) {
      // Read (and drop) the rest so that the client sees the 413 rather than a reset connection.
      discard(exchange.getRequestBody(), MAX_DISCARD_BYTES);
    }
    InetSocketAddress peer = exchange.getRemoteAddress();
    HttpRequest request = HttpRequest.builder(exchange.getRequestMethod(), exchange.getRequestURI().getPath())
        .rawQuery(rawQuery(exchange.getRequestURI().getRawQuery()))
        .headers(exchange.getRequestHeaders())
        .body(body)
        .remoteAddress(peer == null || peer.getAddress() == null ? null : peer.getAddress().getHostAddress())
        .build();
    HttpResponse response = collector.handle(request).join();
    for (Map.Entry<String, String> h : response.headers().entrySet()) {
      exchange.getResponseHeaders().set(h.getKey(), h.getValue());
    }
    byte[] out = response.body();
    boolean noBody = out.length == 0 || "HEAD".equals(request.method());
    exchange.sendResponseHeaders(response.status(), noBody ? -1 : out.length);
    if (!noBody) {
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(out);
      }
    }
  }

  /**
   * Answers a JSON 500 unless the response has begun (then the connection is closed): without it the JDK server
   * would drop the connection with no answer at all.
   */
  private static void internalError(HttpExchange exchange) throws IOException {
    if (exchange.getResponseCode() != -1) {
      return;
    }
    byte[] out = new Rejection(500, "internal_error", "the collector failed unexpectedly", null).toResponse().body();
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(500, out.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(out);
    }
  }

  /**
   * The raw query as the client sent it. The JDK server makes request-line bytes into chars one to one
   * (ISO-8859-1), so a client that sent UTF-8 bytes unescaped ('é' as C3 A9) would be read as "Ã©"; those bytes
   * are percent-escaped again here, and the collector decodes them as UTF-8 like any other escape.
   */
  static String rawQuery(String raw) {
    if (raw == null) {
      return null;
    }
    int i = 0;
    while (i < raw.length() && raw.charAt(i) < 0x80) {
      i++;
    }
    if (i == raw.length()) {
      return raw;
    }
    StringBuilder b = new StringBuilder(raw.length() + 16).append(raw, 0, i);
    for (; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < 0x80 || c > 0xFF) {
        b.append(c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return b.toString();
  }

  private static void discard(InputStream in, long max) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while (total < max && (n = in.read(buf)) > 0) {
      total += n;
    }
  }
}
