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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.event.Envelope;
import dev.eventkit.gcp.bigquery.tables.MappedSchema;
import dev.eventkit.gcp.bigquery.tables.SchemaTables;
import dev.eventkit.gcp.bigquery.tables.TypedRows;
import dev.eventkit.gcp.testing.TestServers;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.sink.WriteResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The streaming sink splitting events by schema, against the BigQuery emulator: a typed table per schema (Snowplow
 * page view, link click, transaction; the project's checkout), rows read back typed and equal to what was sent, a
 * new model in a new table, everything unmappable in the raw table, a minor version that changes a column's type
 * dead-lettered.
 *
 * <p>Emulator gaps: it cannot add columns to a table. The Java client sends {@code tables.patch} as a POST with
 * {@code X-HTTP-Method-Override: PATCH}, which the emulator does not route (HTTP 500); a real PATCH is answered
 * with the new schema but not applied; it has neither {@code tables.update} nor {@code ALTER TABLE}. So here, on
 * the bare emulator, the test shows that the events of a minor version needing new columns wait (retryable)
 * instead of being lost; the evolution applied is shown through {@link TablePatchProxy} in
 * {@link TypedTablesEvolutionTest}, the change computed in {@code SchemaMappingTest}. It
 * stores every DATE sent through the Storage Write API as 1970-01-01 (DATE round trips through {@code insertAll}
 * and load jobs). Times are whole seconds (it misreads sub-second Write API timestamps); tables get a unique
 * prefix (it shares one table namespace across datasets).
 */
class TypedTablesStreamingTest {

  private static BigQuery bigQuery;
  private static SchemaRegistry registry;

  @BeforeAll
  static void servers() {
    TestServers.start("gcs", "bigquery");
    bigQuery = BigQueryClients.connect(TestServers.projectId(), TestServers.get("BIGQUERY_EMULATOR_HOST"), null, null);
    registry = TypedTablesTesting.registry();
  }

  private static WriteResult write(BigQueryStreamingSink sink, List<Envelope> batch) throws Exception {
    return sink.write(batch).get(60, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @EnumSource(value = WriteMode.class, names = {"DEFAULT_STREAM", "INSERT_ALL"})
  void eventsLandInTablesTypedFromTheirSchemas(WriteMode mode) throws Exception {
    String prefix = BigQueryStreamingSinkTest.newTable("t") + "_";
    String dataset = "ds_" + prefix + "typed";
    String rawTable = prefix + "raw";
    Instant at = Instant.parse("2026-06-01T12:00:00Z");
    SchemaTables tables = SchemaTables.builder(bigQuery, dataset, registry).project(TestServers.projectId())
        .tablePrefix(prefix).build();
    List<Envelope> typed = List.of(pageView("pv", at), linkClick("lc", at.plusSeconds(1)),
        transaction("tr", at.plusSeconds(2)), checkout("co", at.plusSeconds(3)),
        checkoutMajor("co2", at.plusSeconds(4)));
    List<Envelope> raw = rawEvents("raw", at.plusSeconds(5));
    List<Envelope> batch = new ArrayList<>(typed);
    batch.addAll(raw);
    try (BigQueryStreamingSink sink = BigQueryStreamingSinkTest.sink(dataset, rawTable, mode).schemaTables(tables)
        .build()) {
      WriteResult r = write(sink, batch);
      assertThat(r.isSuccess()).as("%s", r).isTrue();
    }

    String project = TestServers.projectId();
    TableId pageViews = TableId.of(project, dataset, prefix + "com_snowplowanalytics_snowplow_page_view_1");
    Table pv = bigQuery.getTable(pageViews);
    StandardTableDefinition def = pv.getDefinition();
    assertThat(def.getTimePartitioning().getField()).isEqualTo(TypedRows.RECEIVED_AT);
    Schema pvSchema = def.getSchema();
    assertThat(pvSchema.getFields()).extracting(Field::getName).startsWith(TypedRows.commonFields().stream()
        .map(Field::getName).toArray(String[]::new)).contains("page_url", "page_title", "page_referrer",
            "contexts_com_snowplowanalytics_snowplow_web_page_1");
    Field webPage = pvSchema.getFields().get("contexts_com_snowplowanalytics_snowplow_web_page_1");
    assertThat(webPage.getMode()).isEqualTo(Field.Mode.REPEATED);
    assertThat(webPage.getSubFields().get("id").getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRING);

    // Every typed event reads back with typed columns whose values give back the payload that was sent.
    Map<String, String> tableOf = Map.of("pv", "com_snowplowanalytics_snowplow_page_view_1",
        "lc", "com_snowplowanalytics_snowplow_link_click_1", "tr", "com_snowplowanalytics_snowplow_transaction_1",
        "co", "com_acme_checkout_1", "co2", "com_acme_checkout_2");
    for (Envelope e : typed) {
      TableId id = TableId.of(project, dataset, prefix + tableOf.get(e.id()));
      Map<String, ObjectNode> rows = rows(bigQuery, id);
      assertThat(rows).as(id.getTable()).containsOnlyKeys(e.id());
      ObjectNode row = rows.get(e.id());
      MappedSchema m = mapping(registry, e.schema());
      JsonNode sent = e.payload();
      if (mode != WriteMode.INSERT_ALL && sent.has("deliveryDate")) {
        // Emulator gap: it stores every DATE sent through the Storage Write API as 1970-01-01.
        assertThat(row.get("delivery_date").asText()).isEqualTo("1970-01-01");
        row.remove("delivery_date");
        ((ObjectNode) sent).remove("deliveryDate");
      }
      assertThat(sameJson(payload(row, m), sent)).as("%s: %s vs %s", e.id(), payload(row, m), sent).isTrue();
      assertThat(row.get(TypedRows.SCHEMA).asText()).isEqualTo(e.schema());
      assertThat(Instant.parse(row.get(TypedRows.RECEIVED_AT).asText())).isEqualTo(e.receivedAt());
      assertThat(Instant.parse(row.get(TypedRows.SENT_AT).asText())).isEqualTo(e.sentAt());
      assertThat(row.get(TypedRows.CLIENT_IP).asText()).isEqualTo(e.clientIp());
      assertThat(row.get(TypedRows.USER_AGENT).asText()).isEqualTo(e.userAgent());
      assertThat(row.get(TypedRows.VALIDATION_STATUS).asText()).isEqualTo("valid");
      assertThat(Json.read(row.get(TypedRows.ATTRIBUTES).asText()).get("snowplow.app_id").asText())
          .isEqualTo("shop");
      if (!e.contexts().isEmpty()) {
        assertThat(row.get("contexts_com_snowplowanalytics_snowplow_web_page_1").get(0).get("id").asText())
            .isEqualTo("8a1b6a3e-0f43-4a2e-9d8e-2f6c1c1e0b01");
        assertThat(Json.read(row.get(TypedRows.CONTEXTS).asText()).get(0).get("schema").asText())
            .isEqualTo(TypedTablesTesting.WEB_PAGE);
      }
    }
    // Typed, not text: the checkout's columns carry BigQuery types.
    ObjectNode co = rows(bigQuery, TableId.of(project, dataset, prefix + "com_acme_checkout_1")).get("co");
    assertThat(co.get("total").isDouble()).isTrue();
    assertThat(co.get("item_count").isLong()).isTrue();
    assertThat(co.get("express").booleanValue()).isTrue();
    assertThat(co.get("placed_at").asText()).isEqualTo("2026-03-01T09:15:30Z");
    if (mode == WriteMode.INSERT_ALL) {
      assertThat(co.get("delivery_date").asText()).isEqualTo("2026-03-04");
    }
    assertThat(co.get("customer").get("address").get("city").asText()).isEqualTo("Lyon");
    assertThat(co.get("items").get(1).get("quantity").longValue()).isEqualTo(3);
    assertThat(co.get("coupon").asText()).isEqualTo("25");
    // The new model has its own table, where total is a record.
    Schema v2 = bigQuery.getTable(TableId.of(project, dataset, prefix + "com_acme_checkout_2")).getDefinition()
        .getSchema();
    assertThat(v2.getFields().get("total").getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRUCT);

    // The raw table holds exactly the events without a usable schema, unchanged.
    List<Envelope> stored = new ArrayList<>();
    for (FieldValueList row : bigQuery.listTableData(TableId.of(project, dataset, rawTable), EnvelopeRow.schema())
        .iterateAll()) {
      stored.add(EnvelopeRow.fromFieldValues(row));
    }
    assertThat(stored).containsExactlyInAnyOrderElementsOf(raw);
  }

  @ParameterizedTest
  @EnumSource(value = WriteMode.class, names = {"DEFAULT_STREAM", "INSERT_ALL"})
  void minorVersionsEvolveTheTableOrAreDeadLetteredWhenTheyCannot(WriteMode mode) throws Exception {
    String prefix = BigQueryStreamingSinkTest.newTable("m") + "_";
    String dataset = "ds_" + prefix + "minor";
    Instant at = Instant.parse("2026-06-02T08:00:00Z");
    SchemaTables tables = SchemaTables.builder(bigQuery, dataset, registry).project(TestServers.projectId())
        .tablePrefix(prefix).build();
    TableId checkouts = TableId.of(TestServers.projectId(), dataset, prefix + "com_acme_checkout_1");
    try (BigQueryStreamingSink sink = BigQueryStreamingSinkTest.sink(dataset, prefix + "raw", mode)
        .schemaTables(tables).build()) {
      assertThat(write(sink, List.of(checkout("v100", at))).isSuccess()).isTrue();
      WriteResult r = write(sink, List.of(checkoutMinor("v110", at.plusSeconds(1)),
          checkoutBroken("v120", at.plusSeconds(2)), checkout("v100b", at.plusSeconds(3))));
      // 1-1-0 adds gift_wrap, channel and customer.address.country. The emulator cannot patch a table (the Java
      // client's PATCH arrives as a POST it does not route): the events wait, retryably, and are not lost.
      assertThat(r.failureOf(0)).isNotNull();
      assertThat(r.failureOf(0).retryable()).as(r.failureOf(0).reason()).isTrue();
      assertThat(r.failureOf(0).reason()).contains("cannot add columns to table " + checkouts.getTable());
      // 1-2-0 turns an integer into a string: no table can take that in place; dead letter, with the reason.
      assertThat(r.failureOf(1)).isNotNull();
      assertThat(r.failureOf(1).retryable()).isFalse();
      assertThat(r.failureOf(1).reason()).contains("cannot change table " + checkouts.getTable())
          .contains("column item_count is INT64, the schema needs STRING");
      // 1-0-0 events keep flowing into the same table.
      assertThat(r.failureOf(2)).isNull();
    }
    assertThat(rows(bigQuery, checkouts)).containsOnlyKeys("v100", "v100b");
  }

  @ParameterizedTest
  @EnumSource(value = WriteMode.class, names = {"DEFAULT_STREAM", "INSERT_ALL"})
  void aContextColumnTheTableLacksDoesNotHoldTheEventUp(WriteMode mode) throws Exception {
    String prefix = BigQueryStreamingSinkTest.newTable("c") + "_";
    String dataset = "ds_" + prefix + "ctx";
    Instant at = Instant.parse("2026-06-03T08:00:00Z");
    SchemaTables tables = SchemaTables.builder(bigQuery, dataset, registry).project(TestServers.projectId())
        .tablePrefix(prefix).build();
    TableId views = TableId.of(TestServers.projectId(), dataset,
        prefix + "com_snowplowanalytics_snowplow_page_view_1");
    Envelope bare = pageView("bare", at).toBuilder().contexts(List.of()).build();
    Envelope withContext = pageView("ctx", at.plusSeconds(1));
    try (BigQueryStreamingSink sink = BigQueryStreamingSinkTest.sink(dataset, prefix + "raw", mode)
        .schemaTables(tables).build()) {
      assertThat(write(sink, List.of(bare)).isSuccess()).isTrue();
      // The table has no web_page column and the emulator cannot add one: the event is stored without it.
      WriteResult r = write(sink, List.of(withContext));
      assertThat(r.isSuccess()).as("%s", r).isTrue();
    }
    ObjectNode row = rows(bigQuery, views).get("ctx");
    assertThat(row.has("contexts_com_snowplowanalytics_snowplow_web_page_1")).isFalse();
    assertThat(Json.read(row.get(TypedRows.CONTEXTS).asText()).get(0).get("data").get("id").asText())
        .isEqualTo("8a1b6a3e-0f43-4a2e-9d8e-2f6c1c1e0b01");
    assertThat(sameJson(payload(row, mapping(registry, withContext.schema())), withContext.payload())).isTrue();
  }
}
