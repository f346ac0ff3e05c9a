package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Failure;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.Envelopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries, dead letters and batch splitting of one sink's deliveries. */
class SinkDeliveryTest {

  private static final RetryPolicy FAST = RetryPolicy.builder().initialDelay(Duration.ofMillis(1))
      .maxDelay(Duration.ofMillis(20)).build();

  @Test
  void aPoisonEventIsDeadLetteredWithItsReasonAndTheRestOfItsBatchIsDelivered() throws Exception {
    ControllableSink sink = new ControllableSink("warehouse");
    sink.setPoison(e -> e.id().equals("p5"));
    InMemorySink dead = new InMemorySink("dead");
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).sink(sink)
        .deadLetterSink(dead).batchSize(20).build().start()) {
      p.collect(Envelopes.tracks("p", 10)).join();
      Envelope letter = dead.awaitCount(1, Duration.ofSeconds(5)).get(0);
      assertThat(letter.id()).isEqualTo("p5");
      assertThat(letter.attributes()).containsEntry("deadLetter.sink", "warehouse")
          .containsEntry("deadLetter.reason", "rejected by sink: refused by destination")
          .containsKey("deadLetter.at");
      assertThat(flushed(p, Duration.ofSeconds(5))).isTrue();
      assertThat(sink.delivered()).extracting(Envelope::id)
          .containsExactlyInAnyOrder("p0", "p1", "p2", "p3", "p4", "p6", "p7", "p8", "p9");
      assertThat(p.status().sinks().get(0).deadLettered()).isEqualTo(1);
    }
  }

  @Test
  void aBatchRefusedAsAWholeIsSplitToIsolateThePoison() throws Exception {
    List<Integer> batchSizes = new ArrayList<>();
    InMemorySink delivered = new InMemorySink("inner");
    Sink wholeBatchRefuser = new Sink() {
      @Override
      public String name() {
        return "strict";
      }

      @Override
      public synchronized CompletableFuture<WriteResult> write(List<Envelope> batch) {
        batchSizes.add(batch.size());
        if (batch.stream().anyMatch(e -> e.id().equals("s13"))) {
          return CompletableFuture.completedFuture(WriteResult.failed(Failure.permanent("400 bad row")));
        }
        return delivered.write(batch);
      }
    };
    InMemorySink dead = new InMemorySink("dead");
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST)
        .sink(wholeBatchRefuser).deadLetterSink(dead).batchSize(32).build().start()) {
      p.collect(Envelopes.tracks("s", 32)).join();
      assertThat(dead.awaitCount(1, Duration.ofSeconds(5))).extracting(Envelope::id).containsExactly("s13");
      assertThat(delivered.awaitCount(31, Duration.ofSeconds(5))).hasSize(31);
      // Halving 32 → 16 → 8 → 4 → 2 → 1 isolates one event in a handful of writes, not 32.
      assertThat(batchSizes.size()).isLessThanOrEqualTo(1 + 2 * 5);
    }
  }

  @Test
  void retryableFailuresAreRetriedUntilTheyPass() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    InMemorySink inner = new InMemorySink("inner");
    Sink flaky = new Sink() {
      @Override
      public String name() {
        return "flaky";
      }

      @Override
      public CompletableFuture<WriteResult> write(List<Envelope> batch) {
        if (calls.incrementAndGet() <= 3) {
          return CompletableFuture.failedFuture(new java.io.IOException("connection reset"));
        }
        return inner.write(batch);
      }
    };
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).retry(FAST).sink(flaky).build()
        .start()) {
      p.collect(Envelopes.tracks("r", 5)).join();
      assertThat(inner.awaitCount(5, Duration.ofSeconds(5))).hasSize(5);
      assertThat(calls.get()).isEqualTo(4);
      assertThat(flushed(p, Duration.ofSeconds(5))).isTrue();
      SinkStatus s = p.status().sinks().get(0);
      assertThat(s.retried()).isEqualTo(15);
      assertThat(s.delivered()).isEqualTo(5);
    }
  }

  @Test
  void anExhaustedRetryBudgetDeadLettersTheEvents() throws Exception {
    ControllableSink sink = new ControllableSink("down");
    sink.setDown(true);
    InMemorySink dead = new InMemorySink("dead");
    RetryPolicy three = RetryPolicy.builder().initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(5))
        .maxAttempts(3).build();
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink, three)
        .deadLetterSink(dead).build().start()) {
      p.collect(Envelopes.tracks("x", 2)).join();
      List<Envelope> letters = dead.awaitCount(2, Duration.ofSeconds(5));
      assertThat(letters.get(0).attributes()).containsEntry("deadLetter.attempts", "3")
          .containsEntry("deadLetter.reason", "retry budget exhausted: sink is down");
      assertThat(sink.writeCalls()).isEqualTo(3);
      assertThat(flushed(p, Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void withoutADeadLetterSinkUndeliverableEventsAreHeldNotDropped() throws Exception {
    ControllableSink sink = new ControllableSink("held");
    sink.setPoison(e -> true);
    RetryPolicy quick = RetryPolicy.builder().initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(20))
        .build();
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink, quick).build().start()) {
      p.collect(Envelopes.tracks("h", 1)).join();
      assertThat(flushed(p, Duration.ofMillis(300))).isFalse();
      assertThat(p.status().sinks().get(0).lagEvents()).isEqualTo(1);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
          .until(() -> p.status().sinks().get(0).heldEvents() == 1);
      sink.setPoison(e -> false);
      sink.awaitIds(List.of("h0"), Duration.ofSeconds(5));
      assertThat(flushed(p, Duration.ofSeconds(5))).isTrue();
    }
  }

  @Test
  void retryDelaysGrowExponentiallyWithFullJitterAndHonourHints() {
    RetryPolicy policy = RetryPolicy.builder().initialDelay(Duration.ofMillis(100))
        .maxDelay(Duration.ofSeconds(2)).build();
    for (int i = 0; i < 200; i++) {
      assertThat(policy.delayAfter(1, null)).isBetween(Duration.ZERO, Duration.ofMillis(100));
      assertThat(policy.delayAfter(4, null)).isBetween(Duration.ZERO, Duration.ofMillis(800));
      assertThat(policy.delayAfter(30, null)).isBetween(Duration.ZERO, Duration.ofSeconds(2));
    }
    assertThat(policy.delayAfter(1, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(1));
    assertThat(policy.delayAfter(1, Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(2));
    RetryPolicy limited = RetryPolicy.builder().maxAttempts(3).maxElapsed(Duration.ofSeconds(10)).build();
    assertThat(limited.allowsAnotherAttempt(2, Duration.ofSeconds(1))).isTrue();
    assertThat(limited.allowsAnotherAttempt(3, Duration.ofSeconds(1))).isFalse();
    assertThat(limited.allowsAnotherAttempt(1, Duration.ofSeconds(11))).isFalse();
  }
}
