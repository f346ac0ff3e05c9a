package dev.eventkit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.LogRecord;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.buffer.RingBufferStats;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.input.pixel.PixelInput;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The servlet adapter in a real container, spoken to over real HTTP. The servlet is mapped below a base path
 * ({@code /eventkit/*}), as the Spring Boot starter maps it. Each container runs this contract.
 */
abstract class ServletContainerContract {

  private static final int MAX_THREADS = 4;
  private static final int MAX_BODY = 2048;

  @TempDir
  Path dir;

  private ServletContainer container;
  private Pipeline pipeline;
  private InMemorySink sink;
  private GatedRingBuffer log;
  private int port;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  abstract ServletContainer container();

  @BeforeEach
  void start() throws Exception {
    sink = new InMemorySink("memory");
    log = new GatedRingBuffer();
    pipeline = Pipeline.builder().ringBuffer(log).sink(sink).build().start();
    Collector collector = Collector.builder(pipeline).input(SegmentInput.create()).input(PixelInput.create())
        .maxBodyBytes(MAX_BODY).build();
    container = container();
    port = container.start(new EventkitServlet(collector), "/eventkit/*", MAX_THREADS, dir);
  }

  @AfterEach
  void stop() throws Exception {
    log.gate.complete(null);
    container.close();
    pipeline.close();
  }

  private HttpRequest post(String path, String body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aSegmentTrackIsAcceptedBelowTheBasePathAndDelivered() throws Exception {
    HttpResponse<String> r = send(post("/eventkit/collect/web",
        "{\"type\":\"track\",\"event\":\"Signed Up\",\"anonymousId\":\"a1\",\"messageId\":\"s-1\"}"));
    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    Envelope e = sink.awaitCount(1, Duration.ofSeconds(10)).get(0);
    assertThat(e.id()).isEqualTo("s-1");
    assertThat(e.stream()).isEqualTo("web");
    assertThat(e.clientIp()).isEqualTo("127.0.0.1");
  }

  @Test
  void anOversizedBodyIs413WithAJsonError() throws Exception {
    HttpResponse<String> big = send(post("/eventkit/collect", "{\"a\":\"" + "x".repeat(MAX_BODY * 4) + "\"}"));
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(big.body()).startsWith("{").contains("\"code\"");
    assertThat(sink.envelopes()).isEmpty();
  }

  @Test
  void badInputAndUnknownPathsGetTheCollectorsJsonAnswers() throws Exception {
    HttpResponse<String> bad = send(post("/eventkit/collect", "{\"type\":"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("\"code\":\"malformed_json\"");
    assertThat(send(post("/eventkit/elsewhere", "{}")).statusCode()).isEqualTo(404);
    HttpResponse<String> health = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/eventkit/health")).build());
    assertThat(health.statusCode()).isEqualTo(200);
  }

  @Test
  void theRawQueryReachesTheCollectorAndAStrayPercentIsKeptLiterally() throws Exception {
    String response = raw("GET /eventkit/pixel/open?page=100%&off=50%25%20off% HTTP/1.1\r\nHost: x\r\n"
        + "Connection: close\r\n\r\n", true);
    assertThat(response).startsWith("HTTP/1.1 200").contains("image/gif");
    Envelope e = sink.awaitCount(1, Duration.ofSeconds(10)).get(0);
    assertThat(e.payload().get("page").asText()).isEqualTo("100%");
    assertThat(e.payload().get("off").asText()).isEqualTo("50% off%");
  }

  @Test
  void aSlowLogHoldsNoContainerThread() throws Exception {
    // The log does not commit until the gate opens. Were a container thread held per request until its commit,
    // at most MAX_THREADS requests could reach the log; with async handling all of them do.
    log.gate = new CompletableFuture<>();
    int requests = MAX_THREADS * 4;
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      responses.add(client.sendAsync(post("/eventkit/collect",
          "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\"m-" + i + "\"}"),
          HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> log.waiting.get() == requests);
    assertThat(responses).noneMatch(CompletableFuture::isDone);
    log.gate.complete(null);
    for (CompletableFuture<HttpResponse<String>> r : responses) {
      assertThat(r.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
    }
    assertThat(sink.awaitCount(requests, Duration.ofSeconds(10))).hasSize(requests);
  }

  @Test
  void aClientThatDisconnectsBeforeTheAnswerLeavesTheServletWorking() throws Exception {
    log.gate = new CompletableFuture<>();
    String body = "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\"gone\"}";
    raw("POST /eventkit/collect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length() + "\r\n\r\n" + body, false);
    await().atMost(Duration.ofSeconds(10)).until(() -> log.waiting.get() == 1);
    log.gate.complete(null);
    // The event was stored although nobody heard the 202; the next request is served as usual.
    sink.awaitCount(1, Duration.ofSeconds(10));
    assertThat(send(post("/eventkit/collect",
        "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\"next\"}")).statusCode())
        .isEqualTo(202);
    assertThat(sink.awaitCount(2, Duration.ofSeconds(10))).extracting(Envelope::id).contains("gone", "next");
  }

  /** Sends raw bytes; reads the whole answer when {@code read}, else closes the connection at once. */
  private String raw(String request, boolean read) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read ? new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1) : "";
    }
  }

  /** An in-memory log whose appends wait for a gate: a log that commits as slowly as the test wants. */
  static final class GatedRingBuffer implements RingBuffer {
    private final InMemoryRingBuffer delegate = new InMemoryRingBuffer();
    final AtomicInteger waiting = new AtomicInteger();
    volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

    @Override
    public CompletableFuture<Long> append(List<Envelope> batch) {
      waiting.incrementAndGet();
      return gate.thenCompose(v -> delegate.append(batch));
    }

    @Override
    public List<LogRecord> read(long afterSequence, int max) {
      return delegate.read(afterSequence, max);
    }

    @Override
    public long openCursor(String consumer) {
      return delegate.openCursor(consumer);
    }

    @Override
    public CompletableFuture<Void> commit(String consumer, long upToSequence) {
      return delegate.commit(consumer, upToSequence);
    }

    @Override
    public CompletableFuture<Void> dropCursor(String consumer) {
      return delegate.dropCursor(consumer);
    }

    @Override
    public java.util.Map<String, Long> cursors() {
      return delegate.cursors();
    }

    @Override
    public long lastSequence() {
      return delegate.lastSequence();
    }

    @Override
    public void onAppend(Runnable listener) {
      delegate.onAppend(listener);
    }

    @Override
    public RingBufferStats stats() {
      return delegate.stats();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
