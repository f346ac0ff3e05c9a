package dev.eventkit.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.metrics.Metrics;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Draining is a future completed when the cursors' commits land; closing is bounded even when sinks hang. */
class QueueDrainTest {

  private static final RetryPolicy FAST = RetryPolicy.builder().initialDelay(Duration.ofMillis(1))
      .maxDelay(Duration.ofMillis(20)).build();

  /** Completes its writes only when told to. */
  static final class GatedSink implements Sink {
    final List<CompletableFuture<WriteResult>> pending = new ArrayList<>();
    final InMemorySink inner = new InMemorySink("inner");

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public synchronized CompletableFuture<WriteResult> write(List<Envelope> batch) {
      CompletableFuture<WriteResult> f = new CompletableFuture<>();
      f.thenRun(() -> inner.write(batch));
      pending.add(f);
      return f;
    }

    synchronized void releaseAll() {
      pending.forEach(f -> f.complete(WriteResult.success()));
      pending.clear();
    }
  }

  private static DeliveryTarget target(Sink sink) {
    return new DeliveryTarget(sink, e -> true, FAST, null, 10);
  }

  @Test
  void drainIsAFutureCompletedWhenTheCommitLands() throws Exception {
    InMemoryRingBuffer log = new InMemoryRingBuffer();
    GatedSink gated = new GatedSink();
    InMemorySink quick = new InMemorySink("quick");
    AsyncQueue queue = AsyncQueue.create();
    try {
      queue.start(log, List.of(target(gated), target(quick)), Metrics.noop());
      long last = log.append(Envelopes.tracks("d", 25)).join();
      CompletableFuture<Void> drained = queue.drain(last);
      quick.awaitCount(25, Duration.ofSeconds(10));
      assertThat(drained).as("the gated sink has not delivered yet").isNotDone();
      gated.releaseAll();
      // Later batches were read after the first ones completed: release until everything went through.
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        gated.releaseAll();
        return drained.isDone();
      });
      drained.get(1, TimeUnit.SECONDS);
      assertThat(gated.inner.envelopes()).hasSize(25);
      assertThat(queue.drain(last)).as("already there").isCompleted();
    } finally {
      queue.close();
    }
  }

  @Test
  void aDrainPendingWhenTheQueueClosesFailsRatherThanHanging() throws Exception {
    InMemoryRingBuffer log = new InMemoryRingBuffer();
    GatedSink gated = new GatedSink();
    AsyncQueue queue = AsyncQueue.create();
    queue.start(log, List.of(target(gated)), Metrics.noop());
    long last = log.append(Envelopes.tracks("c", 3)).join();
    CompletableFuture<Void> drained = queue.drain(last);
    assertThatThrownBy(() -> queue.drain(last).get(100, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    queue.close();
    await().atMost(Duration.ofSeconds(5)).until(drained::isDone);
    assertThat(drained).isCompletedExceptionally();
  }

  @Test
  void closeIsBoundedEvenWhenSinksNeverReturnFromWrite() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    List<DeliveryTarget> targets = new ArrayList<>();
    CountDownLatch entered = new CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      String name = "stuck" + i;
      targets.add(target(new Sink() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public CompletableFuture<WriteResult> write(List<Envelope> batch) {
          entered.countDown();
          while (true) {
            try {
              never.await();
              return CompletableFuture.completedFuture(WriteResult.success());
            } catch (InterruptedException ignored) {
              // A sink stuck in a call that ignores interrupts.
            }
          }
        }
      }));
    }
    InMemoryRingBuffer log = new InMemoryRingBuffer();
    AsyncQueue queue = AsyncQueue.builder().closeTimeout(Duration.ofMillis(300)).build();
    try {
      queue.start(log, targets, Metrics.noop());
      log.append(Envelopes.tracks("s", 1)).join();
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      queue.close();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    } finally {
      never.countDown();
    }
  }
}
