package dev.eventkit.gcp.bigquery;

import static dev.eventkit.gcp.bigquery.TypedTablesTesting.checkout;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.checkoutBroken;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.checkoutMajor;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.checkoutMinor;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.linkClick;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.mapping;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.pageView;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.payload;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.rawEvents;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.rows;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.sameJson;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.transaction;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.tables.SchemaTables;
import dev.eventkit.gcp.bigquery.tables.TypedRows;
import dev.eventkit.gcp.gcs.GcsObjects;
import dev.eventkit.gcp.gcs.GcsSink;
import dev.eventkit.gcp.gcs.StorageClients;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.schema.SchemaRegistry;
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
 * The warehouse loader splitting the GCS sink's objects by schema, against fake-gcs-server and the BigQuery
 * emulator: a load job per table, typed rows read back equal to the payloads sent, a new model in a new table, the
 * rest in the raw table unchanged, each object split and loaded once, a minor version changing a column type set
 * aside as dead letters, one needing new columns left to wait (the emulator cannot patch tables, see
 * {@link TypedTablesStreamingTest}; {@link TypedTablesEvolutionTest} shows it applied), and splitting turned off
 * loading everything raw.
 */
class TypedTablesLoaderTest {

  private static final Instant AT = Instant.parse("2026-04-10T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-04-11T06:00:00Z"), ZoneOffset.UTC);
  private static Storage storage;
  private static BigQuery bigQuery;
  private static SchemaRegistry registry;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
    storage = StorageClients.connect(TestServers.projectId(), TestServers.get("STORAGE_EMULATOR_HOST"), null);
    bigQuery = BigQueryClients.connect(TestServers.projectId(), TestServers.get("BIGQUERY_EMULATOR_HOST"), null, null);
    registry = TypedTablesTesting.registry();
  }

  @AfterAll
  static void close() throws Exception {
    storage.close();
  }

  private record Target(String prefix, String bucket, String dataset, String raw) {
    TableId table(String name) {
      return TableId.of(TestServers.projectId(), dataset, prefix + name);
    }

    TableId rawTable() {
      return TableId.of(TestServers.projectId(), dataset, raw);
    }
  }

  private static Target newTarget() {
    String t = BigQueryStreamingSinkTest.newTable("l");
    return new Target(t + "_", "typed-" + t.replace('_', '-'), "ds_" + t, t + "_raw");
  }

  private static GcsSink sink(Target t) {
    return GcsSink.builder(t.bucket).projectId(TestServers.projectId())
        .emulatorHost(TestServers.get("STORAGE_EMULATOR_HOST")).linger(Duration.ZERO)
        .format(EnvelopeRow.gcsFormat()).build();
  }

  private static BigQueryLoader.Builder loader(Target t) {
    return BigQueryLoader.builder(t.bucket, t.dataset, t.raw).projectId(TestServers.projectId()).storage(storage)
        .bigQuery(bigQuery).clock(CLOCK).schemaTables(SchemaTables.builder(bigQuery, t.dataset, registry)
            .project(TestServers.projectId()).tablePrefix(t.prefix).build());
  }

  private static void write(GcsSink sink, List<Envelope> batch) throws Exception {
    assertThat(sink.write(batch).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
  }

  private static List<Envelope> rawRows(Target t) {
    List<Envelope> out = new ArrayList<>();
    for (FieldValueList row : bigQuery.listTableData(t.rawTable(), EnvelopeRow.schema()).iterateAll()) {
      out.add(EnvelopeRow.fromFieldValues(row));
    }
    return out;
  }

  private static List<Blob> objects(Target t, String under) {
    List<Blob> out = new ArrayList<>();
    storage.list(t.bucket, Storage.BlobListOption.prefix(under)).iterateAll().forEach(out::add);
    return out;
  }

  @Test
  void splitsObjectsIntoTypedTablesWithALoadJobPerTableOnce() throws Exception {
    Target t = newTarget();
    List<Envelope> typed = List.of(pageView("pv", AT), linkClick("lc", AT.plusSeconds(1)),
        transaction("tr", AT.plusSeconds(2)), checkout("co", AT.plusSeconds(3)),
        checkoutMajor("co2", AT.plusSeconds(4)));
    List<Envelope> raw = rawEvents("raw", AT.plusSeconds(5));
    try (GcsSink sink = sink(t)) {
      write(sink, typed.subList(0, 3));
      List<Envelope> rest = new ArrayList<>(typed.subList(3, 5));
      rest.addAll(raw);
      write(sink, rest);
    }
    LoadReport first = loader(t).build().runOnce();
    // Six tables (page view, link click, transaction, checkout 1 and 2, raw), one load job each. Every source object
    // is cut into one object per table it holds events of: 3 + 3.
    assertThat(first.objectsFailed()).isZero();
    assertThat(first.jobs()).isEqualTo(6);
    assertThat(first.objectsLoaded()).isEqualTo(6);

    Map<String, String> tableOf = Map.of("pv", "com_snowplowanalytics_snowplow_page_view_1",
        "lc", "com_snowplowanalytics_snowplow_link_click_1", "tr", "com_snowplowanalytics_snowplow_transaction_1",
        "co", "com_acme_checkout_1", "co2", "com_acme_checkout_2");
    for (Envelope e : typed) {
      Map<String, ObjectNode> rows = rows(bigQuery, t.table(tableOf.get(e.id())));
      assertThat(rows).as(tableOf.get(e.id())).containsOnlyKeys(e.id());
      ObjectNode row = rows.get(e.id());
      assertThat(sameJson(payload(row, mapping(registry, e.schema())), e.payload())).as("%s: %s", e.id(), row)
          .isTrue();
      assertThat(Instant.parse(row.get(TypedRows.RECEIVED_AT).asText())).isEqualTo(e.receivedAt());
      assertThat(row.get(TypedRows.SCHEMA).asText()).isEqualTo(e.schema());
    }
    ObjectNode pv = rows(bigQuery, t.table(tableOf.get("pv"))).get("pv");
    assertThat(pv.get("contexts_com_snowplowanalytics_snowplow_web_page_1").get(0).get("id").asText())
        .isEqualTo("8a1b6a3e-0f43-4a2e-9d8e-2f6c1c1e0b01");
    ObjectNode co = rows(bigQuery, t.table("com_acme_checkout_1")).get("co");
    assertThat(co.get("delivery_date").asText()).isEqualTo("2026-03-04");
    assertThat(co.get("items").get(1).get("quantity").longValue()).isEqualTo(3);
    Field total = bigQuery.getTable(t.table("com_acme_checkout_2")).getDefinition().getSchema().getFields()
        .get("total");
    assertThat(total.getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRUCT);
    assertThat(rawRows(t)).containsExactlyInAnyOrderElementsOf(raw);

    // Each source object is marked split; a second run splits and loads nothing.
    assertThat(objects(t, "_eventkit/loads/" + t.dataset + "." + t.raw + "/routed/")).hasSize(2);
    LoadReport second = loader(t).build().runOnce();
    assertThat(second.jobs()).isZero();
    assertThat(rawRows(t)).hasSize(raw.size());
    assertThat(rows(bigQuery, t.table("com_acme_checkout_1"))).hasSize(1);
  }

  @Test
  void aChangeTheTableCannotTakeIsSetAsideAndOneItCannotTakeYetWaits() throws Exception {
    Target t = newTarget();
    try (GcsSink sink = sink(t)) {
      write(sink, List.of(checkout("v100", AT)));
    }
    assertThat(loader(t).build().runOnce().objectsLoaded()).isEqualTo(1);
    try (GcsSink sink = sink(t)) {
      write(sink, List.of(checkoutBroken("v120", AT.plusSeconds(60)), checkout("v100b", AT.plusSeconds(61))));
      write(sink, List.of(checkoutMinor("v110", AT.plusSeconds(3600))));
    }
    LoadReport r = loader(t).build().runOnce();
    assertThat(r.objectsFailed()).isZero();
    assertThat(rows(bigQuery, t.table("com_acme_checkout_1"))).containsOnlyKeys("v100", "v100b");

    String state = "_eventkit/loads/" + t.dataset + "." + t.raw;
    List<Blob> dead = objects(t, state + "/dead-letter/");
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).getMetadata().get("reason")).contains("column item_count is INT64, the schema needs "
        + "STRING");
    assertThat(GcsObjects.read(storage, BlobId.of(t.bucket, dead.get(0).getName()), EnvelopeRow.gcsFormat()))
        .extracting(Envelope::id).containsExactly("v120");
    // The 1-1-0 object is neither split nor lost: it waits for a table that can take its columns.
    assertThat(objects(t, state + "/routed/")).hasSize(2);
    assertThat(objects(t, "events/")).hasSize(3);
  }

  @Test
  void withSplittingOffEverythingGoesToTheRawTable() throws Exception {
    Target t = newTarget();
    List<Envelope> events = new ArrayList<>(List.of(pageView("pv", AT), checkout("co", AT.plusSeconds(1))));
    events.addAll(rawEvents("raw", AT.plusSeconds(2)));
    try (GcsSink sink = sink(t)) {
      write(sink, events);
    }
    LoadReport r = loader(t).splitBySchema(false).build().runOnce();
    assertThat(r.objectsLoaded()).isEqualTo(1);
    assertThat(rawRows(t)).containsExactlyInAnyOrderElementsOf(events);
    assertThat(bigQuery.getTable(t.table("com_acme_checkout_1"))).isNull();
  }

  @Test
  void aSplitRepeatedAfterACrashLoadsNothingTwice() throws Exception {
    Target t = newTarget();
    List<Envelope> events = new ArrayList<>(List.of(pageView("pv", AT), checkout("co", AT.plusSeconds(1))));
    events.addAll(rawEvents("raw", AT.plusSeconds(2)));
    try (GcsSink sink = sink(t)) {
      write(sink, events);
    }
    assertThat(loader(t).build().runOnce().objectsLoaded()).isEqualTo(3);
    // A crash after the split objects were written (and even loaded) but before the source was marked split.
    String state = "_eventkit/loads/" + t.dataset + "." + t.raw;
    List<Blob> routed = objects(t, state + "/routed/");
    assertThat(routed).hasSize(1);
    storage.delete(routed.get(0).getBlobId());

    LoadReport again = loader(t).build().runOnce();
    assertThat(again.jobs()).isZero();
    assertThat(objects(t, state + "/routed/")).hasSize(1);
    assertThat(rows(bigQuery, t.table("com_snowplowanalytics_snowplow_page_view_1"))).containsOnlyKeys("pv");
    assertThat(rows(bigQuery, t.table("com_acme_checkout_1"))).containsOnlyKeys("co");
    assertThat(rawRows(t)).hasSize(5);
  }
}
