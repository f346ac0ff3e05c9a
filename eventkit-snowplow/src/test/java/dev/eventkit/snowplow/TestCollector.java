package dev.eventkit.snowplow;

import dev.eventkit.Pipeline;
import dev.eventkit.PipelineBuilder;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.schema.Validator;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.LocalServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A collector serving a {@link SnowplowInput} on a loopback JDK HTTP server, with an in-memory log, a sink for
 * accepted events and one for invalid (failed) events, and a JDK HTTP client to talk to it.
 */
final class TestCollector implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(20);

  final InMemorySink events = new InMemorySink("events");
  final InMemorySink invalid = new InMemorySink("invalid");
  final Pipeline pipeline;
  final Collector collector;
  final URI base;
  private final LocalServer server;
  private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private TestCollector(SnowplowInput input, Validator validator, Consumer<Collector.Builder> collectorConfig) {
    PipelineBuilder pb = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(events).invalidSink(invalid);
    if (validator != null) {
      pb.validator(validator);
    }
    pipeline = pb.build().start();
    Collector.Builder cb = Collector.builder(pipeline).input(input);
    collectorConfig.accept(cb);
    collector = cb.build();
    server = new LocalServer(collector);
    base = server.uri("/");
  }

  static TestCollector start(SnowplowInput input) {
    return new TestCollector(input, null, b -> {});
  }

  static TestCollector start(SnowplowInput input, Validator validator) {
    return new TestCollector(input, validator, b -> {});
  }

  static TestCollector start(SnowplowInput input, Validator validator, Consumer<Collector.Builder> config) {
    return new TestCollector(input, validator, config);
  }

  /** Sends a GET of {@code pathAndQuery} (already encoded) with header name/value pairs. */
  HttpResponse<byte[]> get(String pathAndQuery, String... headers) {
    return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET(), headers);
  }

  /** POSTs {@code body} as {@code application/json} to {@code path}. */
  HttpResponse<byte[]> post(String path, String body, String... headers) {
    return post(path, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (!typed) {
      b.header("Content-Type", "application/json; charset=UTF-8");
    }
    return send(b, headers);
  }

  HttpResponse<byte[]> send(HttpRequest.Builder b, String... headers) {
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  List<Envelope> awaitEvents(int count) throws InterruptedException, TimeoutException {
    return events.awaitCount(count, WAIT);
  }

  List<Envelope> awaitInvalid(int count) throws InterruptedException, TimeoutException {
    return invalid.awaitCount(count, WAIT);
  }

  /** Waits until everything appended so far reached the sinks. */
  void drain() throws InterruptedException {
    if (!dev.eventkit.testing.Flushing.flushed(pipeline, WAIT)) {
      throw new IllegalStateException("sinks did not catch up within " + WAIT);
    }
  }

  @Override
  public void close() {
    server.close();
    pipeline.close();
  }
}
