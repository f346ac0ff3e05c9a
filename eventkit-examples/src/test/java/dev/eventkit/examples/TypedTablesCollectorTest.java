package dev.eventkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.cloud.NoCredentials;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.BigQueryOptions;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.gcp.bigquery.EnvelopeRow;
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
 * The example collector's own traffic split into typed tables by the warehouse loader (on by default, configured
 * only by environment variables, against fake-gcs-server and the BigQuery emulator): Snowplow page views and
 * transactions land in tables typed from Snowplow's schemas, Segment events (no schema) in the raw table.
 *
 * <p>The emulator keeps one table namespace across datasets, so a second run against the same emulator finds the
 * typed tables of the first: the assertions look for this run's events only.
 */
class TypedTablesCollectorTest {

  @TempDir
  Path data;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
  }

  private static HttpResponse<String> send(CollectorServer server, HttpRequest.Builder request) throws Exception {
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(CollectorServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private static Map<String, FieldValueList> byId(BigQuery bigQuery, TableId table) {
    Map<String, FieldValueList> out = new HashMap<>();
    if (bigQuery.getTable(table) == null) {
      return out;
    }
    Schema schema = bigQuery.getTable(table).getDefinition().getSchema();
    for (FieldValueList row : bigQuery.listTableData(table, schema).iterateAll()) {
      out.put(row.get("event_id").getStringValue(), row);
    }
    return out;
  }

  @Test
  void snowplowTrafficLandsInTablesTypedFromItsSchemas() throws Exception {
    String unique = Long.toString(System.nanoTime() % 100_000_000);
    String dataset = "typed_" + unique;
    String rawTable = "raw_events_" + unique;
    Map<String, String> env = new HashMap<>();
    env.put("EVENTKIT_PORT", "0");
    env.put("EVENTKIT_HOST", "127.0.0.1");
    env.put("EVENTKIT_DATA_DIR", data.toString());
    env.put("GCP_PROJECT_ID", TestServers.projectId());
    env.put("STORAGE_EMULATOR_HOST", TestServers.get("STORAGE_EMULATOR_HOST"));
    env.put("BIGQUERY_EMULATOR_HOST", TestServers.get("BIGQUERY_EMULATOR_HOST"));
    env.put("EVENTKIT_EVENT_STORE", "gcs");
    env.put("GCP_GCS_BUCKET", "typed-" + unique);
    env.put("GCP_BIGQUERY_DATASET", dataset);
    env.put("GCP_BIGQUERY_TABLE", rawTable);
    env.put("EVENTKIT_WAREHOUSE_LOADER_INTERVAL", "1");
    BigQuery bigQuery = BigQueryOptions.newBuilder().setHost(TestServers.get("BIGQUERY_EMULATOR_HOST"))
        .setProjectId(TestServers.projectId()).setCredentials(NoCredentials.getInstance()).build().getService();
    String pv = UUID.randomUUID().toString();
    String tr = UUID.randomUUID().toString();
    try (CollectorServer server = CollectorServer.start(CollectorConfig.fromEnvironment(env))) {
      assertThat(send(server, HttpRequest.newBuilder(uri(server, "/i?e=pv&eid=" + pv
          + "&p=web&tv=js-3.0.0&url=https%3A%2F%2Fshop.example%2Fp&page=Product")).GET()).statusCode())
          .isEqualTo(200);
      assertThat(send(server, HttpRequest.newBuilder(uri(server, "/i?e=tr&eid=" + tr
          + "&p=web&tv=js-3.0.0&tr_id=o-" + unique + "&tr_tt=99.5&tr_tx=19.9&tr_cu=EUR")).GET()).statusCode())
          .isEqualTo(200);
      Set<String> segment = new HashSet<>();
      for (int i = 0; i < 3; i++) {
        String id = UUID.randomUUID().toString();
        assertThat(send(server, HttpRequest.newBuilder(uri(server, "/collect/web"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"track\",\"event\":\"Signed Up\",\"userId\":\"u"
                + i + "\",\"messageId\":\"" + id + "\"}"))).statusCode()).isEqualTo(202);
        segment.add(id);
      }
      String project = TestServers.projectId();
      TableId views = TableId.of(project, dataset, "com_snowplowanalytics_snowplow_page_view_1");
      TableId sales = TableId.of(project, dataset, "com_snowplowanalytics_snowplow_transaction_1");
      // Tables appear with the loader's first run after the GCS sink wrote: until then, reading them fails.
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .ignoreExceptionsInstanceOf(BigQueryException.class).untilAsserted(() -> {
            Map<String, FieldValueList> v = byId(bigQuery, views);
            assertThat(v).containsKey(pv);
            assertThat(v.get(pv).get("page_url").getStringValue()).isEqualTo("https://shop.example/p");
            assertThat(v.get(pv).get("page_title").getStringValue()).isEqualTo("Product");
            Map<String, FieldValueList> s = byId(bigQuery, sales);
            assertThat(s).containsKey(tr);
            assertThat(s.get(tr).get("tr_total").getDoubleValue()).isEqualTo(99.5);
            assertThat(s.get(tr).get("tr_tax").getDoubleValue()).isEqualTo(19.9);
            assertThat(s.get(tr).get("tr_orderid").getStringValue()).isEqualTo("o-" + unique);
            Set<String> raw = new HashSet<>();
            for (FieldValueList row : bigQuery.listTableData(TableId.of(project, dataset, rawTable),
                EnvelopeRow.schema()).iterateAll()) {
              raw.add(EnvelopeRow.fromFieldValues(row).id());
            }
            assertThat(raw).isEqualTo(segment);
          });
      assertThat(bigQuery.getTable(sales).getDefinition().getSchema().getFields().get("tr_total").getType()
          .getStandardType()).isEqualTo(StandardSQLTypeName.FLOAT64);
    }
  }
}
