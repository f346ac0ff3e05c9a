package dev.eventkit.gcp.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import dev.eventkit.gcp.bigquery.FakeBigQueryRest.InsertedJob;
import dev.eventkit.gcp.bigquery.FakeBigQueryRest.JobError;
import dev.eventkit.gcp.gcs.GcsFormat;
import dev.eventkit.gcp.gcs.GcsLayout;
import dev.eventkit.gcp.gcs.StorageClients;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.internal.json.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the warehouse loader answers the load-job outcomes of the real service, which the BigQuery emulator never
 * produces: quota, rate-limit, transient, permission, missing-table and schema errors, data errors naming an
 * object, and jobs in a regional location. BigQuery is {@link FakeBigQueryRest} (loopback, the service's payloads),
 * Cloud Storage the fake-gcs-server emulator; the loader runs the real client libraries.
 */
class LoadJobErrorsTest {

  private static final Instant DAY = Instant.parse("2026-04-10T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-04-11T06:00:00Z"), ZoneOffset.UTC);
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static Storage storage;
  private FakeBigQueryRest fake;
  private BigQuery bigQuery;
  private String bucket;
  private String dataset;
  private String state;

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
    bucket = "job-errors-" + ProcessHandle.current().pid() + "-" + n;
    dataset = "ds_errors_" + n;
    state = "_eventkit/loads/" + dataset + ".events";
    storage.create(BucketInfo.of(bucket));
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  private BigQueryLoader.Builder loader() {
    return BigQueryLoader.builder(bucket, dataset, "events").projectId(TestServers.projectId())
        .storage(storage).bigQuery(bigQuery).clock(CLOCK);
  }

  /** Data objects as the GCS sink names them (content is not read by the fake). */
  private List<String> objects(int count) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = GcsLayout.partition("events", DAY) + String.format("%016x-%d", i, i) + GcsLayout.SUFFIX;
      storage.create(BlobInfo.newBuilder(bucket, name)
          .setMetadata(Map.of(GcsFormat.METADATA_KEY, EnvelopeRow.FORMAT_NAME)).build(), new byte[] {1});
      names.add(name);
    }
    return names;
  }

  private String uri(String object) {
    return "gs://" + bucket + "/" + object;
  }

  private List<String> under(String folder) {
    List<String> out = new ArrayList<>();
    for (Blob b : storage.list(bucket, Storage.BlobListOption.prefix(state + folder)).iterateAll()) {
      out.add(b.getName().substring(state.length() + folder.length()));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"quotaExceeded", "rateLimitExceeded", "backendError", "internalError", "accessDenied",
      "notFound", "invalid"})
  void aJobFailingForAReasonOtherThanItsDataAbortsTheRunAndKeepsItsManifest(String reason) throws Exception {
    fake.dataset(dataset, "events", "US");
    List<String> objects = objects(3);
    // "invalid" without an object location: a configuration or schema problem, not one object's content.
    fake.outcome(uris -> new JobError(reason, null));

    assertThatThrownBy(() -> loader().build().runOnce()).hasMessageContaining(reason);
    assertThat(fake.inserted()).as("no job per object").hasSize(1);
    assertThat(under("/failed/")).as("no object is blamed").isEmpty();
    assertThat(under("/loaded/")).isEmpty();
    assertThat(under("/jobs/")).as("the manifest is kept for the next run").hasSize(1);

    fake.outcome(uris -> null);
    LoadReport r = loader().build().runOnce();
    assertThat(r.objectsLoaded()).isEqualTo(3);
    assertThat(r.objectsFailed()).isZero();
    assertThat(fake.inserted()).hasSize(2);
    assertThat(fake.inserted().get(1).uris()).containsExactlyInAnyOrderElementsOf(objects.stream().map(this::uri)
        .toList());
    assertThat(fake.inserted().get(1).id()).as("a new job id: a job id is used once")
        .isNotEqualTo(fake.inserted().get(0).id());
    assertThat(under("/loaded/")).containsExactlyInAnyOrderElementsOf(objects);
    assertThat(under("/jobs/")).isEmpty();
  }

  @Test
  void aDataErrorIsNarrowedDownByHalvingAndOnlyTheBadObjectIsMarkedFailed() throws Exception {
    fake.dataset(dataset, "events", "US");
    List<String> objects = objects(8);
    String bad = uri(objects.get(5));
    fake.outcome(uris -> uris.contains(bad) ? new JobError("invalid", bad) : null);

    LoadReport r = loader().build().runOnce();
    assertThat(r.objectsFailed()).isEqualTo(1);
    assertThat(r.objectsLoaded()).isEqualTo(7);
    assertThat(under("/failed/")).containsExactly(objects.get(5));
    assertThat(under("/loaded/")).hasSize(7).doesNotContain(objects.get(5));
    // 8 → 4+4 → 2+2 → 1+1: 7 jobs, where one job per object would take 9.
    assertThat(fake.inserted()).hasSize(7);
    assertLoadedOnce(objects, bad);
  }

  @Test
  void splittingIsCappedPerRunAndTheNextRunContinuesFromTheKeptManifests() throws Exception {
    fake.dataset(dataset, "events", "US");
    List<String> objects = objects(8);
    String bad = uri(objects.get(2));
    fake.outcome(uris -> uris.contains(bad) ? new JobError("invalid", bad) : null);

    LoadReport first = loader().maxSplitJobsPerRun(2).build().runOnce();
    assertThat(first.jobs()).isEqualTo(3);
    assertThat(under("/failed/")).isEmpty();
    assertThat(under("/jobs/")).as("the unfinished halves wait in manifests").isNotEmpty();

    int runs = 1;
    while (!under("/jobs/").isEmpty() && runs++ < 10) {
      loader().maxSplitJobsPerRun(2).build().runOnce();
    }
    assertThat(under("/failed/")).containsExactly(objects.get(2));
    assertThat(under("/loaded/")).hasSize(7);
    assertLoadedOnce(objects, bad);
  }

  private void assertLoadedOnce(List<String> objects, String bad) {
    Map<String, Integer> loads = new HashMap<>();
    for (InsertedJob j : fake.inserted()) {
      if (j.errorReason() == null) {
        j.uris().forEach(u -> loads.merge(u, 1, Integer::sum));
      }
    }
    for (String o : objects) {
      assertThat(loads.getOrDefault(uri(o), 0)).as(o).isEqualTo(uri(o).equals(bad) ? 0 : 1);
    }
  }

  @Test
  void jobsRunInTheDatasetsRegionAndAreLookedUpThereAlsoAfterAnInterruptedRun() throws Exception {
    fake.dataset(dataset, "events", "europe-west3");
    List<String> objects = objects(2);
    fake.outcome(uris -> new JobError("backendError", null));

    // No location configured: the loader takes the dataset's.
    assertThatThrownBy(() -> loader().build().runOnce()).hasMessageContaining("backendError");
    assertThat(fake.inserted().get(0).requestedLocation()).isEqualTo("europe-west3");
    List<String> manifests = under("/jobs/");
    assertThat(manifests).hasSize(1);
    JsonNode manifest = Json.reader().readTree(storage.readAllBytes(bucket, state + "/jobs/" + manifests.get(0)));
    assertThat(manifest.path("location").asText()).isEqualTo("europe-west3");

    fake.outcome(uris -> null);
    LoadReport r = loader().build().runOnce();
    assertThat(r.objectsLoaded()).isEqualTo(2);
    assertThat(fake.jobLookups()).as("every jobs.get names the region").containsOnly("europe-west3");
    assertThat(under("/loaded/")).containsExactlyInAnyOrderElementsOf(objects);
  }

  @Test
  void aDatasetTheLoaderCreatesIsCreatedInTheConfiguredLocation() throws Exception {
    objects(1);
    LoadReport r = loader().location("europe-west1").build().runOnce();
    assertThat(r.objectsLoaded()).isEqualTo(1);
    assertThat(fake.datasetLocation(dataset)).isEqualTo("europe-west1");
    assertThat(fake.inserted().get(0).requestedLocation()).isEqualTo("europe-west1");
  }
}
