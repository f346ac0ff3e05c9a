package dev.eventkit.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Envelope;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.testing.ControllableSink;
import dev.eventkit.testing.Envelopes;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    ControllableSink healthy = new ControllableSink("healthy", false);
    ControllableSink down = new ControllableSink("down", false);
    RetryPolicy retry = RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(100))
        .build();
    int batches = 600;
    int perBatch = 100;
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db")))
        .sink(healthy).sink(down).retry(retry).batchSize(200).build().start()) {
      down.setDown(true);
      long heapBefore = usedHeapAfterGc();
      List<String> ids = new ArrayList<>(batches * perBatch);
      long worstLatency = 0;
      long[] heap = new long[3];
      for (int b = 0; b < batches; b++) {
        List<Envelope> batch = Envelopes.tracks("o" + b + "-", perBatch);
        batch.forEach(e -> ids.add(e.id()));
        p.collect(batch).join();
        long accepted = System.nanoTime();
        String last = batch.get(perBatch - 1).id();
        healthy.awaitIds(List.of(last), Duration.ofSeconds(10));
        worstLatency = Math.max(worstLatency, healthy.arrivalOf(last) - accepted);
        if (b == batches / 3 || b == 2 * batches / 3 || b == batches - 1) {
          heap[b == batches / 3 ? 0 : b == 2 * batches / 3 ? 1 : 2] = usedHeapAfterGc();
        }
      }
      LOG.info("outage: {} events, worst healthy latency {} ms, heap before {} MiB, during {} / {} / {} MiB",
          ids.size(), worstLatency / 1_000_000, heapBefore >> 20, heap[0] >> 20, heap[1] >> 20, heap[2] >> 20);
      assertThat(down.distinctDelivered()).isZero();
      assertThat(p.status().sinks().stream().filter(s -> s.sink().equals("down")).findFirst().orElseThrow()
          .lagEvents()).isEqualTo(ids.size());
      assertThat(worstLatency).as("healthy sink latency").isLessThan(Duration.ofSeconds(1).toNanos());
      assertThat(healthy.distinctDelivered()).isEqualTo(ids.size());
      // From a third of the way on, the backlog grows by 40,000 events (about 16 MiB as envelopes). It waits on
      // disk: the heap may grow only by the ids the test itself keeps (about 100 B an event) and a small margin.
      long keptByTest = (long) (ids.size() * 2 / 3) * 100;
      assertThat(heap[2] - heap[0]).isLessThan(keptByTest + (6L << 20));

      down.setDown(false);
      down.awaitIds(ids, Duration.ofSeconds(60));
      assertThat(p.flush(Duration.ofSeconds(10))).isTrue();
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
