package dev.eventkit.testing;

import com.sun.net.httpserver.HttpServer;
import dev.eventkit.http.Collector;
import dev.eventkit.http.JdkHttpHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Hosts a collector on the JDK HTTP server at 127.0.0.1 on a free port, for tests that speak real HTTP. */
public final class LocalServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService threads;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public LocalServer(Collector collector) {
    try {
      server = JdkHttpHandler.serve(collector, new InetSocketAddress("127.0.0.1", 0), 128);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads = Executors.newFixedThreadPool(16);
    server.setExecutor(threads);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
  }

  /** POSTs a body with a content type; returns the response with its body as text. */
  public HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String pathAndQuery) throws Exception {
    return client.send(HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
