package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.TrackMessage;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.security.WriteKeys;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.LocalServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment's own {@code analytics-java} library, pointed at the collector: through a sink outage that fills the log
 * and so a period of 503s (the library retries, and every event it sent reaches the sink); and against the example
 * collector configured with a write key, sending with that key (events arrive) and with another (401, nothing
 * stored).
 */
class SegmentClientTest {

  @TempDir
  Path dir;

  @Test
  void everyEventSurvivesASinkOutageAndA503Period() throws Exception {
    ControllableSink warehouse = new ControllableSink("warehouse");
    warehouse.setDown(true);
    CountingMetrics metrics = new CountingMetrics();
    Set<String> sent = ConcurrentHashMap.newKeySet();
    Set<String> failed = ConcurrentHashMap.newKeySet();
    try (Pipeline pipeline = Pipeline.builder()
        .ringBuffer(SqliteRingBuffer.builder(dir.resolve("wal.db"))
            .retention(RetentionPolicy.builder().capacityEvents(25).build()).build())
        .sink(warehouse)
        .retry(RetryPolicy.builder().initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(200)).build())
        .metrics(metrics)
        .build().start();
        LocalServer server = new LocalServer(Collector.builder(pipeline).input(SegmentInput.create()).build())) {

      Analytics analytics = Analytics.builder("test-write-key")
          .endpoint("http://127.0.0.1:" + server.port())
          .flushQueueSize(10)
          .flushInterval(1, TimeUnit.SECONDS)
          .retries(10)
          .callback(new Callback() {
            @Override
            public void success(Message message) {
              sent.add(message.messageId());
            }

            @Override
            public void failure(Message message, Throwable throwable) {
              failed.add(message.messageId());
            }
          })
          .build();
      for (int i = 0; i < 60; i++) {
        if (i % 10 == 0) {
          analytics.enqueue(IdentifyMessage.builder().userId("user-" + i).traits(Map.of("plan", "pro")));
        } else {
          analytics.enqueue(TrackMessage.builder("Order Completed").userId("user-" + i)
              .properties(Map.of("total", i, "currency", "EUR")));
        }
      }
      analytics.flush();

      // The sink is down, so the log fills and the collector starts answering 503.
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
        assertThat(metrics.get("rejected.buffer_full")).as("503s answered while the log was full").isPositive();
      });

      // The sink comes back; the library's own backoff (15 s base) brings the refused batches again.
      warehouse.setDown(false);
      await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
        assertThat(sent.size() + failed.size()).as("messages the library settled").isEqualTo(60);
      });
      analytics.shutdown();

      assertThat(failed).as("messages the library gave up on").isEmpty();
      assertThat(sent).hasSize(60);
      warehouse.awaitIds(sent, Duration.ofSeconds(30));
      List<Envelope> one = warehouse.delivered().stream().filter(e -> e.payloadJson().contains("Order Completed"))
          .limit(1).toList();
      assertThat(one.get(0).protocol()).isEqualTo("segment");
      assertThat(one.get(0).payload().at("/properties/currency").asText()).isEqualTo("EUR");
      assertThat(one.get(0).payload().at("/context/library/name").asText()).isEqualTo("analytics-java");
    }
  }

  private static final String WRITE_KEY = "wk_shop_7Qm2xP9vLr4T";

  /** The example collector with one write key, configured as its SHA-256 digest (no plain key at rest). */
  private CollectorServer securedCollector(Path data) throws Exception {
    Path keys = Files.writeString(dir.resolve("write-keys"), "# the shop's backend\n"
        + "sha256:" + WriteKeys.sha256Hex(WRITE_KEY) + " name=shop paths=/v1/* streams=default\n");
    return CollectorServer.start(CollectorConfig.fromEnvironment(Map.of(
        "EVENTKIT_PORT", "0", "EVENTKIT_HOST", "127.0.0.1", "EVENTKIT_DATA_DIR", data.toString(),
        "EVENTKIT_WRITE_KEYS_FILE", keys.toString())));
  }

  private static Analytics client(CollectorServer server, String key, Set<String> sent, Set<String> failed) {
    return Analytics.builder(key)
        .endpoint("http://127.0.0.1:" + server.port())
        .flushQueueSize(5)
        .flushInterval(1, TimeUnit.SECONDS)
        .retries(1)
        .callback(new Callback() {
          @Override
          public void success(Message message) {
            sent.add(message.messageId());
          }

          @Override
          public void failure(Message message, Throwable throwable) {
            failed.add(message.messageId());
          }
        })
        .build();
  }

  @Test
  void analyticsJavaWithTheConfiguredWriteKeyDeliversThroughTheExampleCollector() throws Exception {
    Set<String> sent = ConcurrentHashMap.newKeySet();
    Set<String> failed = ConcurrentHashMap.newKeySet();
    Path data = dir.resolve("data");
    try (CollectorServer server = securedCollector(data)) {
      Analytics analytics = client(server, WRITE_KEY, sent, failed);
      for (int i = 0; i < 10; i++) {
        analytics.enqueue(TrackMessage.builder("Order Completed").userId("user-" + i)
            .properties(Map.of("total", i)));
      }
      analytics.flush();
      await().atMost(Duration.ofSeconds(30)).until(() -> sent.size() + failed.size() == 10);
      analytics.shutdown();
      assertThat(failed).isEmpty();

      await().atMost(Duration.ofSeconds(10)).until(() -> NdjsonOutput.read(data.resolve("events")).size() == 10);
      List<Envelope> stored = NdjsonOutput.read(data.resolve("events"));
      assertThat(stored).extracting(Envelope::id).containsExactlyInAnyOrderElementsOf(sent);
      assertThat(stored.get(0).payload().at("/context/library/name").asText()).isEqualTo("analytics-java");
      for (Path f : Files.list(data.resolve("events")).toList()) {
        assertThat(Files.readString(f)).doesNotContain(WRITE_KEY);
      }
    }
  }

  @Test
  void aWrongWriteKeyIsAnswered401AndNothingIsStored() throws Exception {
    Set<String> sent = ConcurrentHashMap.newKeySet();
    Set<String> failed = ConcurrentHashMap.newKeySet();
    Path data = dir.resolve("data");
    try (CollectorServer server = securedCollector(data)) {
      Analytics analytics = client(server, "wk_shop_wrong", sent, failed);
      for (int i = 0; i < 5; i++) {
        analytics.enqueue(TrackMessage.builder("Order Completed").userId("user-" + i));
      }
      analytics.flush();
      await().atMost(Duration.ofSeconds(30)).until(() -> failed.size() == 5);
      analytics.shutdown();
      assertThat(sent).isEmpty();

      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/v1/track"))
          .header("Content-Type", "application/json")
          .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
              "wk_shop_wrong:".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"x\",\"userId\":\"u\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
      assertThat(Json.read(r.body()).at("/error/code").asText()).isEqualTo("unauthorized");
      assertThat(r.body()).doesNotContain("wk_shop_wrong");

      assertThat(server.pipeline().status().log().lastSequence()).as("events appended to the log").isZero();
      assertThat(NdjsonOutput.read(data.resolve("events"))).isEmpty();
    }
  }
}
