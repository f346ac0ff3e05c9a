package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.TrackMessage;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.event.Envelope;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.http.Collector;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.LocalServer;
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
 * Segment's own {@code analytics-java} library, pointed at the collector, through a sink outage that fills the log
 * and so a period of 503s: the library retries, and every event it sent reaches the sink.
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
}
