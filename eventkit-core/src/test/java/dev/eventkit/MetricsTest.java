package dev.eventkit;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.ControllableSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The counters a pipeline reports: accepted, rejected, invalid, delivered, retried, dead-lettered. */
class MetricsTest {

  @Test
  void everyOutcomeIsCounted() throws Exception {
    CountingMetrics m = new CountingMetrics();
    ControllableSink sink = new ControllableSink("s");
    sink.setPoison(e -> e.id().equals("bad"));
    InMemorySink dead = new InMemorySink("dead");
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).metrics(m).sink(sink)
        .deadLetterSink(dead)
        .retry(RetryPolicy.builder().initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(5)).build())
        .validator(e -> e.id().equals("inv") ? Validation.invalid(ValidationError.PAYLOAD_INVALID, "x", List.of())
            : Validation.valid())
        .build().start()) {
      Collector c = Collector.builder(p).input(SegmentInput.create()).build();
      String body = "[{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"ok\"},"
          + "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"bad\"},"
          + "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"inv\"},"
          + "{\"type\":\"track\",\"userId\":\"u\"}]";
      c.handle(HttpRequest.builder("POST", "/collect/web").header("Content-Type", "application/json")
          .body(body.getBytes(StandardCharsets.UTF_8)).build()).join();
      c.handle(HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
          .body("{".getBytes(StandardCharsets.UTF_8)).build()).join();
      dead.awaitCount(1, Duration.ofSeconds(5));
      assertThat(flushed(p, Duration.ofSeconds(5))).isTrue();
      assertThat(m.get("accepted.web")).isEqualTo(3);
      assertThat(m.get("invalid.payload_invalid")).isEqualTo(1);
      assertThat(m.get("rejected.missing_field")).isEqualTo(1);
      assertThat(m.get("rejected.malformed_json")).isEqualTo(1);
      assertThat(m.get("delivered.s")).isEqualTo(2);
      assertThat(m.get("deadLettered.s")).isEqualTo(1);
      String health = c.handle(HttpRequest.builder("GET", "/health").build()).join().bodyText();
      assertThat(Json.read(health).at("/counters/delivered.s").asLong()).isEqualTo(2);
    }
  }

  @Test
  void everyAnsweredRequestIsTimedByMethodRouteAndStatus() throws Exception {
    List<String> requests = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Metrics timing = new Metrics() {
      @Override
      public void accepted(String stream, long count) {}

      @Override
      public void rejected(String code, long count) {}

      @Override
      public void invalid(String error, long count) {}

      @Override
      public void delivered(String sink, long count) {}

      @Override
      public void retried(String sink, long count) {}

      @Override
      public void deadLettered(String sink, long count) {}

      @Override
      public void request(String method, String route, int status, long nanos) {
        assertThat(nanos).isPositive();
        requests.add(method + " " + route + " " + status);
      }
    };
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).metrics(timing)
        .sink(new InMemorySink("s")).build().start()) {
      Collector c = Collector.builder(p).input(SegmentInput.create()).build();
      c.handle(HttpRequest.builder("POST", "/collect/web").header("Content-Type", "application/json")
          .body("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}".getBytes(StandardCharsets.UTF_8))
          .build()).join();
      c.handle(HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
          .body("{".getBytes(StandardCharsets.UTF_8)).build()).join();
      c.handle(HttpRequest.builder("GET", "/nowhere").build()).join();
      c.handle(HttpRequest.builder("GET", "/health").build()).join();
      assertThat(requests).containsExactly("POST /collect/{stream} 202", "POST /collect 400", "GET (unrouted) 404",
          "GET /health 200");
    }
  }
}
