package dev.eventkit.gcp.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.storage.Storage;
import dev.eventkit.Envelope;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.gcp.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fake-gcs-server stopped mid-stream and started again, under a real pipeline (SQLite log, retry policy): the
 * dispatcher's retries carry every event collected during and after the outage into GCS exactly once. The
 * emulator keeps data in memory, so it comes back empty (its bucket too): what it held before the outage is
 * checked before the stop, and the sink must re-create the bucket on demand.
 */
class GcsSinkOutageTest {

  @TempDir
  Path dir;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
  }

  private static List<Envelope> envelopes(String prefix, int count) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    List<Envelope> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(Envelope.builder().id(prefix + "-" + i).protocol("segment").receivedAt(now)
          .payloadJson("{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"i\":" + i + "}").build());
    }
    return out;
  }

  private static List<String> ids(List<Envelope> envelopes) {
    return envelopes.stream().map(Envelope::id).toList();
  }

  private static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  private static List<String> storedIds(Storage storage, String bucket) {
    if (storage.get(bucket) == null) {
      return List.of();
    }
    return ids(GcsSinkTest.readAll(storage, bucket, "events/", GcsFormat.envelopes()));
  }

  @Test
  void retriesCarryDeliveryThroughAStoppedAndRestartedServer() throws Exception {
    String bucket = "gcs-outage-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100_000;
    Storage storage = StorageClients.connect(TestServers.projectId(), TestServers.get("STORAGE_EMULATOR_HOST"), null);
    GcsSink sink = GcsSink.builder(bucket).projectId(TestServers.projectId())
        .emulatorHost(TestServers.get("STORAGE_EMULATOR_HOST")).linger(Duration.ofMillis(100)).build();
    RetryPolicy retry = RetryPolicy.builder().initialDelay(Duration.ofMillis(100)).maxDelay(Duration.ofSeconds(1))
        .build();
    try (Pipeline p = Pipeline.builder().ringBuffer(SqliteRingBuffer.at(dir.resolve("wal.db"))).sink(sink, retry)
        .batchSize(25).build().start()) {
      List<Envelope> before = envelopes("before", 30);
      p.collect(before).join();
      await(() -> storedIds(storage, bucket).size() == 30, Duration.ofSeconds(30), "the first events are stored");
      assertThat(storedIds(storage, bucket)).containsExactlyInAnyOrderElementsOf(ids(before));

      List<Envelope> during = envelopes("during", 60);
      TestServers.stop("gcs");
      try {
        for (int i = 0; i < during.size(); i += 10) {
          p.collect(during.subList(i, i + 10)).join();
        }
        await(() -> {
          SinkStatus s = p.status().sinks().get(0);
          return s.retried() > 0 && s.lagEvents() > 0;
        }, Duration.ofSeconds(30), "the sink retries against the stopped server");
      } finally {
        TestServers.start("gcs");
      }
      List<Envelope> after = envelopes("after", 20);
      p.collect(after).join();
      assertThat(p.flush(Duration.ofSeconds(60))).as("everything delivered after the restart").isTrue();

      List<String> expected = new ArrayList<>(ids(during));
      expected.addAll(ids(after));
      assertThat(storedIds(storage, bucket)).as("each event once, none lost")
          .containsExactlyInAnyOrderElementsOf(expected);
      assertThat(p.status().sinks().get(0).lastError()).contains("GCS");
    } finally {
      storage.close();
    }
  }
}
