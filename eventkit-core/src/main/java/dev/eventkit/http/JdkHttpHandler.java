package dev.eventkit.http;

import dev.eventkit.internal.http.BoundedBody;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
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
      byte[] body = BoundedBody.read(exchange.getRequestBody(), collector);
      if (body.length > collector.maxBodyBytes()) {
        // Read (and drop) the rest so that the client sees the 413 rather than a reset connection.
        discard(exchange.getRequestBody(), MAX_DISCARD_BYTES);
      }
      InetSocketAddress peer = exchange.getRemoteAddress();
      HttpRequest request = HttpRequest.builder(exchange.getRequestMethod(), exchange.getRequestURI().getPath())
          .rawQuery(exchange.getRequestURI().getRawQuery())
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
    } catch (IOException e) {
      LOG.debug("client connection failed: {}", e.getMessage());
    }
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
