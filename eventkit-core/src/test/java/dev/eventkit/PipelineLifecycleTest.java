package dev.eventkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** forceFlush and shutdown are futures bounded by the shutdown timeout, whatever the sinks do. */
class PipelineLifecycleTest {

  /** A sink whose writes and shutdown never complete. */
  private static final class HungSink implements Sink {
    final AtomicInteger flushes = new AtomicInteger();

    @Override
    public String name() {
      return "hung";
    }

    @Override
    public CompletableFuture<WriteResult> write(List<Envelope> batch) {
      return new CompletableFuture<>();
    }

    @Override
    public CompletableFuture<Void> flush() {
      flushes.incrementAndGet();
      return new CompletableFuture<>();
    }
  }

  @Test
  void forceFlushDeliversAndFlushesEverySinkIncludingTheDeadLetterSink() throws Exception {
    AtomicInteger deadLetterFlushes = new AtomicInteger();
    InMemorySink sink = new InMemorySink("main");
    InMemorySink dead = new InMemorySink("dead");
    Sink deadLetter = new Sink() {
      @Override
      public String name() {
        return dead.name();
      }

      @Override
      public CompletableFuture<WriteResult> write(List<Envelope> batch) {
        return dead.write(batch);
      }

      @Override
      public CompletableFuture<Void> flush() {
        deadLetterFlushes.incrementAndGet();
        return dead.flush();
      }
    };
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).deadLetterSink(deadLetter)
        .build().start()) {
      p.collect(Envelopes.tracks("e", 50)).join();
      p.forceFlush().get(10, TimeUnit.SECONDS);
      assertThat(sink.envelopes()).hasSize(50);
      assertThat(deadLetterFlushes).hasValue(1);
    }
  }

  @Test
  void forceFlushFailsWithATimeoutWhenASinkNeverAnswers() throws Exception {
    Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(new HungSink())
        .shutdownTimeout(Duration.ofMillis(300)).build().start();
    p.collect(Envelopes.track("e1")).join();
    long start = System.nanoTime();
    assertThatThrownBy(() -> p.forceFlush().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    p.shutdown().get(10, TimeUnit.SECONDS);
  }

  @Test
  void shutdownIsBoundedByTheTimeoutEvenWhenASinkHangsAndIsIdempotent() throws Exception {
    HungSink hung = new HungSink();
    Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(hung)
        .shutdownTimeout(Duration.ofMillis(300)).build().start();
    p.collect(Envelopes.tracks("e", 3)).join();
    CompletableFuture<Void> first = p.shutdown();
    assertThat(p.shutdown()).isSameAs(first);
    first.get(10, TimeUnit.SECONDS); // drain (300 ms) + sink shutdown (300 ms), then the log
    assertThat(hung.flushes).hasValue(1);
    assertThat(p.isAccepting()).isFalse();
    assertThatThrownBy(() -> p.collect(Envelopes.track("late")).join())
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(p::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeWaitsForShutdownWithABound() {
    Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(new HungSink())
        .shutdownTimeout(Duration.ofMillis(200)).build().start();
    long start = System.nanoTime();
    p.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    assertThat(p.shutdown()).isDone();
  }
}
