package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import dev.eventkit.gcp.gcs.GcsFormat;
import dev.eventkit.gcp.gcs.GcsLayout;
import dev.eventkit.gcp.gcs.StorageClients;
import dev.eventkit.gcp.testing.TestServers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
  private static final class MovableClock extends Clock {
    volatile Instant now = NOW;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

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
    return BigQueryLoader.builder(bucket, dataset, "events").projectId(TestServers.projectId())
        .storage(storage).bigQuery(bigQuery).clock(clock).interval(Duration.ofMinutes(5)).maxObjectsPerJob(1)
        .build();
  }

  private void object(int i) {
    String name = GcsLayout.partition("events", NOW.minusSeconds(3600)) + String.format("%016x-s%d", i, i)
        + GcsLayout.SUFFIX;
    storage.create(BlobInfo.newBuilder(bucket, name)
        .setMetadata(Map.of(GcsFormat.METADATA_KEY, EnvelopeRow.FORMAT_NAME)).build(), new byte[] {1});
  }

  @Test
  void aScheduledRunIsSkippedWhenAnotherLoaderRanWithinTheInterval() throws Exception {
    MovableClock clock = new MovableClock();
    object(1);
    BigQueryLoader a = loader(clock);
    BigQueryLoader b = loader(clock);
    assertThat(a.runScheduled().ran()).isTrue();
    object(2);
    clock.now = NOW.plusSeconds(60);
    assertThat(b.runScheduled().ran()).as("a ran a minute ago").isFalse();
    assertThat(fake.inserted()).hasSize(1);

    clock.now = NOW.plus(Duration.ofMinutes(5));
    LoadReport r = b.runScheduled();
    assertThat(r.ran()).isTrue();
    assertThat(r.objectsLoaded()).isEqualTo(1);
    assertThat(a.runOnce().ran()).as("an explicit run is not held back by the interval").isTrue();
  }

  @Test
  void anObjectOlderThanTheLookbackIsLoadedByTheDailySweep() throws Exception {
    MovableClock clock = new MovableClock();
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
    clock.now = NOW.plus(Duration.ofDays(1));
    assertThat(loader.runScheduled().objectsLoaded()).as("the daily sweep lists every partition").isEqualTo(1);
    assertThat(fake.inserted()).singleElement().satisfies(j -> assertThat(j.uris()).containsExactly(
        "gs://" + bucket + "/" + old));
  }
}
