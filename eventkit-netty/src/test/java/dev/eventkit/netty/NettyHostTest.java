package dev.eventkit.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.RingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The host over real loopback HTTP: the JDK client where it suffices, raw sockets where it cannot go. */
class NettyHostTest {

  private static final String TRACK = "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u1\"}";

  private final InMemorySink events = new InMemorySink("events");
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private Collector collector(RingBuffer log, int maxBodyBytes) {
    Pipeline pipeline = Pipeline.builder().ringBuffer(log).sink(events).build().start();
    toClose.add(pipeline);
    return Collector.builder(pipeline).input(SegmentInput.create()).maxBodyBytes(maxBodyBytes).build();
  }

  private NettyHost start(NettyHost.Builder builder) throws IOException {
    NettyHost host = builder.port(0).bindAddress("127.0.0.1").build().start();
    toClose.add(host);
    return host;
  }

  private HttpResponse<String> post(NettyHost host, String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port() + path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String postText(String path, String body, String... extraHeaders) {
    StringBuilder b = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n");
    for (String h : extraHeaders) {
      b.append(h).append("\r\n");
    }
    return b.append("\r\n").append(body).toString();
  }

  @Test
  void anEventIsAcceptedWith202AndDelivered() throws Exception {
    NettyHost host = start(NettyHost.builder(collector(new InMemoryRingBuffer(), 1024 * 1024)));

    HttpResponse<String> r = post(host, "/collect", TRACK);

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).contains("\"status\":\"accepted\"");
    List<Envelope> delivered = events.awaitCount(1, Duration.ofSeconds(5));
    assertThat(delivered.get(0).payload().get("event").asText()).isEqualTo("Order Completed");
    assertThat(delivered.get(0).clientIp()).isEqualTo("127.0.0.1");
    HttpResponse<String> health = client.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + host.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(host.transport()).isIn("epoll", "nio");
  }

  @Test
  void theNioTransportServesToo() throws Exception {
    NettyHost host = start(NettyHost.builder(collector(new InMemoryRingBuffer(), 1024 * 1024))
        .nativeTransport(false));

    assertThat(host.transport()).isEqualTo("nio");
    assertThat(post(host, "/collect", TRACK).statusCode()).isEqualTo(202);
  }

