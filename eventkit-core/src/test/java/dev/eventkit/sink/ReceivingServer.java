package dev.eventkit.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;

/**
 * An HTTP endpoint on 127.0.0.1 that decodes what an {@link HttpSink} posts (gzip, JSON array or NDJSON) and answers
 * as the test says; it can be stopped and started again on the same port to make an outage.
 */
final class ReceivingServer implements AutoCloseable {

  /** One request as received: its headers, decoded envelopes and arrival time. */
  record Received(Map<String, List<String>> headers, List<Envelope> envelopes, long nanos) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
          .map(e -> e.getValue().get(0)).orElse(null);
    }
  }

  /** An answer: a status code and extra response headers. */
  record Answer(int status, Map<String, String> headers) {
    static Answer of(int status) {
      return new Answer(status, Map.of());
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Envelope> accepted = new CopyOnWriteArrayList<>();
  private volatile Function<Received, Answer> behaviour = r -> Answer.of(200);
  private volatile HttpServer server;
  private final int port;

  ReceivingServer() {
    server = open(0);
    port = server.getAddress().getPort();
  }

  private HttpServer open(int p) {
    try {
      HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", p), 64);
      s.createContext("/", this::handle);
      s.start();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/ingest");
  }

  void behaviour(Function<Received, Answer> behaviour) {
    this.behaviour = behaviour;
  }

  /** Every request, in arrival order. */
  List<Received> received() {
    return List.copyOf(received);
  }

  /** Envelopes of the requests answered with a 2xx. */
  List<Envelope> accepted() {
    return List.copyOf(accepted);
  }

  void stop() {
    server.stop(0);
  }

  void start() {
    server = open(port);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] raw;
      try (InputStream in = ex.getRequestBody()) {
        raw = in.readAllBytes();
      }
      boolean gz = "gzip".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Content-Encoding"));
      byte[] body = gz ? new GZIPInputStream(new ByteArrayInputStream(raw)).readAllBytes() : raw;
      Received r = new Received(Map.copyOf(ex.getRequestHeaders()),
          decode(body, ex.getRequestHeaders().getFirst("Content-Type")), System.nanoTime());
      received.add(r);
      Answer a = behaviour.apply(r);
      if (a.status() / 100 == 2) {
        accepted.addAll(r.envelopes());
      }
      a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
      ex.sendResponseHeaders(a.status(), -1);
    }
  }

  private static List<Envelope> decode(byte[] body, String contentType) throws IOException {
    List<Envelope> out = new ArrayList<>();
    if ("application/json".equals(contentType)) {
      JsonNode array = MAPPER.readTree(body);
      if (!array.isArray()) {
        throw new IOException("not a JSON array");
      }
      array.forEach(n -> out.add(EnvelopeCodec.fromTree(n)));
    } else {
      String text = new String(body, StandardCharsets.UTF_8);
      if (!text.isEmpty() && !text.endsWith("\n")) {
        throw new IOException("NDJSON without a final newline");
      }
      for (String line : text.split("\n")) {
        if (!line.isEmpty()) {
          out.add(EnvelopeCodec.decode(line.getBytes(StandardCharsets.UTF_8)));
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
