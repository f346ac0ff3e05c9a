package dev.eventkit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.delivery.DeliveryTarget;
import dev.eventkit.delivery.Queue;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.internal.json.Json;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaValidator;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A collector for fuzz targets, and the promises every answer of it must keep. The pipeline is held in memory and
 * delivers nowhere (no sockets, no delivery threads), so a request's coverage is its own and memory stays flat over
 * millions of requests; events are validated against the class-path schemas.
 *
 * <p>{@link #check} hands a request to {@link Collector#handle} and fails with an {@link AssertionError} naming the
 * broken promise when: {@code handle} throws; it does not return, or its future does not complete, within
 * {@link #ANSWER_TIMEOUT_SECONDS} (a hang), or the future completes exceptionally; the status is not 2xx, 3xx or
 * 4xx; an error answer is not a JSON object naming its error (with {@code Content-Type: application/json}); a
 * success answer is neither JSON, a GIF, an empty 204 nor a redirect to an absolute http(s) URL; a header holds CR,
 * LF or NUL; the events appended to the log are not the ones the answer counts; or an appended event does not read
 * back from the log's encoding unchanged.
 *
 * <p>Not thread-safe: a fuzz target calls it from one thread. {@code handle} runs on a daemon thread of its own, so
 * that a hang is reported instead of stalling the fuzzer.
 */
public final class FuzzCollector {

  /** How long an answer may take: the pipeline is in memory, so anything near this is a hang. */
  public static final long ANSWER_TIMEOUT_SECONDS = 20;

  private final InMemoryRingBuffer log;
  private final Collector collector;
  private final long timeoutMillis;
  // handle() runs here so that a request stuck inside it is reported as a hang, not waited for forever.
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "fuzz-request");
    t.setDaemon(true);
    return t;
  });

  /** What one request did: the answer and the events appended to the log. */
  public record Outcome(HttpResponse response, List<Envelope> appended) {}

  /** A collector whose routes {@code routes} adds, validating against {@code registry}. */
  public FuzzCollector(SchemaRegistry registry, Consumer<Collector.Builder> routes) {
    this(registry, routes, Duration.ofSeconds(ANSWER_TIMEOUT_SECONDS));
  }

  /** As above, allowing {@code timeout} for each answer. */
  FuzzCollector(SchemaRegistry registry, Consumer<Collector.Builder> routes, Duration timeout) {
    this.timeoutMillis = timeout.toMillis();
    // Retention keeps enough events that a whole request's reads back, and no more.
    this.log = new InMemoryRingBuffer(RetentionPolicy.builder().maxRetainedEvents(10_000).build());
    Pipeline pipeline = Pipeline.builder().ringBuffer(log).queue(new KeepInLog())
        .validator(SchemaValidator.create(registry)).metrics(Metrics.noop()).build().start();
    Collector.Builder b = Collector.builder(pipeline);
    routes.accept(b);
    this.collector = b.build();
  }

  /** Handles {@code request} and checks every promise; throws {@link AssertionError} for a broken one. */
  public Outcome check(HttpRequest request) {
    long before = log.lastSequence();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    CompletableFuture<HttpResponse> future;
    try {
      future = worker.submit(() -> collector.handle(request)).get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("Collector.handle threw", e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("Collector.handle did not return within " + timeoutMillis + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    HttpResponse r;
    try {
      r = future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + timeoutMillis + " ms");
    } catch (ExecutionException e) {
      throw new AssertionError("the answer completed exceptionally", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    int status = r.status();
    require(status >= 200 && status < 500, "status " + status);
    for (Map.Entry<String, String> h : r.headers().entrySet()) {
      require(isHeaderText(h.getKey()) && isHeaderText(h.getValue()), "header " + h.getKey() + " holds CR, LF or NUL");
    }
    String type = r.header("Content-Type");
    JsonNode json = null;
    if (status >= 400) {
      require("application/json".equals(type), status + " answered as " + type);
      json = object(r);
      JsonNode code = json.path("error").path("code");
      require(code.isTextual() && !code.textValue().isEmpty() || json.path("rejected").size() > 0,
          status + " names no error: " + r.bodyText());
    } else if ("application/json".equals(type)) {
      json = object(r);
    } else if ("image/gif".equals(type)) {
      require(status == 200 && r.bodyText().startsWith("GIF8"), "a pixel answer that is no GIF");
    } else if (status == 302) {
      String location = r.header("Location");
      require(location != null && isHttpUrl(location), "redirect to " + location);
    } else {
      require(status == 204 && r.body().length == 0, status + " answered as " + type);
    }
    List<LogRecord> records = log.read(before, Integer.MAX_VALUE);
    require(records.size() == log.lastSequence() - before, "the log dropped events of one request");
    List<Envelope> appended = new ArrayList<>(records.size());
    for (LogRecord record : records) {
      Envelope e = record.envelope();
      Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
      require(back.equals(e), "an appended event does not read back unchanged: " + e.id());
      appended.add(e);
    }
    long counted;
    if (json != null && json.has("accepted")) {
      counted = json.path("accepted").asLong(-1) + json.path("failed").asLong(0);
    } else {
      counted = "image/gif".equals(type) || status == 302 ? 1 : 0;
    }
    require(appended.size() == counted, status + " " + r.bodyText() + " but " + appended.size() + " appended");
    return new Outcome(r, appended);
  }

  private static JsonNode object(HttpResponse r) {
    JsonNode node;
    try {
      node = Json.reader().readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("a JSON answer does not parse: " + r.bodyText(), e);
    }
    require(node != null && node.isObject(), "a JSON answer that is no object: " + r.bodyText());
    return node;
  }

  private static boolean isHeaderText(String s) {
    return s.indexOf('\r') < 0 && s.indexOf('\n') < 0 && s.indexOf('\0') < 0;
  }

  private static boolean isHttpUrl(String s) {
    try {
      URI uri = new URI(s);
      return uri.getHost() != null && ("http".equalsIgnoreCase(uri.getScheme())
          || "https".equalsIgnoreCase(uri.getScheme()));
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  /** Throws an {@link AssertionError} with {@code message} unless {@code condition}. */
  public static void require(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  /** A queue that delivers nothing: appended events stay in the log, where {@link #check} reads them. */
  private static final class KeepInLog implements Queue {
    @Override
    public void start(RingBuffer log, List<DeliveryTarget> targets, Metrics metrics) {}

    @Override
    public CompletableFuture<Void> drain(long sequence) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean deliversToSinks() {
      return false;
    }

    @Override
    public List<SinkStatus> status() {
      return List.of();
    }

    @Override
    public void close() {}
  }
}
