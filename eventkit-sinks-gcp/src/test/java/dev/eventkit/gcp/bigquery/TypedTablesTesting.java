package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.TableId;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.gcp.bigquery.tables.ColumnMapping;
import dev.eventkit.gcp.bigquery.tables.MappedSchema;
import dev.eventkit.gcp.bigquery.tables.SchemaMapping;
import dev.eventkit.gcp.bigquery.tables.TypedRows;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.ClasspathSchemaSource;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaUri;
import dev.eventkit.snowplow.SnowplowSchemas;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the typed-table tests share: a registry with Snowplow's bundled schemas and the test schemas, the events
 * (Snowplow page view, link click and transaction, the project's checkout in three versions, and events that must
 * stay raw), and the read-back of a typed row into the payload it came from.
 */
final class TypedTablesTesting {

  static final String PAGE_VIEW = SnowplowSchemas.PAGE_VIEW;
  static final String LINK_CLICK = "iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1";
  static final String TRANSACTION = SnowplowSchemas.TRANSACTION;
  static final String WEB_PAGE = "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0";
  static final String CHECKOUT_1_0_0 = "iglu:com.acme/checkout/jsonschema/1-0-0";
  static final String CHECKOUT_1_1_0 = "iglu:com.acme/checkout/jsonschema/1-1-0";
  static final String CHECKOUT_2_0_0 = "iglu:com.acme/checkout/jsonschema/2-0-0";
  static final String TAGS = "iglu:com.acme/tags/jsonschema/1-0-0";
  static final String UNKNOWN = "iglu:com.acme/unknown/jsonschema/1-0-0";

  private TypedTablesTesting() {}

  static SchemaRegistry registry() {
    return SchemaRegistry.builder().source(SnowplowSchemas.source())
        .source(ClasspathSchemaSource.of("typed-schemas", TypedTablesTesting.class.getClassLoader())).build();
  }

  static Envelope event(String id, String schema, String payload, Instant receivedAt, Entity... contexts) {
    return Envelope.builder().id(id).protocol("snowplow").stream("web").schema(schema).payloadJson(payload)
        .contexts(List.of(contexts)).sentAt(receivedAt.minusSeconds(3)).receivedAt(receivedAt)
        .clientIp("198.51.100.7").userAgent("Mozilla/5.0 (test)").attribute("snowplow.app_id", "shop")
        .validation(Validation.valid()).collector(new CollectorInfo("eventkit-test", "0.1")).build();
  }

  static Entity webPage(String id) {
    return new Entity(WEB_PAGE, "{\"id\":\"" + id + "\"}");
  }

  static Envelope pageView(String id, Instant at) {
    return event(id, PAGE_VIEW, "{\"page_url\":\"https://shop.example/p?q=1\",\"page_title\":\"Product\","
        + "\"page_referrer\":\"https://www.example.org/\"}", at, webPage("8a1b6a3e-0f43-4a2e-9d8e-2f6c1c1e0b01"));
  }

  static Envelope linkClick(String id, Instant at) {
    return event(id, LINK_CLICK, "{\"targetUrl\":\"https://partner.example/\",\"elementId\":\"cta\","
        + "\"elementClasses\":[\"btn\",\"primary\"],\"elementContent\":\"Buy now\"}", at,
        webPage("8a1b6a3e-0f43-4a2e-9d8e-2f6c1c1e0b01"));
  }

  static Envelope transaction(String id, Instant at) {
    return event(id, TRANSACTION, "{\"tr_orderid\":\"o-77\",\"tr_affiliation\":\"web\",\"tr_total\":99.9,"
        + "\"tr_tax\":19.98,\"tr_shipping\":4.5,\"tr_city\":\"Paris\",\"tr_country\":\"FR\",\"tr_currency\":\"EUR\"}",
        at);
  }

  static Envelope checkout(String id, Instant at) {
    return event(id, CHECKOUT_1_0_0, "{\"orderId\":\"o-1\",\"total\":42.5,\"itemCount\":2,\"express\":true,"
        + "\"placedAt\":\"2026-03-01T09:15:30Z\",\"deliveryDate\":\"2026-03-04\","
        + "\"customer\":{\"id\":\"c-9\",\"tags\":[\"vip\",\"b2b\"],\"address\":{\"city\":\"Lyon\"}},"
        + "\"items\":[{\"sku\":\"A\",\"quantity\":1,\"price\":10.5},{\"sku\":\"B\",\"quantity\":3}],"
        + "\"coupon\":25,\"metadata\":{\"k\":[1,{\"x\":\"y\"}]}}", at);
  }

  static Envelope checkoutMinor(String id, Instant at) {
    return event(id, CHECKOUT_1_1_0, "{\"orderId\":\"o-2\",\"total\":7.25,\"placedAt\":\"2026-03-02T10:00:00Z\","
        + "\"customer\":{\"id\":\"c-1\",\"address\":{\"city\":\"Nantes\",\"country\":\"FR\"}},"
        + "\"giftWrap\":true,\"channel\":\"app\"}", at);
  }

  static Envelope checkoutBroken(String id, Instant at) {
    return event(id, "iglu:com.acme/checkout/jsonschema/1-2-0", "{\"orderId\":\"o-4\",\"total\":1.5,"
        + "\"itemCount\":\"two\",\"placedAt\":\"2026-03-04T09:00:00Z\"}", at);
  }

  static Envelope checkoutMajor(String id, Instant at) {
    return event(id, CHECKOUT_2_0_0, "{\"orderId\":\"o-3\",\"total\":{\"amount\":12.5,\"currency\":\"EUR\"},"
        + "\"placedAt\":\"2026-03-03T11:00:00Z\",\"items\":[{\"sku\":\"Z\",\"quantity\":1}]}", at);
  }

