package dev.eventkit.schema;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Iglu-compatible schema server on loopback for tests: serves {@code GET /api/schemas/v/n/f/version} from
 * memory, counts requests per path, and can be switched to misbehave (answer garbage, 500, or hang).
 */
public final class IgluTestServer implements AutoCloseable {

  /** How the server answers. */
  public enum Mode {
    NORMAL, GARBAGE, ERROR, HANG
  }

  private final HttpServer server;
  private final Map<String, String> schemas = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();
  private volatile Mode mode = Mode.NORMAL;
  private final CountDownLatch release = new CountDownLatch(1);

  public IgluTestServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Serves {@code text} for an Iglu URI such as {@code iglu:com.acme/x/jsonschema/1-0-0}. */
  public IgluTestServer put(String igluUri, String text) {
    schemas.put("/api/schemas/" + igluUri.substring("iglu:".length()), text);
    return this;
  }

  public void mode(Mode mode) {
    this.mode = mode;
  }

  /** Requests received for an Iglu URI. */
  public int requests(String igluUri) {
    AtomicInteger n = requests.get("/api/schemas/" + igluUri.substring("iglu:".length()));
    return n == null ? 0 : n.get();
  }

  public int totalRequests() {
    return total.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      total.incrementAndGet();
      requests.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      switch (mode) {
        case HANG:
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return;
        case ERROR:
          send(exchange, 500, "{\"message\":\"boom\"}");
          return;
        case GARBAGE:
          send(exchange, 200, "<html>this is not a schema");
          return;
        default:
          break;
      }
      String text = schemas.get(path);
      if (text == null) {
        send(exchange, 404, "{\"message\":\"The schema is not found\"}");
      } else {
        send(exchange, 200, text);
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, b.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(b);
    }
  }

  /** Stops serving; connections are refused afterwards. */
  public void stop() {
    release.countDown();
    server.stop(0);
  }

  @Override
  public void close() {
    stop();
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
