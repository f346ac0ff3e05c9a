package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.LoadJobConfiguration;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.gcs.GcsFormat;
import dev.eventkit.gcp.gcs.GcsLayout;
import dev.eventkit.gcp.gcs.GcsSink;
import dev.eventkit.gcp.gcs.StorageClients;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.internal.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GCS objects written by the GCS sink, loaded into BigQuery by the loader (fake-gcs-server and the BigQuery
 * emulator, which reads gs:// objects from it): each object loaded once, row counts and contents match, a second
 * run loads nothing, interrupted runs are finished without a second load, refused and foreign objects are kept
 * apart, and only one loader works at a time.
 */
class BigQueryLoaderTest {

  private static final Instant DAY1 = Instant.parse("2026-04-10T22:30:00.123456Z");
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-04-12T06:00:00Z"), ZoneOffset.UTC);
  private static Storage storage;
  private static BigQuery bigQuery;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
    storage = StorageClients.connect(TestServers.projectId(), TestServers.get("STORAGE_EMULATOR_HOST"), null);
    bigQuery = BigQueryClients.connect(TestServers.projectId(), TestServers.get("BIGQUERY_EMULATOR_HOST"), null, null);
  }

  @AfterAll
  static void close() throws Exception {
    storage.close();
  }

  private record Target(String bucket, String dataset, String table) {
    TableId id() {
      return TableId.of(TestServers.projectId(), dataset, table);
    }
  }

  private static Target newTarget() {
    String t = BigQueryStreamingSinkTest.newTable("loaded");
    return new Target("loader-" + t.replace('_', '-'), "ds_" + t, t);
  }

  private static GcsSink rowSink(Target t) {
    return GcsSink.builder(t.bucket).projectId(TestServers.projectId())
        .emulatorHost(TestServers.get("STORAGE_EMULATOR_HOST")).linger(Duration.ZERO)
        .format(EnvelopeRow.gcsFormat()).build();
  }

  private static BigQueryLoader loader(Target t) {
    // The clock stands still while the tests write events received up to two days before it: objects that late
    // are found by a run only within lateArrival of its checkpoint (else by the daily sweep, LoaderScheduleTest).
    return BigQueryLoader.builder(t.bucket, t.dataset, t.table).projectId(TestServers.projectId())
        .storage(storage).bigQuery(bigQuery).clock(CLOCK).lateArrival(Duration.ofDays(3)).build();
  }

  private static void write(GcsSink sink, List<Envelope> batch) throws Exception {
    assertThat(sink.write(batch).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
  }

  private static List<Envelope> rows(Target t) {
    List<Envelope> out = new ArrayList<>();
    for (FieldValueList row : bigQuery.listTableData(t.id(), EnvelopeRow.schema()).iterateAll()) {
      out.add(EnvelopeRow.fromFieldValues(row));
    }
    return out;
  }

  private static List<String> dataObjects(Target t) {
    List<String> out = new ArrayList<>();
    for (Blob b : storage.list(t.bucket, Storage.BlobListOption.prefix("events/")).iterateAll()) {
      out.add(b.getName());
    }
    return out;
  }

  @Test
  void loadsEachObjectOnceWithMatchingRowsAndASecondRunLoadsNothing() throws Exception {
    Target t = newTarget();
    // 22:30 on day 1 onwards: the batches span three hour partitions over two days.
    List<Envelope> events = BigQueryStreamingSinkTest.envelopes("l", 12, DAY1);
    List<Envelope> more = BigQueryStreamingSinkTest.envelopes("m", 3, DAY1.plusSeconds(5400));
    try (GcsSink sink = rowSink(t)) {
      write(sink, events.subList(0, 5));
      write(sink, events.subList(5, 12));
      int objects = dataObjects(t).size();
      assertThat(objects).isGreaterThanOrEqualTo(2);

      LoadReport first = loader(t).runOnce();
      assertThat(first.ran()).isTrue();
      assertThat(first.objectsLoaded()).isEqualTo(objects);
      assertThat(first.objectsFailed()).isZero();
      assertThat(rows(t)).containsExactlyInAnyOrderElementsOf(events);

      LoadReport second = loader(t).runOnce();
      assertThat(second.objectsLoaded()).isZero();
      assertThat(second.jobs()).isZero();
      assertThat(rows(t)).hasSize(12);

      write(sink, more);
      LoadReport third = loader(t).runOnce();
      assertThat(third.objectsLoaded()).isEqualTo(dataObjects(t).size() - objects);
      List<Envelope> all = new ArrayList<>(events);
      all.addAll(more);
      assertThat(rows(t)).containsExactlyInAnyOrderElementsOf(all);
    }
    assertThat(storage.get(t.bucket, "_eventkit/loads/" + t.dataset + "." + t.table + "/lease").getMetadata())
        .as("the lease is released (expires at once) after each run, noting when it ran")
        .containsEntry("expires", CLOCK.instant().toString()).containsEntry("ranAt", CLOCK.instant().toString());
  }

  @Test
  void aRunInterruptedAfterItsJobFinishedIsCompletedWithoutLoadingAgain() throws Exception {
    Target t = newTarget();
    List<Envelope> events = BigQueryStreamingSinkTest.envelopes("i", 4, DAY1.plusSeconds(600));
    try (GcsSink sink = rowSink(t)) {
      write(sink, events.subList(0, 2));
      write(sink, events.subList(2, 4));
    }
    List<String> objects = dataObjects(t);
    assertThat(objects).hasSize(2);
    String state = "_eventkit/loads/" + t.dataset + "." + t.table;
    // The state a crashed loader leaves: it had created the table and written two manifests; the first job ran
    // to completion (its rows are in), the second was never created; no marker was written.
    EventsTables.ensure(bigQuery, t.id(), null);
    String done = "eventkit_load_done_" + t.table;
    String never = "eventkit_load_never_" + t.table;
    manifest(t, state, done, objects.get(0));
    manifest(t, state, never, objects.get(1));
    bigQuery.create(JobInfo.newBuilder(LoadJobConfiguration.newBuilder(t.id(),
        "gs://" + t.bucket + "/" + objects.get(0), FormatOptions.json()).build())
        .setJobId(JobId.of(TestServers.projectId(), done)).build());
    assertThat(rows(t)).hasSize(2);

    LoadReport resumed = loader(t).runOnce();
    assertThat(resumed.jobs()).isEqualTo(2);
    assertThat(resumed.objectsLoaded()).isEqualTo(2);
    assertThat(rows(t)).as("the finished job is not run again").containsExactlyInAnyOrderElementsOf(events);
    assertThat(storage.list(t.bucket, Storage.BlobListOption.prefix(state + "/jobs/")).iterateAll())
        .as("manifests are removed once their markers are written").isEmpty();
    assertThat(storage.get(t.bucket, state + "/loaded/" + objects.get(0)).getMetadata()).containsEntry("job", done);
    assertThat(storage.get(t.bucket, state + "/loaded/" + objects.get(1)).getMetadata()).containsEntry("job", never);
    assertThat(loader(t).runOnce().objectsLoaded()).isZero();
    assertThat(rows(t)).hasSize(4);
  }

  private static void manifest(Target t, String state, String job, String object) {
    ObjectNode m = Json.object();
    m.put("job", job);
    m.putArray("objects").add(object);
    storage.create(BlobInfo.newBuilder(t.bucket, state + "/jobs/" + job + ".json").build(),
        Json.write(m).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void anObjectBigQueryRefusesIsMarkedFailedWhileTheOthersLoad() throws Exception {
    Target t = newTarget();
    List<Envelope> events = BigQueryStreamingSinkTest.envelopes("f", 4, DAY1.plusSeconds(1200));
    try (GcsSink sink = rowSink(t)) {
      write(sink, events.subList(0, 2));
      write(sink, events.subList(2, 4));
    }
    // Named to sort first: the emulator loads a job's objects one by one and keeps the rows of those before a
    // failing one (real load jobs are atomic), which would duplicate them when the loader retries one by one.
    String bad = GcsLayout.partition("events", DAY1) + "0000000000000000-broken" + GcsLayout.SUFFIX;
    storage.create(BlobInfo.newBuilder(t.bucket, bad)
        .setMetadata(Map.of(GcsFormat.METADATA_KEY, EnvelopeRow.FORMAT_NAME)).build(),
        "{\"event_id\": this is not json\n".getBytes(StandardCharsets.UTF_8));

    LoadReport r = loader(t).runOnce();
    assertThat(r.objectsLoaded()).isEqualTo(2);
    assertThat(r.objectsFailed()).isEqualTo(1);
    assertThat(rows(t)).containsExactlyInAnyOrderElementsOf(events);
    Blob marker = storage.get(t.bucket, "_eventkit/loads/" + t.dataset + "." + t.table + "/failed/" + bad);
    assertThat(marker).isNotNull();
    assertThat(marker.getMetadata()).containsKey("reason");

    LoadReport again = loader(t).runOnce();
    assertThat(again.jobs()).isZero();
    assertThat(rows(t)).hasSize(4);
  }

  @Test
  void objectsInAnotherFormatAreSkippedAndReported() throws Exception {
    Target t = newTarget();
    try (GcsSink envelopes = GcsSink.builder(t.bucket).projectId(TestServers.projectId())
        .emulatorHost(TestServers.get("STORAGE_EMULATOR_HOST")).linger(Duration.ZERO).build()) {
      assertThat(envelopes.format()).isEqualTo(GcsFormat.envelopes());
      write(envelopes, BigQueryStreamingSinkTest.envelopes("x", 2, DAY1));
    }
    LoadReport r = loader(t).runOnce();
    assertThat(r.objectsSkipped()).isEqualTo(1);
    assertThat(r.objectsLoaded()).isZero();
    assertThat(rows(t)).isEmpty();
  }

  @Test
  void onlyTheLoaderHoldingTheLeaseWorksAndAnExpiredLeaseIsTakenOver() throws Exception {
    Target t = newTarget();
    try (GcsSink sink = rowSink(t)) {
      write(sink, BigQueryStreamingSinkTest.envelopes("k", 2, DAY1));
    }
    String lease = "_eventkit/loads/" + t.dataset + "." + t.table + "/lease";
    storage.create(BlobInfo.newBuilder(t.bucket, lease)
        .setMetadata(Map.of("owner", "other", "expires", CLOCK.instant().plusSeconds(600).toString())).build(),
        new byte[0]);
    assertThat(loader(t).runOnce().ran()).isFalse();
    assertThat(bigQuery.getTable(t.id())).as("a skipped run touches nothing").isNull();

    storage.create(BlobInfo.newBuilder(t.bucket, lease)
        .setMetadata(Map.of("owner", "other", "expires", CLOCK.instant().minusSeconds(1).toString())).build(),
        new byte[0]);
    LoadReport r = loader(t).runOnce();
    assertThat(r.ran()).isTrue();
    assertThat(r.objectsLoaded()).isEqualTo(1);
    assertThat(rows(t)).hasSize(2);
  }

  @Test
  void builderNamesWhatIsWrong() {
    assertThatThrownBy(() -> BigQueryLoader.builder("b", "d", "t").statePrefix("events/state").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("statePrefix");
    assertThatThrownBy(() -> BigQueryLoader.builder("b", "d", "t").maxObjectsPerJob(20_000).build())
        .hasMessageContaining("maxObjectsPerJob");
    assertThatThrownBy(() -> BigQueryLoader.builder("b", "d", "t").bigQuery(bigQuery).emulatorHost("x:1").build())
        .isInstanceOf(IllegalStateException.class);
  }
}
