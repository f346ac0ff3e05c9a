package dev.eventkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.Collector;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.input.segment.SegmentInput;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.Envelopes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Interceptors enrich, redact, route and drop; one that throws is counted and never loses or fails an event. */
class EventInterceptorTest {

  private final InMemorySink sink = new InMemorySink("main");
  private final CountingMetrics metrics = new CountingMetrics();

  @Test
  void interceptorsRunInOrderAndCanRouteRedactAndDrop() throws Exception {
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).metrics(metrics)
        .interceptor(e -> e.id().startsWith("drop") ? null : e)
        .interceptor(e -> e.toBuilder().stream("routed").clientIp(null).build())
        .build().start()) {
      p.collect(Envelopes.tracks("keep", 3)).join();
      p.collect(Envelopes.tracks("drop", 2)).join();
      p.forceFlush().get(10, TimeUnit.SECONDS);
      assertThat(sink.envelopes()).hasSize(3).allSatisfy(e -> {
        assertThat(e.stream()).isEqualTo("routed");
        assertThat(e.clientIp()).isNull();
      });
      assertThat(metrics.snapshot()).containsEntry("dropped.default", 2L);
    }
  }

  @Test
  void aThrowingInterceptorIsCountedAndTheEventGoesOnUnchangedNeverA5xx() throws Exception {
    Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).metrics(metrics)
        .interceptor(e -> e.toBuilder().attribute("first", "yes").build())
        .interceptor(e -> {
          throw new StackOverflowError("a hook that fails badly");
        })
        .build().start();
    Collector c = Collector.builder(p).input(SegmentInput.create()).build();
    try (p) {
      HttpResponse r = c.handle(HttpRequest.builder("POST", "/collect").header("Content-Type", "application/json")
          .body("{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u\"}".getBytes(StandardCharsets.UTF_8))
          .remoteAddress("127.0.0.1").build()).get(10, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(10)).until(() -> sink.envelopes().size() == 1);
      Envelope delivered = sink.envelopes().get(0);
      assertThat(delivered.attributes()).containsEntry("first", "yes");
      assertThat(metrics.snapshot()).containsEntry("interceptor_failed.all", 1L);
    }
  }

  @Test
  void aThrowingMetricsBindingNeverTurnsAStoredBatchIntoAFailure() throws Exception {
    dev.eventkit.metrics.Metrics broken = new dev.eventkit.metrics.Metrics() {
      @Override
      public void accepted(String stream, long count) {
        throw new IllegalStateException("binding broken");
      }

      @Override
      public void rejected(String code, long count) {}

      @Override
      public void invalid(String error, long count) {}

      @Override
      public void delivered(String sink, long count) {
        throw new IllegalStateException("binding broken");
      }

      @Override
      public void retried(String sink, long count) {}

      @Override
      public void deadLettered(String sink, long count) {}
    };
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).metrics(broken)
        .build().start()) {
      p.collect(Envelopes.tracks("e", 5)).get(10, TimeUnit.SECONDS);
      p.forceFlush().get(10, TimeUnit.SECONDS);
      assertThat(sink.envelopes()).hasSize(5);
      assertThat(p.status().accepted()).isEqualTo(5);
    }
  }
}
