package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.sink.InMemorySink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk seen through the collector: appends that fail are answered 503 and stored nowhere, {@code /health}
 * says {@code failing} with 503 while they fail, and intake recovers by itself once space returns. SQLite's
 * {@code max_page_count} stands in for the disk.
 */
class FullDiskCollectorTest {

  @TempDir
  Path dir;

  private static HttpResponse post(Collector c, String id) {
    String body = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"" + id + "\",\"properties\":{"
        + "\"pad\":\"" + "x".repeat(2_000) + "\"}}";
    return c.handle(HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
        .body(body.getBytes(StandardCharsets.UTF_8)).remoteAddress("127.0.0.1").build()).join();
  }

  private static HttpResponse health(Collector c) {
    return c.handle(HttpRequest.builder("GET", "/health").remoteAddress("127.0.0.1").build()).join();
  }

  @Test
  void a503MeansNotStoredHealthSaysFailingAndIntakeRecoversWhenSpaceReturns() throws Exception {
    SqliteRingBuffer log = SqliteRingBuffer.at(dir.resolve("wal.db"));
    InMemorySink sink = new InMemorySink("s");
    Pipeline pipeline = Pipeline.builder().ringBuffer(log).sink(sink).build().start();
    Collector c = Collector.builder(pipeline).input(SegmentInput.create()).build();
    Set<String> acknowledged = new HashSet<>();
    Set<String> refused = new HashSet<>();
    try (pipeline) {
      for (int i = 0; i < 20; i++) {
        assertThat(post(c, "before-" + i).status()).isEqualTo(202);
        acknowledged.add("before-" + i);
      }
      long pages = log.limitPagesForTest(1_000_000).join();
      log.limitPagesForTest(pages + 4).join();
      int i = 0;
      HttpResponse r;
      do {
        r = post(c, "full-" + i);
        (r.status() == 202 ? acknowledged : refused).add("full-" + i);
        i++;
      } while (r.status() == 202 && i < 5_000);
      assertThat(r.status()).as("the disk fills up").isEqualTo(503);
      assertThat(Json.read(r.bodyText()).at("/error/code").asText()).isEqualTo("storage_unavailable");
      HttpResponse failing = health(c);
      assertThat(failing.status()).isEqualTo(503);
      assertThat(Json.read(failing.bodyText()).path("status").asText()).isEqualTo("failing");
      assertThat(Json.read(failing.bodyText()).at("/log/lastError").asText()).isEqualTo("SQLITE_FULL");

      log.limitPagesForTest(1_000_000).join();
      await().atMost(Duration.ofSeconds(15)).until(() -> {
        String id = "after-" + System.nanoTime();
        HttpResponse a = post(c, id);
        (a.status() == 202 ? acknowledged : refused).add(id);
        return a.status() == 202;
      });
      await().atMost(Duration.ofSeconds(15)).until(() -> health(c).status() == 200);
      pipeline.forceFlush().get(30, TimeUnit.SECONDS);
      Set<String> delivered = new HashSet<>();
      for (Envelope e : sink.envelopes()) {
        delivered.add(e.id());
      }
      assertThat(delivered).as("every 2xx is stored and delivered").containsAll(acknowledged);
      assertThat(delivered).as("no 503 was stored").doesNotContainAnyElementsOf(refused);
    }
  }
}
