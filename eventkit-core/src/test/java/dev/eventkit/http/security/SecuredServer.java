package dev.eventkit.http.security;

import static dev.eventkit.testing.Flushing.flushed;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.http.Collector;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.LocalServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A collector (Segment and pixel inputs, in-memory log and sink, counting metrics) configured by a test and served
 * over real HTTP on loopback; requests carry any headers the test names.
 */
final class SecuredServer implements AutoCloseable {

  final InMemorySink sink = new InMemorySink("sink");
  final CountingMetrics metrics = new CountingMetrics();
  final Pipeline pipeline;
  private final LocalServer server;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  SecuredServer(Consumer<Collector.Builder> config) {
    pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).metrics(metrics).build().start();
    Collector.Builder b = Collector.builder(pipeline).input(SegmentInput.create()).input(PixelInput.create());
    config.accept(b);
    server = new LocalServer(b.build());
  }

  static final String TRACK = "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u1\"}";

  /** A request with header name/value pairs; POST with a JSON body when {@code body} is not null. */
  HttpResponse<String> send(String method, String pathAndQuery, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
        .timeout(Duration.ofSeconds(30));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (body != null && !typed) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    return send("POST", path, body, headers);
  }

  HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
    return send("GET", pathAndQuery, null, headers);
  }

  /** Everything delivered once all that was appended reached the sink. */
  List<Envelope> stored() throws InterruptedException {
    if (!flushed(pipeline, Duration.ofSeconds(30))) {
      throw new AssertionError("the pipeline did not flush");
    }
    return sink.envelopes();
  }

  /** How many events the log holds (0: nothing was ever appended). */
  long appended() {
    return pipeline.status().log().lastSequence();
  }

  /** An envelope exactly as sinks and the log store it. */
  static String encoded(Envelope e) {
    return new String(EnvelopeCodec.encode(e), StandardCharsets.UTF_8);
  }

  static String basic(String user) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":").getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    server.close();
    pipeline.close();
  }
}
