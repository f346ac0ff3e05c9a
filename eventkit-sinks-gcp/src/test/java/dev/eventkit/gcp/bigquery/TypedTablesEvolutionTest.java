package dev.eventkit.gcp.bigquery;

import static dev.eventkit.gcp.bigquery.TypedTablesTesting.checkout;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.checkoutMinor;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.mapping;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.payload;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.rows;
import static dev.eventkit.gcp.bigquery.TypedTablesTesting.sameJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.storage.Storage;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.tables.SchemaTables;
import dev.eventkit.gcp.bigquery.tables.TypedRows;
import dev.eventkit.gcp.gcs.GcsSink;
import dev.eventkit.gcp.gcs.StorageClients;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.sink.WriteResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A minor version (checkout 1-0-0 then 1-1-0) evolving its typed table in place, through the loader and the
 * streaming sink's {@code insertAll}: one table, which gained the 1-1-0 columns as NULLABLE (top-level and inside a
 * record), its 1-0-0 rows intact, the 1-1-0 rows carrying the new values, read back typed. Through the Storage
 * Write API, whose emulated stream never takes the new columns, the 1-1-0 rows wait (retryable).
 *
 * <p>The emulator cannot add a column to a table by any request (see {@link TablePatchProxy}), so the clients talk
 * to it through {@link TablePatchProxy}, which applies the {@code tables.patch} that {@code SchemaTables} sends and
 * passes everything else through: what is shown is the patch the code computes and sends, the read-back check, and
 * the emulator's storage, load jobs, streaming and queries on the evolved table. That the service adds the columns
 * in place (rather than by the proxy's re-creation) is the service's documented behaviour, not shown here. Without
 * the proxy the 1-1-0 events wait ({@link TypedTablesLoaderTest}, {@link TypedTablesStreamingTest}).
 */
class TypedTablesEvolutionTest {

  private static final Instant AT = Instant.parse("2026-04-10T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-04-11T06:00:00Z"), ZoneOffset.UTC);
  private static final List<String> NEW_COLUMNS = List.of("gift_wrap", "channel");
  private static Storage storage;
  private static BigQuery emulator;
  private static TablePatchProxy proxy;
  private static BigQuery bigQuery;
  private static SchemaRegistry registry;

  @BeforeAll
  static void servers() throws Exception {
    TestServers.start("gcs", "bigquery");
    storage = StorageClients.connect(TestServers.projectId(), TestServers.get("STORAGE_EMULATOR_HOST"), null);
    emulator = BigQueryClients.connect(TestServers.projectId(), TestServers.get("BIGQUERY_EMULATOR_HOST"), null,
        null);
    proxy = new TablePatchProxy(TestServers.get("BIGQUERY_EMULATOR_HOST"), emulator);
    bigQuery = BigQueryClients.connect(TestServers.projectId(), proxy.host(), null, null);
    registry = TypedTablesTesting.registry();
  }

  @AfterAll
  static void close() throws Exception {
    proxy.close();
    storage.close();
  }

  @Test
  void theLoaderAddsAMinorVersionsColumnsToTheSameTable() throws Exception {
    String t = BigQueryStreamingSinkTest.newTable("e");
    String bucket = "evolve-" + t.replace('_', '-');
    String dataset = "ds_" + t;
    String prefix = t + "_";
    TableId checkouts = TableId.of(TestServers.projectId(), dataset, prefix + "com_acme_checkout_1");
    Envelope v100 = checkout("v100", AT);
    Envelope v110 = checkoutMinor("v110", AT.plusSeconds(3600));
    Envelope v100b = checkout("v100b", AT.plusSeconds(3601));
    try (GcsSink sink = sink(bucket)) {
      assertThat(sink.write(List.of(v100)).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    assertThat(loader(bucket, dataset, prefix).build().runOnce().objectsLoaded()).isEqualTo(1);
    Table before = emulator.getTable(checkouts);
    FieldList columnsBefore = before.getDefinition().getSchema().getFields();
    assertThat(columnsBefore).extracting(Field::getName).doesNotContainAnyElementsOf(NEW_COLUMNS);

    int patchesBefore = proxy.patched().size();
    try (GcsSink sink = sink(bucket)) {
      assertThat(sink.write(List.of(v110, v100b)).get(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
    LoadReport r = loader(bucket, dataset, prefix).build().runOnce();
    assertThat(r.objectsFailed()).isZero();
    assertThat(r.objectsLoaded()).isEqualTo(1);
    assertThat(proxy.patched().subList(patchesBefore, proxy.patched().size()))
        .containsExactly(dataset + "." + checkouts.getTable());

    assertEvolved(checkouts, before, List.of(v100), List.of(v110, v100b), true);
    // Nothing was set aside or left waiting: every source object is split.
    String state = "_eventkit/loads/" + dataset + "." + prefix + "raw";
    assertThat(storage.list(bucket, Storage.BlobListOption.prefix(state + "/dead-letter/")).iterateAll())
        .isEmpty();
    assertThat(storage.list(bucket, Storage.BlobListOption.prefix(state + "/routed/")).iterateAll()).hasSize(2);
  }

  @ParameterizedTest
  @EnumSource(value = WriteMode.class, names = {"INSERT_ALL"})
  void theStreamingSinkAddsAMinorVersionsColumnsToTheSameTable(WriteMode mode) throws Exception {
    String prefix = BigQueryStreamingSinkTest.newTable("s") + "_";
    String dataset = "ds_" + prefix + "evolve";
    TableId checkouts = TableId.of(TestServers.projectId(), dataset, prefix + "com_acme_checkout_1");
    Instant at = Instant.parse("2026-06-02T08:00:00Z");
    Envelope v100 = checkout("v100", at);
    Envelope v110 = checkoutMinor("v110", at.plusSeconds(1));
    Envelope v100b = checkout("v100b", at.plusSeconds(2));
    SchemaTables tables = SchemaTables.builder(bigQuery, dataset, registry).project(TestServers.projectId())
        .tablePrefix(prefix).build();
    int patchesBefore = proxy.patched().size();
    Table before;
    try (BigQueryStreamingSink sink = BigQueryStreamingSink.builder(dataset, prefix + "raw").mode(mode)
        .projectId(TestServers.projectId()).emulatorHost(proxy.host())
        .writeApiEmulatorHost(TestServers.get("BIGQUERY_EMULATOR_GRPC_HOST")).schemaTables(tables).build()) {
      assertThat(sink.write(List.of(v100)).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      before = emulator.getTable(checkouts);
      WriteResult r = sink.write(List.of(v110, v100b)).get(60, TimeUnit.SECONDS);
      assertThat(r.isSuccess()).as("%s: %s", r, r.failureOf(0)).isTrue();
    }
    assertThat(proxy.patched().subList(patchesBefore, proxy.patched().size()))
        .containsExactly(dataset + "." + checkouts.getTable());
    assertEvolved(checkouts, before, List.of(v100), List.of(v110, v100b), mode == WriteMode.INSERT_ALL);
  }

  @Test
  void rowsTheWriteApiStreamDoesNotTakeYetWaitInsteadOfBeingDeadLettered() throws Exception {
    String prefix = BigQueryStreamingSinkTest.newTable("w") + "_";
    String dataset = "ds_" + prefix + "lag";
    TableId checkouts = TableId.of(TestServers.projectId(), dataset, prefix + "com_acme_checkout_1");
    Instant at = Instant.parse("2026-06-03T08:00:00Z");
    SchemaTables tables = SchemaTables.builder(bigQuery, dataset, registry).project(TestServers.projectId())
        .tablePrefix(prefix).build();
    WriteResult r;
    try (BigQueryStreamingSink sink = BigQueryStreamingSink.builder(dataset, prefix + "raw")
        .mode(WriteMode.DEFAULT_STREAM).projectId(TestServers.projectId()).emulatorHost(proxy.host())
        .writeApiEmulatorHost(TestServers.get("BIGQUERY_EMULATOR_GRPC_HOST")).schemaTables(tables).build()) {
      assertThat(sink.write(List.of(checkout("v100", at))).get(60, TimeUnit.SECONDS).isSuccess()).isTrue();
      r = sink.write(List.of(checkoutMinor("v110", at.plusSeconds(1)), checkout("v100b", at.plusSeconds(2))))
          .get(60, TimeUnit.SECONDS);
    }
    // The table gained the 1-1-0 columns, but the emulator's _default stream keeps the columns the table had when
    // the stream was first used (the service's lags a table change by up to a few minutes): the Java client refuses
    // the 1-1-0 row before sending it. The row waits for the stream to catch up; it is not dead-lettered.
    assertThat(emulator.getTable(checkouts).getDefinition().getSchema().getFields()).extracting(Field::getName)
        .containsAll(NEW_COLUMNS);
    assertThat(r.failureOf(0)).isNotNull();
    assertThat(r.failureOf(0).retryable()).as("%s", r.failureOf(0)).isTrue();
    assertThat(r.failureOf(0).reason()).contains("new columns");
    // The 1-0-0 row beside it is written (read by a query: the emulator's listing of a table written through a
    // stale stream does not match the table's columns).
    assertThat(r.failureOf(1)).isNull();
    List<String> ids = new ArrayList<>();
    emulator.query(QueryJobConfiguration.of("SELECT event_id FROM `" + checkouts.getProject() + "."
        + checkouts.getDataset() + "." + checkouts.getTable() + "` ORDER BY event_id")).iterateAll()
        .forEach(row -> ids.add(row.get(0).getStringValue()));
    assertThat(ids).containsExactly("v100", "v100b");
  }

  /**
   * The table is the one there was, with the 1-1-0 columns added as NULLABLE after its columns (which are
   * unchanged), and holds every event with the values that were sent.
   */
  private static void assertEvolved(TableId id, Table before, List<Envelope> old, List<Envelope> later,
      boolean datesRoundTrip) throws Exception {
    Table after = emulator.getTable(id);
    StandardTableDefinition def = after.getDefinition();
    assertThat(after.getDescription()).isEqualTo(before.getDescription());
    assertThat(def.getTimePartitioning().getField()).isEqualTo(TypedRows.RECEIVED_AT);
    FieldList was = before.getDefinition().getSchema().getFields();
    FieldList now = def.getSchema().getFields();
    assertThat(now).hasSize(was.size() + NEW_COLUMNS.size());
    for (int i = 0; i < was.size(); i++) {
      Field w = was.get(i);
      Field n = now.get(i);
      assertThat(n.getName()).isEqualTo(w.getName());
      assertThat(n.getType()).as(w.getName()).isEqualTo(w.getType());
      assertThat(mode(n)).as(w.getName()).isEqualTo(mode(w));
      if (!w.getName().equals("customer")) {
        assertThat(n).isEqualTo(w);
      }
    }
    for (int i = 0; i < NEW_COLUMNS.size(); i++) {
      Field added = now.get(was.size() + i);
      assertThat(added.getName()).isEqualTo(NEW_COLUMNS.get(i));
      assertThat(mode(added)).isEqualTo(Field.Mode.NULLABLE);
    }
    assertThat(now.get("gift_wrap").getType().getStandardType()).isEqualTo(StandardSQLTypeName.BOOL);
    assertThat(now.get("channel").getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRING);
    // Inside a record: customer.address gained country, after city and zip.
    FieldList addressWas = was.get("customer").getSubFields().get("address").getSubFields();
    FieldList address = now.get("customer").getSubFields().get("address").getSubFields();
    assertThat(addressWas).extracting(Field::getName).containsExactly("city", "zip");
    assertThat(address).extracting(Field::getName).containsExactly("city", "zip", "country");
    assertThat(mode(address.get("country"))).isEqualTo(Field.Mode.NULLABLE);

    List<Envelope> all = Stream.concat(old.stream(), later.stream()).toList();
    Map<String, ObjectNode> rows = rows(emulator, id);
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(all.stream().map(Envelope::id).toList());
    for (Envelope e : old) {
      ObjectNode row = rows.get(e.id());
      NEW_COLUMNS.forEach(c -> assertThat(row.has(c)).as("%s in %s", c, e.id()).isFalse());
      assertThat(row.path("customer").path("address").has("country")).isFalse();
    }
    for (Envelope e : all) {
      ObjectNode row = rows.get(e.id());
      JsonNode sent = e.payload().deepCopy();
      if (!datesRoundTrip && sent.has("deliveryDate")) {
        // Emulator gap: it stores every DATE sent through the Storage Write API as 1970-01-01.
        row.remove("delivery_date");
        ((ObjectNode) sent).remove("deliveryDate");
      }
      if (!sent.has("items") && row.path("items").isEmpty()) {
        // A REPEATED column reads back empty, never null, for an event without that property (see the mapping).
        row.remove("items");
      }
      assertThat(sameJson(payload(row, mapping(registry, e.schema())), sent)).as("%s: %s vs %s", e.id(), row, sent)
          .isTrue();
      assertThat(row.get(TypedRows.SCHEMA).asText()).isEqualTo(e.schema());
      assertThat(Instant.parse(row.get(TypedRows.RECEIVED_AT).asText())).isEqualTo(e.receivedAt());
    }
    ObjectNode minor = rows.get(later.get(0).id());
    assertThat(minor.get("gift_wrap").isBoolean()).isTrue();
    assertThat(minor.get("gift_wrap").booleanValue()).isTrue();
    assertThat(minor.get("channel").asText()).isEqualTo("app");
    assertThat(minor.get("customer").get("address").get("country").asText()).isEqualTo("FR");
    assertThat(minor.get("placed_at").asText()).isEqualTo("2026-03-02T10:00:00Z");
  }

  private static Field.Mode mode(Field f) {
    return f.getMode() == null ? Field.Mode.NULLABLE : f.getMode();
  }

  private static GcsSink sink(String bucket) {
    return GcsSink.builder(bucket).projectId(TestServers.projectId())
        .emulatorHost(TestServers.get("STORAGE_EMULATOR_HOST")).linger(Duration.ZERO)
        .format(EnvelopeRow.gcsFormat()).build();
  }

  private static BigQueryLoader.Builder loader(String bucket, String dataset, String prefix) {
    return BigQueryLoader.builder(bucket, dataset, prefix + "raw").projectId(TestServers.projectId())
        .storage(storage).bigQuery(bigQuery).clock(CLOCK).schemaTables(SchemaTables.builder(bigQuery, dataset,
            registry).project(TestServers.projectId()).tablePrefix(prefix).build());
  }
}