  /** Events that stay in the raw table: no schema, invalid, unknown schema, unmappable schema, unmappable value. */
  static List<Envelope> rawEvents(String prefix, Instant at) {
    Envelope noSchema = event(prefix + "-noschema", null, "{\"x\":1}", at);
    Envelope invalid = event(prefix + "-invalid", CHECKOUT_1_0_0, "{\"orderId\":5}", at).toBuilder()
        .validation(Validation.invalid(ValidationError.PAYLOAD_INVALID, "orderId must be a string",
            List.of(new Violation("/orderId", "type", "must be a string")))).build();
    Envelope unknown = event(prefix + "-unknown", UNKNOWN, "{\"y\":2}", at);
    Envelope tags = event(prefix + "-tags", TAGS, "{\"tags\":[\"a\"]}", at);
    Envelope tooBig = event(prefix + "-toobig", CHECKOUT_1_0_0, "{\"orderId\":\"o-big\",\"total\":1,"
        + "\"itemCount\":123456789012345678901234567890,\"placedAt\":\"2026-03-01T00:00:00Z\"}", at);
    return List.of(noSchema, invalid, unknown, tags, tooBig);
  }

  /** The mapping of a schema, from the registry's copy. */
  static MappedSchema mapping(SchemaRegistry registry, String uri) throws Exception {
    String text = registry.lookup(SchemaUri.parse(uri)).text();
    return SchemaMapping.map(uri, Json.read(text), TypedRows.reserved());
  }

  /** The rows of a typed table as JSON objects (column names), by event id. */
  static Map<String, ObjectNode> rows(BigQuery bigQuery, TableId table) {
    Schema schema = bigQuery.getTable(table).getDefinition().getSchema();
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    for (FieldValueList row : bigQuery.listTableData(table, schema).iterateAll()) {
      ObjectNode json = record(row, schema.getFields());
      out.put(json.get(TypedRows.EVENT_ID).asText(), json);
    }
    return out;
  }

  private static ObjectNode record(List<FieldValue> values, FieldList fields) {
    ObjectNode out = Json.object();
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      FieldValue v = values.get(i);
      if (v.isNull()) {
        continue;
      }
      if (f.getMode() == Field.Mode.REPEATED) {
        ArrayNode a = out.putArray(f.getName());
        for (FieldValue item : v.getRepeatedValue()) {
          a.add(scalar(item, f));
        }
      } else {
        out.set(f.getName(), scalar(v, f));
      }
    }
    return out;
  }

  private static JsonNode scalar(FieldValue v, Field f) {
    StandardSQLTypeName type = f.getType().getStandardType();
    switch (type) {
      case STRUCT:
        return record(v.getRecordValue(), f.getSubFields());
      case TIMESTAMP:
        return Json.nodes().textNode(v.getTimestampInstant().toString());
      case INT64:
        return Json.nodes().numberNode(v.getLongValue());
      case FLOAT64:
        return Json.nodes().numberNode(v.getDoubleValue());
      case BOOL:
        return Json.nodes().booleanNode(v.getBooleanValue());
      default:
        return Json.nodes().textNode(v.getStringValue());
    }
  }

  /** The payload a typed row holds: its columns mapped back to properties, plus what {@code unmapped} kept. */
  static JsonNode payload(ObjectNode row, MappedSchema mapping) {
    ObjectNode out = properties(row, mapping.columns());
    if (row.has(TypedRows.UNMAPPED)) {
      TypedRows.parseJson(row.get(TypedRows.UNMAPPED).asText()).properties().forEach(p -> {
        String[] path = p.getKey().substring(1).split("/");
        ObjectNode at = out;
        for (int i = 0; i < path.length - 1; i++) {
          at = (ObjectNode) at.get(path[i].replace("~1", "/").replace("~0", "~"));
        }
        at.set(path[path.length - 1].replace("~1", "/").replace("~0", "~"), p.getValue());
      });
    }
    return out;
  }

  private static ObjectNode properties(JsonNode row, List<ColumnMapping> columns) {
    ObjectNode out = Json.object();
    for (ColumnMapping c : columns) {
      JsonNode v = row.get(c.field().getName());
      if (v == null) {
        continue;
      }
      if (c.repeated()) {
        ArrayNode a = out.putArray(c.property());
        v.forEach(item -> a.add(property(item, c)));
      } else {
        out.set(c.property(), property(v, c));
      }
    }
    return out;
  }

  private static JsonNode property(JsonNode v, ColumnMapping c) {
    switch (c.kind()) {
      case JSON:
        return TypedRows.parseJson(v.asText());
      case RECORD:
        return properties(v, c.children());
      default:
        if (c.field().getType().getStandardType() == StandardSQLTypeName.TIMESTAMP) {
          return Json.nodes().textNode(Instant.parse(v.asText()).toString());
        }
        return v;
    }
  }

  /** The contexts a typed row's context column holds, as the data objects of those contexts. */
  static List<JsonNode> contextColumn(ObjectNode row, String column) {
    List<JsonNode> out = new ArrayList<>();
    row.path(column).forEach(out::add);
    return out;
  }

  /** Whether two JSON values are equal, numbers compared by value (42.5 as sent equals 42.5 read back). */
  static boolean sameJson(JsonNode a, JsonNode b) {
    return a.equals((x, y) -> x.isNumber() && y.isNumber() ? x.decimalValue().compareTo(y.decimalValue())
        : x.equals(y) ? 0 : 1, b);
  }
}
