package dev.eventkit.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.internal.json.Json;
import dev.eventkit.testing.ControllableSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A batch that can never fit the log — more events or bytes than the log's whole capacity — is a 413 the client
 * must act on (split the batch), not a 503 it would retry forever. A batch that fits an empty log but not the
 * current one stays a 503 with Retry-After.
 */
class BatchCapacityTest {

  private static String batch(int n, int padding) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u").append(i)
          .append("\",\"properties\":{\"p\":\"").append("x".repeat(padding)).append("\"}}");
    }
    return b.append(']').toString();
  }

  private static HttpResponse post(Collector collector, String body) {
    return collector.handle(HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
        .body(body.getBytes(StandardCharsets.UTF_8)).build()).join();
  }

  @Test
  void moreEventsThanTheLogsCapacityIsA413() {
    ControllableSink sink = new ControllableSink("held");
    sink.setDown(true);
    try (Pipeline p = Pipeline.builder()
        .ringBuffer(new InMemoryRingBuffer(RetentionPolicy.builder().capacityEvents(1_000).build()))
        .sink(sink).shutdownTimeout(Duration.ofMillis(100)).build().start()) {
      Collector collector = Collector.builder(p).input(SegmentInput.create()).maxBodyBytes(4 * 1024 * 1024).build();

      HttpResponse tooBig = post(collector, batch(1_001, 0));
      assertThat(tooBig.status()).isEqualTo(413);
      assertThat(tooBig.header("Content-Type")).isEqualTo("application/json");
      assertThat(tooBig.header("Retry-After")).as("retrying cannot help").isNull();
      assertThat(Json.read(tooBig.bodyText()).at("/error/code").asText()).isEqualTo("batch_exceeds_capacity");
      assertThat(p.status().accepted()).isZero();

      // What fits an empty log but not this one is the usual 503.
      assertThat(post(collector, batch(600, 0)).status()).isEqualTo(202);
      HttpResponse full = post(collector, batch(600, 0));
      assertThat(full.status()).isEqualTo(503);
      assertThat(full.header("Retry-After")).isNotNull();
      assertThat(Json.read(full.bodyText()).at("/error/code").asText()).isEqualTo("buffer_full");
    }
  }

  @Test
  void moreBytesThanTheLogsCapacityIsA413() {
    ControllableSink sink = new ControllableSink("held");
    sink.setDown(true);
    try (Pipeline p = Pipeline.builder()
        .ringBuffer(new InMemoryRingBuffer(RetentionPolicy.builder().capacityBytes(100_000).build()))
        .sink(sink).shutdownTimeout(Duration.ofMillis(100)).build().start()) {
      Collector collector = Collector.builder(p).input(SegmentInput.create()).build();
      HttpResponse tooBig = post(collector, batch(200, 1_000));
      assertThat(tooBig.status()).isEqualTo(413);
      assertThat(Json.read(tooBig.bodyText()).at("/error/code").asText()).isEqualTo("batch_exceeds_capacity");
      assertThat(post(collector, batch(20, 1_000)).status()).isEqualTo(202);
    }
  }
}
