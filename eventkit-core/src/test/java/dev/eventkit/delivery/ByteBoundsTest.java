package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.InMemoryRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.Sink;
import dev.eventkit.sink.WriteResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batches and read-ahead are bounded by bytes as well as by events, so large events cannot exhaust the heap. */
class ByteBoundsTest {

  private static final int MIB = 1024 * 1024;

  @TempDir
  Path dir;

  static Envelope large(String id, int payloadChars) {
    return Envelope.builder().id(id).protocol("test")
        .payloadJson("{\"blob\":\"" + "x".repeat(payloadChars) + "\"}").build();
  }

  /** Records each batch's payload bytes and how much is handed over but not yet completed; completes later. */
  static final class SlowRecordingSink implements Sink {
    final List<Long> batchBytes = new ArrayList<>();
    final List<Integer> batchSizes = new ArrayList<>();
    final AtomicLong outstanding = new AtomicLong();
    final AtomicLong maxOutstanding = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    final ScheduledExecutorService completer = Executors.newSingleThreadScheduledExecutor();

    @Override
    public String name() {
      return "large";
    }

    @Override
    public synchronized CompletableFuture<WriteResult> write(List<Envelope> batch) {
      long bytes = 0;
      for (Envelope e : batch) {
        bytes += e.payloadJson().length();
      }
      batchBytes.add(bytes);
      batchSizes.add(batch.size());
      long now = outstanding.addAndGet(bytes);
      maxOutstanding.accumulateAndGet(now, Math::max);
      CompletableFuture<WriteResult> result = new CompletableFuture<>();
      long b = bytes;
      completer.schedule(() -> {
        outstanding.addAndGet(-b);
        delivered.addAndGet(batch.size());
        result.complete(WriteResult.success());
      }, 30, TimeUnit.MILLISECONDS);
      return result;
    }

    @Override
    public void close() {
      completer.shutdownNow();
    }
  }

  @Test
  void withDefaultSettingsBatchesAndDataInFlightAreBoundedByBytes() throws Exception {
    SlowRecordingSink sink = new SlowRecordingSink();
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).build()) {
      // The backlog is in the log before delivery starts, as after an outage: 40 events of 1 MiB.
      p.start();
      List<Envelope> backlog = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        backlog.add(large("big" + i, MIB));
      }
      p.collect(backlog).join();
      assertThat(flushed(p, Duration.ofSeconds(30))).isTrue();
      assertThat(sink.delivered.get()).isEqualTo(40);
      synchronized (sink) {
        // Defaults: batches of at most 4 MiB, at most 16 MiB handed to a sink and not yet completed.
        assertThat(sink.batchBytes).allSatisfy(b -> assertThat(b).isLessThanOrEqualTo(4L * MIB));
        assertThat(sink.maxOutstanding.get()).isLessThanOrEqualTo(16L * MIB);
      }
    }
  }

  @Test
  void anEventLargerThanABatchTravelsAlone() throws Exception {
    SlowRecordingSink sink = new SlowRecordingSink();
    try (Pipeline p = Pipeline.builder().ringBuffer(new InMemoryRingBuffer()).sink(sink).batchBytes(MIB).build()
        .start()) {
      List<Envelope> events = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        events.add(large("small" + i, 100_000));
      }
      events.add(3, large("huge", 3 * MIB));
      p.collect(events).join();
      assertThat(flushed(p, Duration.ofSeconds(30))).isTrue();
      synchronized (sink) {
        assertThat(sink.delivered.get()).isEqualTo(7);
        int huge = sink.batchBytes.indexOf(sink.batchBytes.stream().max(Long::compare).orElseThrow());
        assertThat(sink.batchSizes.get(huge)).isEqualTo(1);
        assertThat(sink.batchBytes.get(huge)).isGreaterThan(3L * MIB);
        for (int i = 0; i < sink.batchBytes.size(); i++) {
          if (i != huge) {
            assertThat(sink.batchBytes.get(i)).isLessThanOrEqualTo(MIB);
          }
        }
      }
    }
  }

  @Test
  void aBacklogOfLargeEventsIsDeliveredInASmallHeap() throws Exception {
    // 160 events of 1 MiB waiting in the log, delivered with the default batch (500 events) and workers (4) by a
    // JVM of 96 MiB heap: reading them 500 at a time would need 160 MiB at once.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx96m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), LargeBacklogMain.class.getName(),
        dir.resolve("wal.db").toString(), "160", Integer.toString(MIB))
        .redirectErrorStream(true).start();
    StringBuilder output = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        output.append(line).append('\n');
      }
    }
    assertThat(child.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(output.toString()).isZero();
    assertThat(output.toString()).contains("delivered 160");
  }
}
