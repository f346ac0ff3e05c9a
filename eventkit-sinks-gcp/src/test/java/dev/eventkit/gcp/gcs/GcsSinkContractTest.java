package dev.eventkit.gcp.gcs;

import com.google.cloud.storage.Storage;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.testing.SinkContract;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link GcsSink} keeps eventkit-testing's sink contract against the Cloud Storage emulator: each sink writes a
 * bucket of its own, read back object by object. A short linger lets writes in flight together share an object,
 * as they do in production. A replayed batch becomes an object of the same name (its name is derived from the
 * batch), so the sink declares itself idempotent.
 */
class GcsSinkContractTest extends SinkContract<GcsSink> {

  private static final AtomicInteger BUCKETS = new AtomicInteger();
  @AutoClose
  private static Storage storage;

  @BeforeAll
  static void server() {
    TestServers.start("gcs");
    storage = StorageClients.connect(TestServers.projectId(), TestServers.get("STORAGE_EMULATOR_HOST"), null);
  }

  @Override
  protected GcsSink createSink() {
    String bucket = "gcs-contract-" + ProcessHandle.current().pid() + "-" + BUCKETS.incrementAndGet();
    return GcsSink.builder(bucket).projectId(TestServers.projectId())
        .emulatorHost(TestServers.get("STORAGE_EMULATOR_HOST")).linger(Duration.ofMillis(200)).build();
  }

  @Override
  protected List<String> deliveredIds(GcsSink sink) {
    if (storage.get(sink.bucket()) == null) {
      return List.of(); // created with the first object
    }
    return GcsSinkTest.readAll(storage, sink.bucket(), "", GcsFormat.envelopes()).stream().map(Envelope::id)
        .toList();
  }

  @Override
  protected boolean idempotent() {
    return true;
  }
}
