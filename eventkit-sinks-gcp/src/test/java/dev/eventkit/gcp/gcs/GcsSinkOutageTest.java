package dev.eventkit.gcp.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.storage.Storage;
import dev.eventkit.Pipeline;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.delivery.RetryPolicy;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.testing.OutageScenario;
import dev.eventkit.gcp.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
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

  private static List<String> storedIds(Storage storage, String bucket) {
    if (storage.get(bucket) == null) {
      return List.of();
    }
    return GcsSinkTest.readAll(storage, bucket, "events/", GcsFormat.envelopes()).stream().map(Envelope::id)
        .toList();
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
      OutageScenario.run(p, "gcs", () -> storedIds(storage, bucket), ChronoUnit.MICROS, Duration.ofSeconds(60));
      assertThat(p.status().sinks().get(0).lastError()).contains("GCS");
    } finally {
      storage.close();
    }
  }
}
