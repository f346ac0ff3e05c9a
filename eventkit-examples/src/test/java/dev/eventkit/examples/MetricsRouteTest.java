package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus scrape at {@code metrics.path}, read during an outage of the file sink (its directory replaced by
 * a plain file, so that every write fails even for root): the sink's lag climbs with each accepted event, then falls
 * to zero once the directory is back and the retries deliver.
 */
class MetricsRouteTest {

  @TempDir
  Path data;

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void theSinksLagMovesOnTheScrapeDuringAnOutageAndReturnsToZero() throws Exception {
    CollectorConfig config = CollectorConfig.fromEnvironment(Map.of("EVENTKIT_PORT", "0", "EVENTKIT_HOST",
        "127.0.0.1", "EVENTKIT_DATA_DIR", data.toString(), "EVENTKIT_METRICS_PATH", "/internal/metrics"));
    try (CollectorServer server = CollectorServer.start(config)) {
      String base = "http://127.0.0.1:" + server.port();
      Path events = data.resolve("events");
      Files.delete(events);
      Files.writeString(events, "not a directory");

      send(base, 20);
      await().atMost(Duration.ofSeconds(20)).until(() -> lag(base), lag -> lag >= 20);
      send(base, 15);
      await().atMost(Duration.ofSeconds(20)).until(() -> lag(base), lag -> lag >= 35);
      String scrape = scrape(base).body();
      assertThat(scrape).contains("eventkit_events_accepted_total{stream=\"web\"} 35.0")
          .contains("eventkit_sink_retried_total{sink=\"file\"}");

      Files.delete(events);
      Files.createDirectory(events);
      await().atMost(Duration.ofSeconds(60)).until(() -> lag(base), lag -> lag == 0);
      assertThat(NdjsonOutput.read(events)).hasSize(35);
      assertThat(scrape(base).body()).contains("eventkit_sink_delivered_total{sink=\"file\"} 35.0");
      // The default path serves nothing when another is configured.
      assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    }
  }

  private void send(String base, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/collect/web"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u" + i + "\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(202);
    }
  }

  private HttpResponse<String> scrape(String base) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/internal/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain; version=0.0.4");
    return r;
  }

  /** {@code eventkit_sink_lag_events{sink="file"}} from a scrape. */
  private double lag(String base) throws Exception {
    for (String line : scrape(base).body().split("\n")) {
      if (line.startsWith("eventkit_sink_lag_events{") && line.contains("sink=\"file\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no eventkit_sink_lag_events for the file sink");
  }
}
