package dev.eventkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's eventkit-micrometer example: the code between the markers below is the README's snippet, line for
 * line (eventkit-examples' {@code ReadmeSnippetsTest} checks that), and it runs here.
 */
class ReadmeMicrometerTest {

  @TempDir
  Path dataDir;

  @Test
  void theReadmeSnippetRuns() throws Exception {
    // @formatter:off (the README quotes these lines as they are)
    // snippet: embedding-micrometer
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);   // or any MeterRegistry
    Pipeline pipeline = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.at(dataDir.resolve("wal.db")))
        .sink(new InMemorySink("app"))
        .metrics(new MicrometerMetrics(registry))             // counters: accepted, rejected, delivered, …
        .build()
        .start();
    new PipelineMeterBinder(pipeline).bindTo(registry);         // gauges: per-sink lag, the log's fill level
    Collector collector = Collector.builder(pipeline)
        .input(SegmentInput.create())
        .endpoint(new PrometheusEndpoint(registry))             // GET /metrics, Prometheus' text format
        .build();
    // end of snippet
    // @formatter:on
    try {
      collector.handle(HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
          .body("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\"}".getBytes(StandardCharsets.UTF_8)).build())
          .get(10, TimeUnit.SECONDS);
      HttpResponse scrape = collector.handle(HttpRequest.builder("GET", "/metrics").build()).get(10, TimeUnit.SECONDS);
      assertThat(scrape.status()).isEqualTo(200);
      assertThat(scrape.bodyText()).contains("eventkit_events_accepted_total{stream=\"default\"} 1.0")
          .contains("eventkit_sink_lag_events{sink=\"app\"}");
    } finally {
      pipeline.shutdown().get(30, TimeUnit.SECONDS);
    }
  }
}
