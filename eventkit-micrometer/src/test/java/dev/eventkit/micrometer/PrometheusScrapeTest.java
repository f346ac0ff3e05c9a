package dev.eventkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.http.Collector;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.LocalServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Prometheus scrape of a real pipeline through the core collector on the JDK HTTP server: the counters of every
 * outcome, and one sink's lag growing while it is down and falling to 0 once it recovers, while the other sink keeps
 * up.
 */
class PrometheusScrapeTest {

  @TempDir
  Path dir;

  @Test
  void lagGrowsDuringASinkOutageAndFallsToZeroAfterRecovery() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ControllableSink flaky = new ControllableSink("flaky");
    InMemorySink steady = new InMemorySink("steady");
    Pipeline pipeline = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db")))
        .metrics(new MicrometerMetrics(registry)).sink(flaky).sink(steady)
        .retry(RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(50)).build())
        .build().start();
    new PipelineMeterBinder(pipeline, Duration.ZERO).bindTo(registry);
    Collector collector = Collector.builder(pipeline).input(SegmentInput.create())
        .endpoint(new PrometheusEndpoint(registry)).build();
    try (LocalServer server = new LocalServer(collector)) {
      HttpResponse<String> first = server.get("/metrics");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Content-Type")).hasValue(PrometheusEndpoint.CONTENT_TYPE);
      assertThat(value(first.body(), "eventkit_sink_lag_events", "flaky")).isEqualTo(0);

      flaky.setDown(true);
      send(server, 5);
      await().atMost(Duration.ofSeconds(10)).until(() -> steady.envelopes().size() == 5);
      String during = server.get("/metrics").body();
      assertThat(value(during, "eventkit_sink_lag_events", "flaky")).isEqualTo(5);
      assertThat(value(during, "eventkit_sink_lag_events", "steady")).isEqualTo(0);
      send(server, 3);
      await().atMost(Duration.ofSeconds(10)).until(() -> steady.envelopes().size() == 8);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> value(server.get("/metrics").body(), "eventkit_sink_lag_seconds", "flaky") > 0);
      String later = server.get("/metrics").body();
      assertThat(value(later, "eventkit_sink_lag_events", "flaky")).isEqualTo(8);
      assertThat(value(later, "eventkit_log_unconsumed_events", null)).isEqualTo(8);
      assertThat(value(later, "eventkit_log_unconsumed_bytes", null)).isGreaterThan(0);
      assertThat(value(later, "eventkit_sink_retried_total", "flaky")).isGreaterThan(0);
      assertThat(value(later, "eventkit_events_accepted_total", "default")).isEqualTo(8);

      flaky.setDown(false);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> value(server.get("/metrics").body(), "eventkit_sink_lag_events", "flaky") == 0);
      String after = server.get("/metrics").body();
      assertThat(value(after, "eventkit_sink_lag_seconds", "flaky")).isEqualTo(0);
      assertThat(value(after, "eventkit_sink_delivered_total", "flaky")).isEqualTo(8);
      assertThat(value(after, "eventkit_sink_delivered_total", "steady")).isEqualTo(8);
      assertThat(flaky.distinctDelivered()).isEqualTo(8);
    } finally {
      pipeline.shutdown().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyCounterIsScraped() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ControllableSink sink = new ControllableSink("s");
    sink.setPoison(e -> e.id().equals("bad"));
    InMemorySink dead = new InMemorySink("dead");
    Pipeline pipeline = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db")))
        .metrics(new MicrometerMetrics(registry)).sink(sink).deadLetterSink(dead)
        .retry(RetryPolicy.builder().initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(5)).build())
        .validator(e -> e.id().equals("inv") ? Validation.invalid(ValidationError.PAYLOAD_INVALID, "x", List.of())
            : Validation.valid())
        .interceptor(e -> {
          if (e.id().equals("boom")) {
            throw new IllegalStateException("interceptor failure");
          }
          return e.id().equals("drop") ? null : e;
        })
        .build().start();
    new PipelineMeterBinder(pipeline).bindTo(registry);
    Collector collector = Collector.builder(pipeline).input(SegmentInput.create())
        .endpoint(new PrometheusEndpoint(registry)).build();
    try (LocalServer server = new LocalServer(collector)) {
      String body = "[" + track("ok") + "," + track("bad") + "," + track("inv") + "," + track("boom") + ","
          + track("drop") + ",{\"type\":\"track\",\"userId\":\"u\"}]";
      assertThat(server.post("/collect/web", "application/json", body).statusCode()).isEqualTo(202);
      assertThat(server.post("/collect", "application/json", "{").statusCode()).isEqualTo(400);
      dead.awaitCount(1, Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(10)).until(() -> value(server.get("/metrics").body(),
          "eventkit_sink_delivered_total", "s") == 3);
      String text = server.get("/metrics").body();
      assertThat(value(text, "eventkit_events_accepted_total", "web")).isEqualTo(4);
      assertThat(value(text, "eventkit_events_invalid_total", "payload_invalid")).isEqualTo(1);
      assertThat(value(text, "eventkit_events_rejected_total", "missing_field")).isEqualTo(1);
      assertThat(value(text, "eventkit_events_rejected_total", "malformed_json")).isEqualTo(1);
      assertThat(value(text, "eventkit_events_dropped_total", "web")).isEqualTo(1);
      assertThat(value(text, "eventkit_interceptor_failures_total", null)).isEqualTo(1);
      assertThat(value(text, "eventkit_sink_dead_lettered_total", "s")).isEqualTo(1);
      assertThat(value(text, "eventkit_log_fill_ratio", null)).isBetween(0.0, 1.0);
      assertThat(text).contains("# TYPE eventkit_sink_lag_seconds gauge");
      assertThat(text).containsPattern(
          "eventkit_http_requests_seconds_count\\{method=\"POST\",route=\"/collect/\\{stream}\",status=\"202\"} 1");
      assertThat(text).containsPattern(
          "eventkit_http_requests_seconds_count\\{method=\"POST\",route=\"/collect\",status=\"400\"} 1");
      assertThat(text).containsPattern(
          "eventkit_http_requests_seconds_count\\{method=\"GET\",route=\"/metrics\",status=\"200\"} [1-9]");
    } finally {
      pipeline.shutdown().get(30, TimeUnit.SECONDS);
    }
  }

  private static String track(String id) {
    return "{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"" + id + "\"}";
  }

  private static void send(LocalServer server, int count) throws Exception {
    for (int i = 0; i < count; i++) {
      assertThat(server.post("/collect", "application/json", track("e" + System.nanoTime())).statusCode())
          .isEqualTo(202);
    }
  }

  /** The value of one sample: {@code name}, with the only tag's value {@code tag} (null: a sample without tags). */
  private static double value(String scrape, String name, String tag) {
    String labels = tag == null ? "" : "\\{[a-z_]+=\"" + Pattern.quote(tag) + "\"\\}";
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + labels + " (\\S+)$").matcher(scrape);
    assertThat(m.find()).as("%s{%s} in the scrape:%n%s", name, tag, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
