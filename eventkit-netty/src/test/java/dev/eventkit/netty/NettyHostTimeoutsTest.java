package dev.eventkit.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.http.Collector;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Slow clients are cut off by the header, body and idle timeouts, without holding up anyone else. */
class NettyHostTimeoutsTest {

  private static final String TRACK = "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u1\"}";
  private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);

  private Pipeline pipeline;
  private NettyHost host;

  @BeforeEach
  void start() throws IOException {
    pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(new InMemorySink("events")).build()
        .start();
    host = NettyHost.builder(Collector.builder(pipeline).input(SegmentInput.create()).build()).port(0).bindAddress(
        "127.0.0.1")
        .headerTimeout(HEADER_TIMEOUT)
        .bodyTimeout(Duration.ofSeconds(1))
        .minBodyBytesPerSecond(1024)
        .idleTimeout(Duration.ofSeconds(1))
        .build().start();
  }

  @AfterEach
  void stop() {
    host.close();
    pipeline.close();
  }

  @Test
  void slowlorisConnectionsAreClosedAfterTheHeaderTimeoutWhileANormalClientKeepsGetting202s() throws Exception {
    byte[] request = ("POST /collect HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
    List<RawConnection> slow = new ArrayList<>();
    ScheduledExecutorService dripper = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int i = 0; i < 200; i++) {
        slow.add(new RawConnection(host.port()));
      }
      AtomicInteger sent = new AtomicInteger();
      // One header byte per second on every slow connection, never finishing the headers (bounded: the test ends
      // within seconds and the executor is shut down).
      long firstByte = System.nanoTime();
      dripper.scheduleAtFixedRate(() -> {
        int i = sent.getAndIncrement();
        if (i >= request.length) {
          return;
        }
        for (RawConnection c : slow) {
          try {
            c.send(new String(request, i, 1, StandardCharsets.ISO_8859_1));
          } catch (IOException closedByServer) {
            // expected once the timeout fires
          }
        }
      }, 0, 1, TimeUnit.SECONDS);

      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      int accepted = 0;
      long maxLatency = 0;
      // A normal client, while the 200 slow ones are open (the header timeout has not yet expired).
      while (System.nanoTime() - firstByte < HEADER_TIMEOUT.toNanos() - TimeUnit.MILLISECONDS.toNanos(700)) {
        long t = System.nanoTime();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + host.port() + "/collect"))
            .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(TRACK)).build(), HttpResponse.BodyHandlers.ofString());
        maxLatency = Math.max(maxLatency, System.nanoTime() - t);
        assertThat(r.statusCode()).isEqualTo(202);
        accepted++;
      }
      assertThat(host.openConnections()).as("the slow connections are still open before the timeout")
          .isGreaterThanOrEqualTo(200);
      assertThat(accepted).isGreaterThanOrEqualTo(5);
      assertThat(Duration.ofNanos(maxLatency)).isLessThan(Duration.ofSeconds(1));

      // All of them closed soon after the header timeout (checked every half second here), the normal one not.
      await().atMost(HEADER_TIMEOUT.plusSeconds(3)).until(() -> host.openConnections() <= 1);
      assertThat(Duration.ofNanos(System.nanoTime() - firstByte)).isGreaterThanOrEqualTo(HEADER_TIMEOUT);
      RawConnection.Response r = slow.get(0).read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.body()).contains("\"code\":\"request_timeout\"");
      for (RawConnection c : slow) {
        assertThat(c.closedWithin(Duration.ofSeconds(2))).isTrue();
      }
      assertThat(sent.get()).as("the slow clients were not cut off for sending too little overall")
          .isLessThan(request.length);
    } finally {
      dripper.shutdownNow();
      for (RawConnection c : slow) {
        c.close();
      }
    }
  }

  @Test
  void aBodyBelowTheMinimumRateIsCutOffAfterTheBodyTimeout() throws Exception {
    try (RawConnection c = new RawConnection(host.port())) {
      long start = System.nanoTime();
      c.send("POST /collect HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
          + "Content-Length: 100\r\n\r\n{\"type\"");

      RawConnection.Response r = c.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.header("content-type")).isEqualTo("application/json");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1))
          .isLessThan(Duration.ofSeconds(4));
      assertThat(c.closedWithin(Duration.ofSeconds(2))).isTrue();
    }
  }

  @Test
  void anIdleConnectionIsClosedAfterTheIdleTimeoutButNotWhileTheClientIsActive() throws Exception {
    try (RawConnection c = new RawConnection(host.port())) {
      // Active: a request every 400 ms for two idle timeouts keeps the connection.
      for (int i = 0; i < 5; i++) {
        c.send("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(200);
        assertThat(c.closedWithin(Duration.ofMillis(400))).isFalse();
      }
      long idleSince = System.nanoTime();
      assertThat(c.closedWithin(Duration.ofSeconds(4))).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }
  }
}
