package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.Envelopes;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long outage of one sink under steady load: the healthy sink's delivery stays prompt, the heap stays flat (the
 * backlog waits on disk, not in memory), and the failed sink recovers every event.
 */
class SinkOutageTest {

  private static final Logger LOG = LoggerFactory.getLogger(SinkOutageTest.class);

  @TempDir
  Path dir;

  @Test
  void aLongOutageKeepsMemoryFlatAndLosesNothing() throws Exception {
    BatchEndSink healthy = new BatchEndSink("healthy");
    ControllableSink down = new ControllableSink("down", false);
    RetryPolicy retry = RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(100))
        .build();
    int batches = 600;
    int perBatch = 100;
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db")))
        .sink(healthy).sink(down).retry(retry).batchSize(200).build().start()) {
      down.setDown(true);
      long heapBefore = usedHeapAfterGc();
      long worstLatency = 0;
      long[] heap = new long[3];
      for (int b = 0; b < batches; b++) {
        List<Envelope> batch = Envelopes.tracks("o" + b + "-", perBatch);
        p.collect(batch).join();
        long accepted = System.nanoTime();
        long arrived = healthy.awaitArrival(batch.get(perBatch - 1).id(), Duration.ofSeconds(10));
        worstLatency = Math.max(worstLatency, arrived - accepted);
        if (b == batches / 3 || b == 2 * batches / 3 || b == batches - 1) {
          heap[b == batches / 3 ? 0 : b == 2 * batches / 3 ? 1 : 2] = usedHeapAfterGc();
        }
      }
      int total = batches * perBatch;
      LOG.info("outage: {} events, worst healthy latency {} ms, heap before {} MiB, during {} / {} / {} MiB",
          total, worstLatency / 1_000_000, heapBefore >> 20, heap[0] >> 20, heap[1] >> 20, heap[2] >> 20);
      assertThat(down.distinctDelivered()).isZero();
      assertThat(p.status().sinks().stream().filter(s -> s.sink().equals("down")).findFirst().orElseThrow()
          .lagEvents()).isEqualTo(total);
      assertThat(worstLatency).as("healthy sink latency").isLessThan(Duration.ofSeconds(1).toNanos());
      assertThat(healthy.delivered()).isEqualTo(total);
      // From a third of the way on, the backlog grows by 40,000 events (over 16 MiB as envelopes in memory). The
      // test itself keeps nothing per event, so the heap may grow only by a small margin: the backlog is on disk.
      assertThat(heap[2] - heap[0]).as("heap growth while the backlog grew by 40,000 events")
          .isLessThan(6L << 20);

      down.setDown(false);
      List<String> ids = new ArrayList<>(total);
      for (int b = 0; b < batches; b++) {
        Envelopes.tracks("o" + b + "-", perBatch).forEach(e -> ids.add(e.id()));
      }
      down.awaitIds(ids, Duration.ofSeconds(60));
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
    }
  }

  /** Counts deliveries and notes only when each batch's last event arrived, so that it keeps nothing per event. */
  private static final class BatchEndSink implements Sink {
    private final String name;
    private final java.util.Map<String, Long> arrivals = new java.util.HashMap<>();
    private long delivered;

    BatchEndSink(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public synchronized CompletableFuture<WriteResult> write(List<Envelope> batch) {
      long now = System.nanoTime();
      delivered += batch.size();
      for (Envelope e : batch) {
        if (e.id().endsWith("-99")) {
          arrivals.putIfAbsent(e.id(), now);
        }
      }
      notifyAll();
      return CompletableFuture.completedFuture(WriteResult.success());
    }

    synchronized long delivered() {
      return delivered;
    }

    /** Waits for the event and returns (and forgets) its arrival time. */
    synchronized long awaitArrival(String id, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!arrivals.containsKey(id)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("event " + id + " did not arrive at " + name);
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return arrivals.remove(id);
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50); // time passing, not waiting for a condition: lets the collector finish
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
