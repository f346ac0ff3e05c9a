package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.delivery.Dispatcher;
import dev.eventkit.internal.delivery.SinkDelivery;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Faults of user-supplied code on the delivery path — a sink returning no future, throwing an {@link Error}, a
 * metrics implementation or a filter that throws — are retried and shown in the sink's status, never a silent stall.
 */
class DeliveryFaultsTest {

  private static final RetryPolicy FAST = RetryPolicy.builder().initialDelay(Duration.ofMillis(1))
      .maxDelay(Duration.ofMillis(20)).build();

  /** A sink that answers with {@code fault} while {@code failing} is set, and delivers to {@code inner} after. */
  private static Sink faulty(String name, InMemorySink inner, AtomicBoolean failing,
      Function<List<Envelope>, CompletableFuture<WriteResult>> fault) {
    return new Sink() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public CompletableFuture<WriteResult> write(List<Envelope> batch) {
        return failing.get() ? fault.apply(batch) : inner.write(batch);
      }
    };
  }

  private static SinkStatus statusOf(Pipeline p) {
    return p.status().sinks().get(0);
  }

  @Test
  void aSinkReturningNoFutureIsRetriedAndShownAsRetrying() throws Exception {
    InMemorySink inner = new InMemorySink("inner");
    AtomicBoolean failing = new AtomicBoolean(true);
    Sink sink = faulty("nulls", inner, failing, batch -> null);
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).sink(sink).build()
        .start()) {
      p.collect(Envelopes.tracks("n", 3)).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(p).state() != SinkState.OK);
      SinkStatus during = statusOf(p);
      assertThat(during.state()).isIn(SinkState.RETRYING, SinkState.FAILING);
      assertThat(during.lastError()).isNotNull();
      assertThat(during.retried()).isPositive();
      failing.set(false);
      assertThat(inner.awaitCount(3, Duration.ofSeconds(10))).extracting(Envelope::id)
          .containsExactly("n0", "n1", "n2");
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
      assertThat(statusOf(p).state()).isEqualTo(SinkState.OK);
    }
  }

  @Test
  void aSinkThrowingAnErrorIsRetriedAndItsClassShown() throws Exception {
    InMemorySink inner = new InMemorySink("inner");
    AtomicBoolean failing = new AtomicBoolean(true);
    Sink sink = faulty("errors", inner, failing, batch -> {
      throw new ExceptionInInitializerError("driver failed to load");
    });
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).sink(sink).build()
        .start()) {
      p.collect(Envelopes.tracks("e", 2)).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(p).retried() >= 4);
      assertThat(statusOf(p).state()).isIn(SinkState.RETRYING, SinkState.FAILING);
      assertThat(statusOf(p).lastError()).isEqualTo(ExceptionInInitializerError.class.getName());
      failing.set(false);
      assertThat(inner.awaitCount(2, Duration.ofSeconds(10))).hasSize(2);
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void aSinkFailingItsFutureWithAnErrorIsRetried() throws Exception {
    InMemorySink inner = new InMemorySink("inner");
    AtomicBoolean failing = new AtomicBoolean(true);
    Sink sink = faulty("failed-futures", inner, failing,
        batch -> CompletableFuture.failedFuture(new StackOverflowError()));
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).sink(sink).build()
        .start()) {
      p.collect(Envelopes.tracks("f", 2)).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(p).retried() >= 4);
      failing.set(false);
      assertThat(inner.awaitCount(2, Duration.ofSeconds(10))).hasSize(2);
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void theLastErrorNamesTheExceptionClassAndNeverItsMessage() throws Exception {
    InMemorySink inner = new InMemorySink("inner");
    AtomicBoolean failing = new AtomicBoolean(true);
    Sink sink = faulty("leaky", inner, failing, batch -> CompletableFuture.failedFuture(
        new IllegalStateException("cannot store {\"email\":\"someone@example.com\"}")));
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).sink(sink).build()
        .start()) {
      p.collect(Envelopes.tracks("l", 1)).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(p).lastError() != null);
      assertThat(statusOf(p).lastError()).isEqualTo(IllegalStateException.class.getName())
          .doesNotContain("example.com");
      failing.set(false);
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
    }
  }

  @Test
  void aThrowingMetricsImplementationDoesNotStallDelivery() throws Exception {
    CountingMetrics counting = new CountingMetrics();
    Metrics throwing = new Metrics() {
      @Override
      public void accepted(String stream, long count) {
        counting.accepted(stream, count);
      }

      @Override
      public void rejected(String code, long count) {}

      @Override
      public void invalid(String error, long count) {}

      @Override
      public void delivered(String sink, long count) {
        throw new IllegalStateException("metrics backend unavailable");
      }

      @Override
      public void retried(String sink, long count) {
        throw new NoClassDefFoundError("io/metrics/Counter");
      }

      @Override
      public void deadLettered(String sink, long count) {
        throw new IllegalStateException("metrics backend unavailable");
      }
    };
    InMemorySink inner = new InMemorySink("inner");
    AtomicInteger calls = new AtomicInteger();
    Sink flaky = faulty("flaky", inner, new AtomicBoolean(true), batch -> calls.incrementAndGet() <= 2
        ? CompletableFuture.failedFuture(new java.io.IOException("reset")) : inner.write(batch));
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).metrics(throwing)
        .sink(flaky).batchSize(4).build().start()) {
      for (int i = 0; i < 5; i++) {
        p.collect(Envelopes.tracks("m" + i + "-", 4)).join();
      }
      assertThat(inner.awaitCount(20, Duration.ofSeconds(10))).hasSize(20);
      assertThat(flushed(p, Duration.ofSeconds(10))).as("every batch completes; the cursor moves").isTrue();
      assertThat(statusOf(p).delivered()).isEqualTo(20);
      assertThat(statusOf(p).lagEvents()).isZero();
    }
  }

  @Test
  void aDeadLetterSinkThrowingAnErrorIsRetriedUntilItAccepts() throws Exception {
    InMemorySink deadInner = new InMemorySink("dead-inner");
    AtomicBoolean deadFailing = new AtomicBoolean(true);
    Sink dead = faulty("dead", deadInner, deadFailing, batch -> {
      throw new AssertionError("dead-letter sink bug");
    });
    Sink refusing = faulty("refusing", null, new AtomicBoolean(true), batch -> CompletableFuture.completedFuture(
        WriteResult.failed(dev.eventkit.sink.Failure.permanent("bad row"))));
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).sink(refusing)
        .deadLetterSink(dead).build().start()) {
      p.collect(Envelopes.tracks("d", 1)).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(p).state() != SinkState.OK);
      assertThat(flushed(p, Duration.ofMillis(200))).isFalse();
      deadFailing.set(false);
      assertThat(deadInner.awaitCount(1, Duration.ofSeconds(10))).extracting(Envelope::id).containsExactly("d0");
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
      assertThat(statusOf(p).deadLettered()).isEqualTo(1);
    }
  }

  @Test
  void aThrowingFilterNeitherSkipsNorStallsTheCursor() throws Exception {
    InMemoryRingBuffer log = new InMemoryRingBuffer();
    InMemorySink sink = new InMemorySink("filtered");
    DeliveryTarget target = new DeliveryTarget(sink, e -> {
      if (e.id().equals("t1")) {
        throw new IllegalArgumentException("filter bug");
      }
      return true;
    }, FAST, null, 10);
    ScheduledExecutorService lane = Executors.newSingleThreadScheduledExecutor();
    try {
      SinkDelivery delivery = new SinkDelivery(target, lane, Duration.ofSeconds(5), Clock.systemUTC(),
          Metrics.noop());
      Dispatcher d = new Dispatcher(log, "filtered", delivery, 2, lane, Clock.systemUTC());
      log.append(Envelopes.tracks("t", 3)).join();
      d.start();
      // An event the filter cannot judge is delivered rather than dropped: at least once, never silently lost.
      assertThat(sink.awaitCount(3, Duration.ofSeconds(10))).extracting(Envelope::id)
          .containsExactly("t0", "t1", "t2");
      await().atMost(Duration.ofSeconds(10)).until(() -> d.committed() == 3);
      d.stop();
    } finally {
      lane.shutdownNow();
    }
  }
}