  @Test
  void pipelinedRequestsAreAnsweredInRequestOrderWhileTheFirstWaitsForItsCommit() throws Exception {
    GatedLog log = new GatedLog();
    NettyHost host = start(NettyHost.builder(collector(log, 1024 * 1024)));

    try (RawConnection c = new RawConnection(host.port())) {
      // The first request waits for its commit; the two after it could be answered at once, but must not be.
      c.send(postText("/collect", TRACK) + "GET /no-such-path HTTP/1.1\r\nHost: localhost\r\n\r\n"
          + "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> log.waiting() == 1);
      assertThat(c.silentFor(Duration.ofMillis(300))).as("nothing may be written before the first answer")
          .isTrue();
      log.open();

      RawConnection.Response first = c.read();
      RawConnection.Response second = c.read();
      RawConnection.Response third = c.read();
      assertThat(List.of(first.status(), second.status(), third.status())).containsExactly(202, 404, 200);
      assertThat(second.body()).contains("\"code\":\"not_found\"");
      // Still open and usable afterwards.
      assertThat(c.send(postText("/collect", TRACK)).read().status()).isEqualTo(202);
    }
  }

  @Test
  void aBodyOverTheLimitIs413JsonAndTheConnectionStaysUsable() throws Exception {
    NettyHost host = start(NettyHost.builder(collector(new InMemoryRingBuffer(), 1000)));
    String big = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"properties\":{\"p\":\"" + "x".repeat(5000)
        + "\"}}";

    HttpResponse<String> r = post(host, "/collect", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).contains("\"code\":\"body_too_large\"");
    // The host's own answers carry a request id like the collector's.
    assertThat(r.headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f]{32}");

    try (RawConnection c = new RawConnection(host.port())) {
      // Declared too long: answered at once, the body read and dropped, the next request served.
      RawConnection.Response tooLarge = c.send(postText("/collect", big)).read();
      assertThat(tooLarge.status()).isEqualTo(413);
      assertThat(tooLarge.header("content-type")).isEqualTo("application/json");
      assertThat(c.send(postText("/collect", TRACK)).read().status()).isEqualTo(202);

      // Chunked, exceeding the limit only part-way through.
      String chunk = "x".repeat(600);
      c.send("POST /collect HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n"
          + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n"
          + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");
      RawConnection.Response chunked = c.read();
      assertThat(chunked.status()).isEqualTo(413);
      assertThat(chunked.body()).contains("\"code\":\"body_too_large\"");
      assertThat(c.send(postText("/collect", TRACK)).read().status()).isEqualTo(202);
    }

    try (RawConnection c = new RawConnection(host.port())) {
      // Expect: 100-continue with a body over the limit: 413 instead of 100, then the connection closes.
      RawConnection.Response refused = c.send("POST /collect HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Type: application/json\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n").read();
      assertThat(refused.status()).isEqualTo(413);
      assertThat(refused.body()).contains("\"code\":\"body_too_large\"");
      assertThat(c.closedWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void aMalformedRequestIsJson400AndTheConnectionCloses() throws Exception {
    NettyHost host = start(NettyHost.builder(collector(new InMemoryRingBuffer(), 1024 * 1024)));

    try (RawConnection c = new RawConnection(host.port())) {
      RawConnection.Response r = c.send("POST /collect HTTP/1.1\r\nHost: localhost\r\n"
          + "Content-Length: 12\r\nContent-Length: 99\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.header("content-type")).isEqualTo("application/json");
      assertThat(r.body()).contains("\"code\":\"malformed_request\"").doesNotContain("Exception");
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.closedWithin(Duration.ofSeconds(5))).isTrue();
    }
    try (RawConnection c = new RawConnection(host.port())) {
      RawConnection.Response r = c.send("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
          .read();
      assertThat(r.status()).isEqualTo(414);
      assertThat(r.body()).contains("\"code\":\"request_line_too_long\"");
    }
    try (RawConnection c = new RawConnection(host.port())) {
      RawConnection.Response r = c.send("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: "
          + "b".repeat(20_000) + "\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(431);
      assertThat(r.body()).contains("\"code\":\"headers_too_large\"");
    }
    try (RawConnection c = new RawConnection(host.port())) {
      RawConnection.Response r = c.send("\u0001\u0002 nonsense\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.header("content-type")).isEqualTo("application/json");
    }
  }

  @Test
  void connectionsOverTheCapAreClosedAndRoomIsMadeWhenOneCloses() throws Exception {
    NettyHost host = start(NettyHost.builder(collector(new InMemoryRingBuffer(), 1024 * 1024))
        .maxConnections(3));
    List<RawConnection> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        RawConnection c = new RawConnection(host.port());
        open.add(c);
        assertThat(c.send(postText("/collect", TRACK)).read().status()).isEqualTo(202);
      }
      try (RawConnection excess = new RawConnection(host.port())) {
        assertThat(excess.closedWithin(Duration.ofSeconds(5))).isTrue();
      }
      assertThat(host.refusedConnections()).isEqualTo(1);
      // The three admitted ones still work.
      for (RawConnection c : open) {
        assertThat(c.send(postText("/collect", TRACK)).read().status()).isEqualTo(202);
      }

      open.remove(0).close();
      await().atMost(Duration.ofSeconds(10)).until(() -> host.openConnections() == 2);
      try (RawConnection again = new RawConnection(host.port())) {
        assertThat(again.send(postText("/collect", TRACK)).read().status()).isEqualTo(202);
      }
    } finally {
      for (RawConnection c : open) {
        c.close();
      }
    }
  }

  @Test
  void shutdownAnswersWhatWasReadThenClosesAndCompletes() throws Exception {
    GatedLog log = new GatedLog();
    NettyHost host = start(NettyHost.builder(collector(log, 1024 * 1024)));
    int port = host.port();

    try (RawConnection busy = new RawConnection(port); RawConnection idle = new RawConnection(port)) {
      busy.send(postText("/collect", TRACK));
      await().atMost(Duration.ofSeconds(10)).until(() -> log.waiting() == 1);

      CompletableFuture<Void> stopped = host.shutdown(Duration.ofSeconds(10));
      assertThat(idle.closedWithin(Duration.ofSeconds(5))).as("an idle connection closes at once").isTrue();
      assertThat(stopped).isNotDone();
      assertThatThrownBy(() -> new RawConnection(port).close()).as("no longer accepting")
          .isInstanceOf(IOException.class);

      log.open();
      RawConnection.Response r = busy.read();
      assertThat(r.status()).isEqualTo(202);
      assertThat(r.header("connection")).isEqualTo("close");
      stopped.get(10, TimeUnit.SECONDS);
      assertThat(busy.closedWithin(Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void startFailsWithIoExceptionWhenThePortIsTaken() throws Exception {
    NettyHost first = start(NettyHost.builder(collector(new InMemoryRingBuffer(), 1024 * 1024)));
    NettyHost second = NettyHost.builder(collector(new InMemoryRingBuffer(), 1024 * 1024))
        .bindAddress("127.0.0.1").port(first.port()).build();

    assertThatThrownBy(second::start).isInstanceOf(IOException.class).hasMessageContaining("cannot listen");
  }
}
