package dev.eventkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** close(): intake stops at once, in-flight deliveries drain within the timeout, the rest waits in the log. */
class PipelineShutdownTest {

  @TempDir
  Path dir;

  @Test
  void closeDrainsWhatItCanAndLeavesTheRestForTheNextStart() throws Exception {
    Path wal = dir.resolve("wal.db");
    CountDownLatch slowStarted = new CountDownLatch(1);
    InMemorySink slowInner = new InMemorySink("slow");
    Sink slow = new Sink() {
      @Override
      public String name() {
        return "slow";
      }

      @Override
      public CompletableFuture<WriteResult> write(List<Envelope> batch) {
        slowStarted.countDown();
        return CompletableFuture.supplyAsync(() -> {
          try {
            Thread.sleep(100); // a slow destination: the shutdown timeout must cut its drain short
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return slowInner.write(batch).join();
        });
      }
    };
    Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(wal)).sink(slow).batchSize(10)
        .shutdownTimeout(Duration.ofMillis(250)).build().start();
    p.collect(Envelopes.tracks("d", 200)).join();
    slowStarted.await();
    long t0 = System.nanoTime();
    p.close();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(p.collect(Envelopes.track("after")).isCompletedExceptionally()).isTrue();
    int drained = slowInner.envelopes().size();
    assertThat(drained).isGreaterThan(0).isLessThan(200);

    InMemorySink next = new InMemorySink("slow");
    // The restarted pipeline only has to run (and be closed) while its sink is read.
    Pipeline again = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(wal)).sink(next).build().start();
    try (again) {
      List<Envelope> rest = next.awaitCount(200 - drained, Duration.ofSeconds(10));
      java.util.Set<String> all = new java.util.HashSet<>();
      slowInner.envelopes().forEach(e -> all.add(e.id()));
      rest.forEach(e -> all.add(e.id()));
      assertThat(all).hasSize(200);
    }
  }
}
