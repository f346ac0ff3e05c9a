package dev.eventkit.gcp.bigquery.tables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaUri;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The JSON Schema → BigQuery mapping, naming, evolution and rows, without a server. */
class SchemaMappingTest {

  static JsonNode schema(String path) {
    try (InputStream in = SchemaMappingTest.class.getResourceAsStream("/typed-schemas/" + path + ".json")) {
      return Json.read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static MappedSchema checkout(String version) throws UnmappableException {
    return SchemaMapping.map("iglu:com.acme/checkout/jsonschema/" + version,
        schema("com.acme/checkout/jsonschema/" + version), TypedRows.reserved());
  }

  private static Field field(MappedSchema m, String name) {
    return m.fields().stream().filter(f -> f.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void typesFormatsModesAndDescriptionsAreMapped() throws Exception {
    MappedSchema m = checkout("1-0-0");
    assertThat(m.fields()).extracting(Field::getName).containsExactly("order_id", "total", "item_count", "express",
        "placed_at", "delivery_date", "customer", "items", "coupon", "metadata");
    assertThat(field(m, "order_id").getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRING);
    assertThat(field(m, "order_id").getMode()).isEqualTo(Field.Mode.REQUIRED);
    assertThat(field(m, "order_id").getDescription()).isEqualTo("The order's id");
    assertThat(field(m, "total").getType().getStandardType()).isEqualTo(StandardSQLTypeName.FLOAT64);
    assertThat(field(m, "item_count").getType().getStandardType()).isEqualTo(StandardSQLTypeName.INT64);
    assertThat(field(m, "item_count").getMode()).isEqualTo(Field.Mode.NULLABLE);
    assertThat(field(m, "express").getType().getStandardType()).isEqualTo(StandardSQLTypeName.BOOL);
    assertThat(field(m, "placed_at").getType().getStandardType()).isEqualTo(StandardSQLTypeName.TIMESTAMP);
    assertThat(field(m, "delivery_date").getType().getStandardType()).isEqualTo(StandardSQLTypeName.DATE);
    assertThat(field(m, "delivery_date").getMode()).isEqualTo(Field.Mode.NULLABLE);

    Field customer = field(m, "customer");
    assertThat(customer.getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRUCT);
    assertThat(customer.getDescription()).isEqualTo("Who ordered");
    assertThat(customer.getSubFields()).extracting(Field::getName).containsExactly("id", "tags", "address");
    assertThat(customer.getSubFields().get("id").getMode()).isEqualTo(Field.Mode.REQUIRED);
    assertThat(customer.getSubFields().get("tags").getMode()).isEqualTo(Field.Mode.REPEATED);
    assertThat(customer.getSubFields().get("address").getSubFields()).extracting(Field::getName)
        .containsExactly("city", "zip");

    Field items = field(m, "items");
    assertThat(items.getMode()).isEqualTo(Field.Mode.REPEATED);
    assertThat(items.getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRUCT);
    assertThat(items.getSubFields().get("quantity").getMode()).isEqualTo(Field.Mode.REQUIRED);

    // Unmappable: several types, an object without properties: JSON text in a STRING column.
    assertThat(m.columns().get(8).kind()).isEqualTo(ColumnMapping.Kind.JSON);
    assertThat(field(m, "coupon").getDescription()).isEqualTo("A code or a numeric voucher");
    assertThat(m.columns().get(9).kind()).isEqualTo(ColumnMapping.Kind.JSON);
  }

  @Test
  void unusualShapesBecomeJsonText() throws Exception {
    JsonNode s = Json.read("""
        {"type": "object", "definitions": {"money": {"type": "number"}},
         "properties": {
           "amount": {"$ref": "#/definitions/money"},
           "remote": {"$ref": "http://example.com/x.json"},
           "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
           "maybe": {"type": "array", "items": {"type": ["string", "null"]}},
           "tuple": {"type": "array", "items": [{"type": "string"}]},
           "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
           "kind": {"enum": ["a", "b"]},
           "level": {"enum": [1, 2.5]},
           "mixed": {"type": ["integer", "number"]},
           "stream": {"type": "string"},
           "2fa": {"type": "boolean"}
         }}""");
    MappedSchema m = SchemaMapping.map("x", s, TypedRows.reserved());
    assertThat(field(m, "amount").getType().getStandardType()).isEqualTo(StandardSQLTypeName.FLOAT64);
    for (String json : new String[] {"remote", "matrix", "maybe", "tuple", "either"}) {
      assertThat(m.columns().stream().filter(c -> c.field().getName().equals(json)).findFirst().orElseThrow().kind())
          .as(json).isEqualTo(ColumnMapping.Kind.JSON);
    }
    assertThat(field(m, "kind").getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRING);
    assertThat(field(m, "level").getType().getStandardType()).isEqualTo(StandardSQLTypeName.FLOAT64);
    assertThat(field(m, "mixed").getType().getStandardType()).isEqualTo(StandardSQLTypeName.FLOAT64);
    assertThat(field(m, "payload_stream").getType().getStandardType()).isEqualTo(StandardSQLTypeName.STRING);
    assertThat(field(m, "_2fa").getType().getStandardType()).isEqualTo(StandardSQLTypeName.BOOL);

    assertThatThrownBy(() -> SchemaMapping.map("t", schema("com.acme/tags/jsonschema/1-0-0"), Set.of()))
        .isInstanceOf(UnmappableException.class);
  }

  @Test
  void tableNamesComeFromVendorNameAndModel() {
    assertThat(TableNames.table(SchemaUri.parse("iglu:com.acme/checkout/jsonschema/1-2-0"))).hasValue(
        "com_acme_checkout_1");
    assertThat(TableNames.table(SchemaUri.parse("iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1")))
        .hasValue("com_snowplowanalytics_snowplow_link_click_1");
    assertThat(TableNames.table(SchemaUri.parse("iglu:com.acme/checkoutStarted/jsonschema/2-0-0"))).hasValue(
        "com_acme_checkout_started_2");
    assertThat(TableNames.table(SchemaUri.parse("iglu:com.acme/checkout/avro/1-0-0"))).isEmpty();
    assertThat(TableNames.table(SchemaUri.parse("com.acme/checkout/v1.json"))).isEmpty();
    assertThat(TableNames.contextColumn(SchemaUri.parse("iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/"
        + "1-0-0"))).hasValue("contexts_com_snowplowanalytics_snowplow_web_page_1");
  }

  @Test
  void minorVersionAddsNullableColumnsAndNewModelCannotEvolve() throws Exception {
    Schema v1 = TypedRows.tableSchema(checkout("1-0-0"), Map.of());
    Schema v11 = TypedRows.tableSchema(checkout("1-1-0"), Map.of());
    SchemaEvolution.Result r = SchemaEvolution.merge(v1, v11);
    assertThat(r.possible()).isTrue();
    assertThat(r.changed()).isTrue();
    assertThat(r.schema().getFields()).extracting(Field::getName).endsWith("gift_wrap", "channel");
    assertThat(r.schema().getFields().get("gift_wrap").getMode()).isEqualTo(Field.Mode.NULLABLE);
    assertThat(r.schema().getFields().get("customer").getSubFields().get("address").getSubFields())
        .extracting(Field::getName).containsExactly("city", "zip", "country");
    // The existing columns keep their order; all but the record that gained a sub-field are unchanged.
    for (int i = 0; i < v1.getFields().size(); i++) {
      Field before = v1.getFields().get(i);
      if (!before.getName().equals("customer")) {
        assertThat(r.schema().getFields().get(i)).isEqualTo(before);
      }
    }
    // 1-0-0 rows fit the evolved table as it is.
    assertThat(SchemaEvolution.covers(r.schema(), v1)).isTrue();

    SchemaEvolution.Result v2 = SchemaEvolution.merge(v1, TypedRows.tableSchema(checkout("2-0-0"), Map.of()));
    assertThat(v2.possible()).isFalse();
    assertThat(v2.problem()).contains("column total is FLOAT64, the schema needs STRUCT");
  }

  @Test
  void rowsAreTypedAndKeepWhatHasNoColumn() throws Exception {
    ObjectNode payload = (ObjectNode) Json.read("""
        {"orderId": "o-1", "total": 42.5, "itemCount": 2, "express": true,
         "placedAt": "2026-03-01T10:15:30.123456789+01:00", "deliveryDate": "2026-03-04",
         "customer": {"id": "c-9", "tags": ["vip", "b2b"], "address": {"city": "Lyon", "zip": null, "floor": 3}},
         "items": [{"sku": "A", "quantity": 1, "price": 10}, {"sku": "B", "quantity": 1}],
         "coupon": 25, "metadata": {"k": [1, {"x": null}]}, "surprise": "kept"}""");
    Envelope e = Envelope.builder().id("e1").protocol("test").schema("iglu:com.acme/checkout/jsonschema/1-0-0")
        .payload(payload).receivedAt(Instant.parse("2026-03-01T09:15:31Z")).validation(Validation.valid())
        .collector(new CollectorInfo("c", "1")).build();
    ObjectNode row = TypedRows.row(e, checkout("1-0-0"), Map.of());
    assertThat(row.get("placed_at").asText()).isEqualTo("2026-03-01T09:15:30.123456Z");
    assertThat(row.get("total").doubleValue()).isEqualTo(42.5);
    assertThat(row.get("items").get(0).get("price").isDouble()).isTrue();
    assertThat(row.get("coupon").asText()).isEqualTo("25");
    assertThat(row.get("metadata").asText()).isEqualTo("{\"k\":[1,{\"x\":null}]}");
    assertThat(row.get("customer").get("address").has("zip")).isFalse();
    assertThat(Json.read(row.get("unmapped").asText())).isEqualTo(Json.read(
        "{\"/customer/address/floor\": 3, \"/surprise\": \"kept\"}"));
    assertThat(row.get("validation_status").asText()).isEqualTo("valid");

    ObjectNode bad = payload.deepCopy();
    bad.put("itemCount", 2.5);
    Envelope badEvent = e.toBuilder().payload(bad).build();
    assertThatThrownBy(() -> TypedRows.row(badEvent, checkout("1-0-0"), Map.of()))
        .isInstanceOf(UnmappableException.class).hasMessageContaining("item_count");
  }
}
