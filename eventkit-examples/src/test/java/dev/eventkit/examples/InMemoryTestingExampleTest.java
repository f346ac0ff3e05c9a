package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.sink.InMemorySink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The example for users' own tests: an in-memory log and sink, the collector called directly (no network), and
 * {@link InMemorySink#await} instead of sleeps.
 */
class InMemoryTestingExampleTest {

  @Test
  void testYourTrackingWithoutAServer() throws Exception {
    InMemorySink events = new InMemorySink("events");
    try (Pipeline pipeline = Pipeline.builder()
        .ringBuffer(new InMemoryRingBuffer())
        .sink(events)
        .build()
        .start()) {
      Collector collector = Collector.builder(pipeline).input(SegmentInput.create()).build();

      HttpResponse response = collector.handle(HttpRequest.builder("POST", "/collect/orders")
          .header("Content-Type", "application/json")
          .body("{\"type\":\"track\",\"event\":\"order_placed\",\"userId\":\"u7\",\"properties\":{\"total\":42.5}}"
              .getBytes(StandardCharsets.UTF_8))
          .build()).join();

      assertThat(response.status()).isEqualTo(202);
      List<Envelope> delivered = events.awaitCount(1, Duration.ofSeconds(5));
      assertThat(delivered.get(0).stream()).isEqualTo("orders");
      assertThat(delivered.get(0).payload().at("/properties/total").asDouble()).isEqualTo(42.5);
    }
  }
}
