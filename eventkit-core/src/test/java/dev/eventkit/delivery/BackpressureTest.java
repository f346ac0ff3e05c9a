package dev.eventkit.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.testing.ControllableSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The log's disk budget: a full log answers 503 with Retry-After, intake resumes by itself, nothing is lost. */
class BackpressureTest {

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"events", "bytes"})
  void aFullLogRefusesWith503AndRecoversWhenTheSinkDrains(String budget) throws Exception {
    RetentionPolicy.Builder retention = RetentionPolicy.builder();
    if (budget.equals("events")) {
      retention.capacityEvents(40);
    } else {
      retention.capacityBytes(40 * 400);
    }
    ControllableSink sink = new ControllableSink("warehouse");
    sink.setDown(true);
    CountingMetrics metrics = new CountingMetrics();
    RetryPolicy fast = RetryPolicy.builder().initialDelay(Duration.ofMillis(5)).maxDelay(Duration.ofMillis(50))
        .build();
    try (Pipeline p = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.builder(dir.resolve(budget + ".db")).retention(retention.build()).build())
        .sink(sink).retry(fast).metrics(metrics).build().start()) {
      Collector collector = Collector.builder(p).input(SegmentInput.create()).build();
      List<String> accepted = new ArrayList<>();
      HttpResponse refused = null;
      for (int i = 0; i < 200 && refused == null; i++) {
        HttpResponse r = send(collector, "e" + i);
        if (r.status() == 202) {
          accepted.add("e" + i);
        } else {
          refused = r;
        }
      }
      assertThat(refused).as("the log filled up").isNotNull();
      assertThat(refused.status()).isEqualTo(503);
      assertThat(Integer.parseInt(refused.header("Retry-After"))).isPositive();
      assertThat(Json.read(refused.bodyText()).at("/error/code").asText()).isEqualTo("buffer_full");
      assertThat(accepted).hasSizeBetween(10, 40);
      assertThat(metrics.get("rejected.buffer_full")).isEqualTo(1);
      HttpResponse health = collector.handle(HttpRequest.builder("GET", "/health").build()).join();
      assertThat(Json.read(health.bodyText()).at("/log/fill").asDouble()).isGreaterThan(0.9);

      sink.setDown(false);
      // Intake resumes by itself once the sink drains: keep offering until accepted.
      java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger(1000);
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
        String id = "late" + next.getAndIncrement();
        if (send(collector, id).status() == 202) {
          accepted.add(id);
          return true;
        }
        return false;
      });
      assertThat(accepted).last().asString().startsWith("late");
      sink.awaitIds(accepted, Duration.ofSeconds(20));
    }
  }

  private static HttpResponse send(Collector collector, String id) {
    String body = "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"" + id
        + "\",\"properties\":{\"pad\":\"" + "p".repeat(150) + "\"}}";
    return collector.handle(HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
        .body(body.getBytes(StandardCharsets.UTF_8)).build()).join();
  }
}
