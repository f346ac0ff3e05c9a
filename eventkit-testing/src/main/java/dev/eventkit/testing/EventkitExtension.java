package dev.eventkit.testing;

import dev.eventkit.Pipeline;
import dev.eventkit.PipelineBuilder;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that gives each test a started {@link Pipeline} delivering to an {@link InMemorySink} named
 * {@code test}, and a {@link Collector} over it (with the Segment input unless configured otherwise); after the test
 * it shuts the pipeline down and removes its data:
 *
 * <pre>{@code
 * @RegisterExtension
 * EventkitExtension eventkit = EventkitExtension.inMemory();
 *
 * @Test
 * void tracksArrive() {
 *   eventkit.post("/collect", "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"m1\"}");
 *   EventkitAssertions.assertThat(eventkit.sink()).eventually().containsEventWithId("m1");
 * }
 * }</pre>
 *
 * <p>{@link #sqlite()} uses a real SQLite log in a temporary directory instead of the in-memory one. Retries are
 * fast (10 ms to 100 ms) so that tests of failing sinks do not wait. {@link #pipeline(Consumer)} and
 * {@link #collector(Consumer)} adjust the builders (more sinks, interceptors, inputs, endpoints).
 *
 * <p>Thread-safety: configure it before the tests run; the accessors are for the test's own thread. Failure modes:
 * the accessors throw {@link IllegalStateException} outside a test; a pipeline that does not shut down within 30
 * seconds fails the test.
 */
public final class EventkitExtension implements BeforeEachCallback, AfterEachCallback {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final boolean sqlite;
  private Consumer<PipelineBuilder> pipelineConfig = b -> {};
  private Consumer<Collector.Builder> collectorConfig = b -> b.input(SegmentInput.create());

  private Path dataDir;
  private InMemorySink sink;
  private Pipeline pipeline;
  private Collector collector;

  private EventkitExtension(boolean sqlite) {
    this.sqlite = sqlite;
  }

  /** Each test gets a pipeline over an in-memory log. */
  public static EventkitExtension inMemory() {
    return new EventkitExtension(false);
  }

  /** Each test gets a pipeline over a real SQLite log in a temporary directory, removed after the test. */
  public static EventkitExtension sqlite() {
    return new EventkitExtension(true);
  }

  /** Adjusts each test's pipeline builder (after the extension's own settings, so it may override them). */
  public EventkitExtension pipeline(Consumer<PipelineBuilder> config) {
    this.pipelineConfig = Objects.requireNonNull(config, "config");
    return this;
  }

  /** Configures each test's collector builder in place of the default (the Segment input). */
  public EventkitExtension collector(Consumer<Collector.Builder> config) {
    this.collectorConfig = Objects.requireNonNull(config, "config");
    return this;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    sink = new InMemorySink("test");
    PipelineBuilder builder = Pipeline.builder().sink(sink)
        .retry(RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(100)).build());
    if (sqlite) {
      dataDir = Files.createTempDirectory("eventkit-test-");
      builder.ringBuffer(SqliteRingBuffer.at(dataDir.resolve("wal.db")));
    } else {
      builder.ringBuffer(new InMemoryRingBuffer());
    }
    pipelineConfig.accept(builder);
    pipeline = builder.build().start();
    Collector.Builder collectorBuilder = Collector.builder(pipeline);
    collectorConfig.accept(collectorBuilder);
    collector = collectorBuilder.build();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      if (pipeline != null) {
        pipeline.shutdown().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      if (dataDir != null) {
        delete(dataDir);
      }
      pipeline = null;
      collector = null;
      sink = null;
      dataDir = null;
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  private <T> T started(T value) {
    if (value == null) {
      throw new IllegalStateException("the eventkit extension is not inside a test");
    }
    return value;
  }

  /** This test's started pipeline. */
  public Pipeline pipeline() {
    return started(pipeline);
  }

  /** This test's collector over {@link #pipeline()}. */
  public Collector collector() {
    return started(collector);
  }

  /** The sink named {@code test} that the pipeline delivers to. */
  public InMemorySink sink() {
    return started(sink);
  }

  /** The directory holding the SQLite log ({@link #sqlite()}); null for an in-memory log. */
  public Path dataDir() {
    started(pipeline);
    return dataDir;
  }

  /** Collects envelopes directly and waits until they are durable in the log. */
  public void collect(Envelope... envelopes) throws Exception {
    pipeline().collect(List.of(envelopes)).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Sends a JSON body to the collector (no HTTP server involved) and returns its answer. */
  public HttpResponse post(String path, String json) throws Exception {
    HttpRequest request = HttpRequest.builder("POST", path).header("Content-Type", "application/json")
        .body(json.getBytes(StandardCharsets.UTF_8)).build();
    return collector().handle(request).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }
}
