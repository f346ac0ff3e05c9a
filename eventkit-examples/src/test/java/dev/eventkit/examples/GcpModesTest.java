package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.DatasetId;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.EnvelopeRow;
import dev.eventkit.gcp.firestore.FirestoreDocuments;
import dev.eventkit.gcp.firestore.FirestoreTesting;
import dev.eventkit.gcp.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example collector in the Python collector's Google Cloud modes, configured only by environment variables
 * and run against the emulators: Pub/Sub queue with a Firestore event store, and a Cloud Storage event store
 * loaded into BigQuery.
 */
class GcpModesTest {

  @TempDir
  Path data;

  @BeforeAll
  static void servers() {
    TestServers.start("pubsub", "firestore", "gcs", "bigquery");
  }

  private Map<String, String> baseEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("EVENTKIT_PORT", "0");
    env.put("EVENTKIT_HOST", "127.0.0.1");
    env.put("EVENTKIT_DATA_DIR", data.toString());
    env.put("GCP_PROJECT_ID", TestServers.projectId());
    env.put("PUBSUB_EMULATOR_HOST", TestServers.get("PUBSUB_EMULATOR_HOST"));
    env.put("FIRESTORE_EMULATOR_HOST", TestServers.get("FIRESTORE_EMULATOR_HOST"));
    env.put("STORAGE_EMULATOR_HOST", TestServers.get("STORAGE_EMULATOR_HOST"));
    env.put("BIGQUERY_EMULATOR_HOST", TestServers.get("BIGQUERY_EMULATOR_HOST"));
    return env;
  }

  private static Set<String> send(CollectorServer server, String stream, int count) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < count; i++) {
      String id = UUID.randomUUID().toString();
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + server.port() + "/collect/" + stream))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u" + i
              + "\",\"messageId\":\"" + id + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(202);
      ids.add(id);
    }
    return ids;
  }

  @Test
  void pubsubQueueWithAFirestoreStore() throws Exception {
    Map<String, String> env = baseEnv();
    String unique = UUID.randomUUID().toString().substring(0, 8);
    env.put("EVENTKIT_QUEUE_MODE", "pubsub");
    env.put("EVENTKIT_PUBSUB_WORKERS", "2");
    env.put("EVENTKIT_PUBSUB_TOPIC", "modes-" + unique);
    env.put("EVENTKIT_PUBSUB_SUBSCRIPTION", "modes-sub-" + unique);
    env.put("EVENTKIT_EVENT_STORE", "firestore");
    String stream = "signup" + unique;
    try (CollectorServer server = CollectorServer.start(CollectorConfig.fromEnvironment(env));
        FirestoreTesting store = FirestoreTesting.connect()) {
      Set<String> ids = send(server, stream, 20);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
        Set<String> stored = new HashSet<>();
        for (Map<String, Object> document : store.documents(FirestoreDocuments.collectionId("events_", stream))
            .values()) {
          stored.add(FirestoreDocuments.toEnvelope(document).id());
        }
        assertThat(stored).isEqualTo(ids);
      });
    }
  }

  @Test
  void cloudStorageStoreLoadedIntoBigQuery() throws Exception {
    Map<String, String> env = baseEnv();
    String unique = Long.toString(System.nanoTime() % 100_000_000);
    env.put("EVENTKIT_EVENT_STORE", "gcs");
    env.put("GCP_GCS_BUCKET", "modes-" + unique);
    env.put("GCP_BIGQUERY_DATASET", "modes_" + unique);
    env.put("GCP_BIGQUERY_TABLE", "raw_events_" + unique);
    env.put("EVENTKIT_WAREHOUSE_LOADER_INTERVAL", "1");
    // Locations: one for every service (the loader creates the dataset there), overridden for Cloud Storage.
    env.put("GCP_LOCATION", "EU");
    env.put("GCP_GCS_LOCATION", "EUROPE-WEST1");
    BigQuery bigQuery = BigQueryOptions.newBuilder().setHost(TestServers.get("BIGQUERY_EMULATOR_HOST"))
        .setProjectId(TestServers.projectId()).setCredentials(NoCredentials.getInstance()).build().getService();
    try (CollectorServer server = CollectorServer.start(CollectorConfig.fromEnvironment(env))) {
      Set<String> ids = send(server, "web", 15);
      // The loader creates the table with its first load: until then, listing it fails.
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptionsInstanceOf(BigQueryException.class).untilAsserted(() -> {
            Set<String> rows = new HashSet<>();
            for (FieldValueList row : bigQuery.listTableData(TableId.of(TestServers.projectId(), "modes_" + unique,
                "raw_events_" + unique), EnvelopeRow.schema()).iterateAll()) {
              Envelope e = EnvelopeRow.fromFieldValues(row);
              rows.add(e.id());
            }
            assertThat(rows).isEqualTo(ids);
          });
    }
    // (fake-gcs-server answers one server-wide location for every bucket, so the bucket's cannot be checked here.)
    assertThat(bigQuery.getDataset(DatasetId.of(TestServers.projectId(), "modes_" + unique)).getLocation())
        .isEqualTo("EU");
  }
}
