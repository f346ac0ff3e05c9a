package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import dev.eventkit.gcp.gcs.GcsFormat;
import dev.eventkit.gcp.gcs.GcsLayout;
import dev.eventkit.gcp.gcs.StorageClients;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.testing.MutableClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loaders on many collectors: a scheduled run is skipped when another loader ran within the interval, so N
 * collectors make one run per interval, not N. BigQuery is {@link FakeBigQueryRest}, Cloud Storage the
 * fake-gcs-server emulator.
 */
class LoaderScheduleTest {

  private static final Instant NOW = Instant.parse("2026-04-11T06:00:00Z");
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static Storage storage;
  private FakeBigQueryRest fake;
  private BigQuery bigQuery;
  private String bucket;
  private String dataset;

  /** A clock the test moves. */

  @BeforeAll
  static void servers() {
    TestServers.start("gcs");
    storage = StorageClients.connect(TestServers.projectId(), TestServers.get("STORAGE_EMULATOR_HOST"), null);
  }

  @AfterAll
  static void closeStorage() throws Exception {
    storage.close();
  }

  @BeforeEach
  void start() throws Exception {
    fake = new FakeBigQueryRest();
    bigQuery = BigQueryClients.connect(TestServers.projectId(), fake.host(), null, null);
    int n = NAMES.incrementAndGet();
    bucket = "schedule-" + ProcessHandle.current().pid() + "-" + n;
    dataset = "ds_schedule_" + n;
    storage.create(BucketInfo.of(bucket));
    fake.dataset(dataset, "events", "US");
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private BigQueryLoader loader(Clock clock) {
    return loader(clock, storage);
  }

  private BigQueryLoader loader(Clock clock, Storage storage) {
    return BigQueryLoader.builder(bucket, dataset, "events").projectId(TestServers.projectId())
        .storage(storage).bigQuery(bigQuery).clock(clock).interval(Duration.ofMinutes(5)).maxObjectsPerJob(1)
        .build();
  }

  /** The test's Storage client, counting the list calls made through it. */
  private static Storage countingLists(AtomicInteger lists) {
    return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
        (proxy, method, args) -> {
          if (method.getName().equals("list")) {
            lists.incrementAndGet();
          }
          try {
            return method.invoke(storage, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private String objectAt(Instant receivedAt, String name) {
    String object = GcsLayout.partition("events", receivedAt) + name + GcsLayout.SUFFIX;
    storage.create(BlobInfo.newBuilder(bucket, object)
        .setMetadata(Map.of(GcsFormat.METADATA_KEY, EnvelopeRow.FORMAT_NAME)).build(), new byte[] {1});
    return object;
  }

  private void object(int i) {
    String name = GcsLayout.partition("events", NOW.minusSeconds(3600)) + String.format("%016x-s%d", i, i)
        + GcsLayout.SUFFIX;
    storage.create(BlobInfo.newBuilder(bucket, name)
        .setMetadata(Map.of(GcsFormat.METADATA_KEY, EnvelopeRow.FORMAT_NAME)).build(), new byte[] {1});
  }

  @Test
  void aScheduledRunIsSkippedWhenAnotherLoaderRanWithinTheInterval() throws Exception {
    MutableClock clock = new MutableClock(NOW);
    object(1);
    BigQueryLoader a = loader(clock);
    BigQueryLoader b = loader(clock);
    assertThat(a.runScheduled().ran()).isTrue();
    object(2);
    clock.set(NOW.plusSeconds(60));
    assertThat(b.runScheduled().ran()).as("a ran a minute ago").isFalse();
    assertThat(fake.inserted()).hasSize(1);

    clock.set(NOW.plus(Duration.ofMinutes(5)));
    LoadReport r = b.runScheduled();
    assertThat(r.ran()).isTrue();
    assertThat(r.objectsLoaded()).isEqualTo(1);
    assertThat(a.runOnce().ran()).as("an explicit run is not held back by the interval").isTrue();
  }

  @Test
  void aRunListsFromTheCheckpointAndTheDailySweepLoadsWhatWasWrittenBehindIt() throws Exception {
    MutableClock clock = new MutableClock(NOW);
    AtomicInteger lists = new AtomicInteger();
    BigQueryLoader loader = loader(clock, countingLists(lists));
    objectAt(NOW.minusSeconds(3600), "0000000000000001-first");
    assertThat(loader.runScheduled().objectsLoaded()).as("the first run sweeps every partition").isEqualTo(1);

    // Written after that run: one object in the current hour, one late into a partition three days old.
    String current = objectAt(NOW, "0000000000000002-current");
    String late = objectAt(NOW.minus(Duration.ofDays(3)), "0000000000000003-late");
    clock.set(NOW.plus(Duration.ofMinutes(5)));
    lists.set(0);
    LoadReport r = loader.runScheduled();
    assertThat(r.objectsLoaded()).as("listed from the checkpoint (04:00 today), not 7 days back").isEqualTo(1);
    // The manifests, then data and three kinds of markers for today and tomorrow: not nine days' worth (37).
    assertThat(lists.get()).isLessThanOrEqualTo(9);
    assertThat(fake.inserted()).hasSize(2);
    assertThat(fake.inserted().get(1).uris()).containsExactly("gs://" + bucket + "/" + current);

    clock.set(NOW.plus(Duration.ofDays(1)).plusSeconds(60));
    assertThat(loader.runScheduled().objectsLoaded()).as("the daily sweep finds the late object").isEqualTo(1);
    assertThat(fake.inserted().get(2).uris()).containsExactly("gs://" + bucket + "/" + late);
  }

  @Test
  void theCheckpointStaysAtTheOldestObjectARunLeftUnloaded() throws Exception {
    MutableClock clock = new MutableClock(NOW);
    BigQueryLoader loader = loader(clock);
    // A run sweeps once and sets the checkpoint (04:00), so the next ones list incrementally.
    assertThat(loader.runScheduled().ran()).isTrue();
    String a = objectAt(NOW.plusSeconds(600), "000000000000000a-quota");
    String b = objectAt(NOW.plusSeconds(600), "000000000000000b-waits");
    // Five hours later (the loader was down) a run lists both; the job of a hits the quota, which aborts the run
    // before b has a job.
    fake.outcome(uris -> uris.contains("gs://" + bucket + "/" + a)
        ? new FakeBigQueryRest.JobError("quotaExceeded", null) : null);
    clock.set(NOW.plus(Duration.ofHours(5)));
    assertThatThrownBy(loader::runScheduled).hasMessageContaining("quotaExceeded");

    // The next run lists from the hour of what was left (06:00), not from two hours before the last listing
    // (09:00): b is loaded now, not by tomorrow's sweep; a through its kept manifest.
    fake.outcome(uris -> null);
    clock.set(NOW.plus(Duration.ofHours(5)).plus(Duration.ofMinutes(5)));
    assertThat(loader.runScheduled().objectsLoaded()).isEqualTo(2);
    assertThat(fake.inserted().stream().flatMap(j -> j.uris().stream()))
        .contains("gs://" + bucket + "/" + a, "gs://" + bucket + "/" + b);
  }

  @Test
  void anObjectOlderThanTheLookbackIsLoadedByTheDailySweep() throws Exception {
    MutableClock clock = new MutableClock(NOW);
    String old = GcsLayout.partition("events", NOW.minus(Duration.ofDays(30))) + "00000000000000aa-old"
        + GcsLayout.SUFFIX;
    storage.create(BlobInfo.newBuilder(bucket, old)
        .setMetadata(Map.of(GcsFormat.METADATA_KEY, EnvelopeRow.FORMAT_NAME)).build(), new byte[] {1});
    // Another loader swept every partition an hour ago, before this object was written (a late replay).
    String past = NOW.minusSeconds(3600).toString();
    storage.create(BlobInfo.newBuilder(bucket, "_eventkit/loads/" + dataset + ".events/lease")
        .setMetadata(Map.of("owner", "other", "expires", past, "ranAt", past, "sweptAt", past)).build(),
        new byte[0]);

    BigQueryLoader loader = loader(clock);
    assertThat(loader.runScheduled().objectsLoaded()).as("outside the 7-day lookback").isZero();
    clock.set(NOW.plus(Duration.ofDays(1)));
    assertThat(loader.runScheduled().objectsLoaded()).as("the daily sweep lists every partition").isEqualTo(1);
    assertThat(fake.inserted()).singleElement().satisfies(j -> assertThat(j.uris()).containsExactly(
        "gs://" + bucket + "/" + old));
  }
}
