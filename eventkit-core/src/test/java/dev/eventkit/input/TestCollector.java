package dev.eventkit.input;

import static dev.eventkit.testing.Flushing.flushed;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.Endpoint;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Input;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaValidator;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.LocalServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A collector over a real pipeline (in-memory log, a sink for valid events and one for invalid ones, the
 * classpath schema registry) served by the JDK HTTP server on loopback, for the inputs' tests.
 */
public final class TestCollector implements AutoCloseable {

  public final InMemorySink valid = new InMemorySink("valid");
  public final InMemorySink invalid = new InMemorySink("invalid");
  public final SchemaRegistry registry;
  public final Pipeline pipeline;
  public final Collector collector;
  private final LocalServer server;
  public final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(10)).build();

  public TestCollector(Input... inputs) {
    this(SchemaRegistry.builder().source(ClasspathSchemaSource.create()).build(), (Object[]) inputs);
  }

  /** A collector serving each {@link Input} and {@link Endpoint} given (the Segment input when no input is). */
  public TestCollector(SchemaRegistry registry, Object... routes) {
    this.registry = registry;
    this.pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(valid).invalidSink(invalid)
        .validator(SchemaValidator.create(registry)).build().start();
    Collector.Builder b = Collector.builder(pipeline);
    boolean input = false;
    for (Object r : routes) {
      if (r instanceof Input i) {
        b.input(i);
        input = true;
      } else {
        b.endpoint((Endpoint) r);
      }
    }
    if (!input) {
      b.input(SegmentInput.create());
    }
    this.collector = b.build();
    this.server = new LocalServer(collector);
  }

  public URI uri(String pathAndQuery) {
    return server.uri(pathAndQuery);
  }

  public java.net.http.HttpResponse<String> send(java.net.http.HttpRequest request) throws Exception {
    return client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs a body with a content type over real HTTP. */
  public java.net.http.HttpResponse<String> post(String path, String contentType, String body) throws Exception {
    return send(java.net.http.HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
  }

  public java.net.http.HttpResponse<String> get(String pathAndQuery) throws Exception {
    return send(java.net.http.HttpRequest.newBuilder(uri(pathAndQuery)).GET().build());
  }

  /** Handles a request in-process, without HTTP (for fuzzing at volume). */
  public HttpResponse handle(String method, String path, String rawQuery, Map<String, String> headers,
      byte[] body) {
    HttpRequest.Builder b = HttpRequest.builder(method, path).rawQuery(rawQuery).body(body)
        .remoteAddress("127.0.0.1");
    headers.forEach(b::header);
    return collector.handle(b.build()).join();
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Waits until every accepted event reached a sink, and returns the valid and invalid envelopes. */
  public List<Envelope> flushValid() throws InterruptedException {
    flushed(pipeline, Duration.ofSeconds(30));
    return valid.envelopes();
  }

  public List<Envelope> flushInvalid() throws InterruptedException {
    flushed(pipeline, Duration.ofSeconds(30));
    return invalid.envelopes();
  }

  @Override
  public void close() {
    server.close();
    pipeline.close();
  }
}
