package dev.eventkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.JdkHttpHandler;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The load driver against a real collector on a real loopback HTTP server, and its guards. */
class LoadDriverTest {

  @Test
  void refusesTargetsOffThisMachine() {
    for (String url : List.of("http://example.com/collect", "http://10.0.0.5:8080/collect",
        "http://192.168.1.20/collect", "http://8.8.8.8/collect", "http://[2001:db8::1]/collect",
        "http://localhost.example.com/collect")) {
      assertThatThrownBy(() -> LoadOptions.parse("--url", url))
          .as(url)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--url");
    }
    assertThatThrownBy(() -> LoadOptions.parse("--url", "ftp://127.0.0.1/collect"))
        .hasMessageContaining("http");
  }

  @Test
  void acceptsLoopbackTargetsAndReadsEveryOption() {
    assertThat(LoadOptions.parse("--url", "http://localhost:9/collect").url().getPort()).isEqualTo(9);
    assertThat(LoadOptions.parse("--url", "http://[::1]:9/collect").url().getHost()).isEqualTo("[::1]");
    LoadOptions o = LoadOptions.parse("--url", "http://127.0.0.2:8080/collect", "--clients", "3", "--requests",
        "7", "--batch", "5", "--max-seconds", "9");
    assertThat(o).isEqualTo(new LoadOptions(o.url(), 3, 7, 5, 9));
    assertThat(LoadOptions.parse()).isEqualTo(new LoadOptions(o.url().resolve("http://127.0.0.1:8080/collect"),
        16, 50_000, 1, 60));
  }

  @Test
  void rejectsBadOptionsByName() {
    assertThatThrownBy(() -> LoadOptions.parse("--clients", "0")).hasMessageContaining("--clients");
    assertThatThrownBy(() -> LoadOptions.parse("--batch", "many")).hasMessageContaining("--batch");
    assertThatThrownBy(() -> LoadOptions.parse("--max-seconds", "0")).hasMessageContaining("--max-seconds");
    assertThatThrownBy(() -> LoadOptions.parse("--requests")).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> LoadOptions.parse("--rate", "5")).hasMessageContaining("unknown option --rate");
  }

  @Test
  void sendsEveryRequestToARealCollectorAndCountsWhatCameBack() throws Exception {
    InMemorySink sink = new InMemorySink("memory");
    Pipeline pipeline = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).build().start();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", new JdkHttpHandler(Collector.builder(pipeline).input(SegmentInput.create()).build()));
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/collect";
      LoadResult result = LoadDriver.run(LoadOptions.parse("--url", url, "--clients", "4", "--requests", "120",
          "--batch", "3", "--max-seconds", "120"));

      assertThat(result.requests()).isEqualTo(120);
      assertThat(result.accepted()).isEqualTo(120);
      assertThat(result.outcomes().keySet()).allMatch(k -> k.startsWith("2"));
      assertThat(result.acceptedEvents()).isEqualTo(360);
      assertThat(result.stoppedByTime()).isFalse();
      assertThat(result.latenciesNanos()).hasSize(120);
      assertThat(result.latencyMillis(0.5)).isPositive().isLessThanOrEqualTo(result.latencyMillis(1.0));

      List<Envelope> got = sink.awaitCount(360, Duration.ofSeconds(30));
      Set<String> ids = got.stream().map(Envelope::id).collect(Collectors.toSet());
      assertThat(ids).as("every event carries its own message id").hasSize(360);
      assertThat(got).allMatch(e -> e.attributes().get("eventType").equals("track"));
      assertThat(result.format()).contains("sent        120 requests").contains("request count reached");
    } finally {
      server.stop(0);
      pipeline.close();
    }
  }

  @Test
  void stopsAtTheTimeLimitWhenRequestsAreLeft() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      try {
        Thread.sleep(200); // a slow, refusing server: the run can only end by its time limit
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/collect";
      long start = System.nanoTime();
      LoadResult result = LoadDriver.run(LoadOptions.parse("--url", url, "--clients", "2", "--requests",
          "1000000", "--max-seconds", "1"));
      long took = System.nanoTime() - start;

      assertThat(result.stoppedByTime()).isTrue();
      assertThat(result.requests()).isBetween(1L, 1000L);
      assertThat(result.outcomes()).containsOnlyKeys("503");
      assertThat(result.accepted()).isZero();
      assertThat(result.acceptedEvents()).isZero();
      assertThat(TimeUnit.NANOSECONDS.toSeconds(took)).as("stops by itself").isLessThan(30);
    } finally {
      server.stop(0);
    }
  }
}
