package dev.eventkit.gcp.bigquery.tables;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The rows of typed tables: the envelope's common columns, one column per property of the event's schema, and a
 * REPEATED RECORD column per context schema.
 *
 * <p>Common columns:
 * <pre>
 *   event_id STRING REQUIRED            protocol STRING REQUIRED          stream STRING REQUIRED
 *   schema STRING REQUIRED              the exact schema URI (the table holds every minor version of a model)
 *   sent_at TIMESTAMP                   received_at TIMESTAMP REQUIRED (DAY partitioning column)
 *   client_ip STRING                    user_agent STRING
 *   validation_status STRING REQUIRED   always {@code valid}: only valid events are typed
 *   collector_name STRING REQUIRED      collector_version STRING REQUIRED
 *   attributes STRING                   attribute map as JSON text; null when empty
 *   contexts STRING                     every context [{"schema":…,"data":…}] as JSON text; null when none
 *   unmapped STRING                     payload values without a column, {"/json/pointer": value} as JSON text
 *   envelope_version INT64 REQUIRED
 * </pre>
 * The payload is the typed columns plus {@code unmapped}, so nothing the event carried is lost. Values in the row
 * form ({@link #row}) are JSON as BigQuery load jobs and {@code insertAll} read them: TIMESTAMP as RFC 3339 text
 * with microseconds (BigQuery's precision), DATE as {@code YYYY-MM-DD}, RECORD as an object, REPEATED as an array,
 * JSON-as-STRING as compact JSON text.
 *
 * <p>Stateless and thread-safe.
 */
public final class TypedRows {

  public static final String EVENT_ID = "event_id";
  public static final String PROTOCOL = "protocol";
  public static final String STREAM = "stream";
  public static final String SCHEMA = "schema";
  public static final String SENT_AT = "sent_at";
  public static final String RECEIVED_AT = "received_at";
  public static final String CLIENT_IP = "client_ip";
  public static final String USER_AGENT = "user_agent";
  public static final String VALIDATION_STATUS = "validation_status";
  public static final String COLLECTOR_NAME = "collector_name";
  public static final String COLLECTOR_VERSION = "collector_version";
  public static final String ATTRIBUTES = "attributes";
  public static final String CONTEXTS = "contexts";
  public static final String UNMAPPED = "unmapped";
  public static final String ENVELOPE_VERSION = "envelope_version";

  private static final List<Field> COMMON = List.of(
      required(EVENT_ID, StandardSQLTypeName.STRING, "the event id"),
      required(PROTOCOL, StandardSQLTypeName.STRING, "the protocol the event arrived in"),
      required(STREAM, StandardSQLTypeName.STRING, "the stream"),
      required(SCHEMA, StandardSQLTypeName.STRING, "the schema URI the event claims, with its version"),
      nullable(SENT_AT, StandardSQLTypeName.TIMESTAMP, "when the client sent the event"),
      required(RECEIVED_AT, StandardSQLTypeName.TIMESTAMP, "when the collector received the event"),
      nullable(CLIENT_IP, StandardSQLTypeName.STRING, "the client address"),
      nullable(USER_AGENT, StandardSQLTypeName.STRING, "the client's User-Agent"),
      required(VALIDATION_STATUS, StandardSQLTypeName.STRING, "valid"),
      required(COLLECTOR_NAME, StandardSQLTypeName.STRING, "the collector's name"),
      required(COLLECTOR_VERSION, StandardSQLTypeName.STRING, "the collector's version"),
      nullable(ATTRIBUTES, StandardSQLTypeName.STRING, "the envelope's attributes as JSON text"),
      nullable(CONTEXTS, StandardSQLTypeName.STRING, "every context as JSON text"),
      nullable(UNMAPPED, StandardSQLTypeName.STRING, "payload values without a column, by JSON pointer, as JSON"),
      required(ENVELOPE_VERSION, StandardSQLTypeName.INT64, "the envelope format version"));

  private static final Set<String> RESERVED;

  static {
    Set<String> names = new HashSet<>();
    COMMON.forEach(f -> names.add(f.getName()));
    RESERVED = Set.copyOf(names);
  }

  private TypedRows() {}

  private static Field required(String name, StandardSQLTypeName type, String description) {
    return Field.newBuilder(name, type).setMode(Field.Mode.REQUIRED).setDescription(description).build();
  }

  private static Field nullable(String name, StandardSQLTypeName type, String description) {
    return Field.newBuilder(name, type).setMode(Field.Mode.NULLABLE).setDescription(description).build();
  }

  /** The names of the common columns, which schema properties must not take. */
  public static Set<String> reserved() {
    return RESERVED;
  }

  /** The common columns. */
  public static List<Field> commonFields() {
    return COMMON;
  }

  /**
   * The table schema for events of {@code event} carrying contexts of {@code contexts} (by column name): common
   * columns, the event's columns, then one REPEATED RECORD per context schema.
   */
  public static Schema tableSchema(MappedSchema event, Map<String, MappedSchema> contexts) {
    List<Field> fields = new ArrayList<>(COMMON);
    fields.addAll(event.fields());
    for (Map.Entry<String, MappedSchema> c : contexts.entrySet()) {
      fields.add(contextField(c.getKey(), c.getValue()));
    }
    return Schema.of(fields);
  }

  /** The column of one context schema: a REPEATED RECORD of its properties. */
  public static Field contextField(String column, MappedSchema context) {
    return Field.newBuilder(column, StandardSQLTypeName.STRUCT, FieldList.of(context.fields()))
        .setMode(Field.Mode.REPEATED).setDescription("contexts " + context.uri()).build();
  }

  /**
   * The row of an event: common columns, typed payload columns and the given context columns.
   *
   * @param contexts the context columns to fill, by column name, each with the mapping of its schema
   * @throws UnmappableException when a payload value does not fit its column (names the column)
   */
  public static ObjectNode row(Envelope e, MappedSchema event, Map<String, MappedSchema> contexts)
      throws UnmappableException {
    ObjectNode row = Json.object();
    row.put(EVENT_ID, e.id());
    row.put(PROTOCOL, e.protocol());
    row.put(STREAM, e.stream());
    row.put(SCHEMA, e.schema());
    if (e.sentAt() != null) {
      row.put(SENT_AT, timestamp(e.sentAt()));
    }
    row.put(RECEIVED_AT, timestamp(e.receivedAt()));
    putIfPresent(row, CLIENT_IP, e.clientIp());
    putIfPresent(row, USER_AGENT, e.userAgent());
    row.put(VALIDATION_STATUS, e.validation().status().name().toLowerCase(Locale.ROOT));
    row.put(COLLECTOR_NAME, e.collector().name());
    row.put(COLLECTOR_VERSION, e.collector().version());
    if (!e.attributes().isEmpty()) {
      ObjectNode attributes = Json.object();
      e.attributes().forEach(attributes::put);
      row.put(ATTRIBUTES, Json.write(attributes));
    }
    if (!e.contexts().isEmpty()) {
      ArrayNode all = Json.array();
      for (Entity c : e.contexts()) {
        ObjectNode o = all.addObject();
        o.put("schema", c.schema());
        o.set("data", c.data());
      }
      row.put(CONTEXTS, Json.write(all));
    }
    JsonNode payload = e.payload();
    if (!payload.isObject()) {
      throw new UnmappableException("the payload is not an object");
    }
    ObjectNode unmapped = Json.object();
    row.setAll(record(payload, event.columns(), "", unmapped));
    if (!unmapped.isEmpty()) {
      row.put(UNMAPPED, Json.write(unmapped));
    }
    for (Map.Entry<String, MappedSchema> c : contexts.entrySet()) {
      row.set(c.getKey(), contextValues(e, c.getValue()));
    }
    row.put(ENVELOPE_VERSION, EnvelopeCodec.FORMAT_VERSION);
    return row;
  }

  /**
   * The values of one context column for an event: every context of that schema as a record.
   *
   * @throws UnmappableException when a context's data does not fit the columns
   */
  public static ArrayNode contextValues(Envelope e, MappedSchema context) throws UnmappableException {
    ArrayNode out = Json.array();
    for (Entity c : e.contexts()) {
      if (c.schema().equals(context.uri())) {
        JsonNode data = c.data();
        if (!data.isObject()) {
          throw new UnmappableException("a context is not an object");
        }
        out.add(record(data, context.columns(), "", Json.object()));
      }
    }
    return out;
  }

  private static ObjectNode record(JsonNode object, List<ColumnMapping> columns, String pointer,
      ObjectNode unmapped) throws UnmappableException {
    ObjectNode out = Json.object();
    Set<String> known = new HashSet<>();
    for (ColumnMapping c : columns) {
      known.add(c.property());
      JsonNode v = object.get(c.property());
      if (v == null || v.isNull()) {
        if (c.field().getMode() == Field.Mode.REQUIRED) {
          throw new UnmappableException("required column " + c.field().getName() + " has no value");
        }
        continue;
      }
      out.set(c.field().getName(), value(v, c, pointer + "/" + escape(c.property()), unmapped));
    }
    for (Map.Entry<String, JsonNode> f : object.properties()) {
      if (!known.contains(f.getKey())) {
        unmapped.set(pointer + "/" + escape(f.getKey()), f.getValue());
      }
    }
    return out;
  }

  private static JsonNode value(JsonNode v, ColumnMapping c, String pointer, ObjectNode unmapped)
      throws UnmappableException {
    if (!c.repeated()) {
      return element(v, c, pointer, unmapped);
    }
    if (!v.isArray()) {
      throw new UnmappableException("column " + c.field().getName() + " expects an array");
    }
    ArrayNode out = Json.array();
    for (int i = 0; i < v.size(); i++) {
      if (v.get(i).isNull()) {
        throw new UnmappableException("column " + c.field().getName() + " cannot hold a null item");
      }
      out.add(element(v.get(i), c, pointer + "/" + i, unmapped));
    }
    return out;
  }

  private static JsonNode element(JsonNode v, ColumnMapping c, String pointer, ObjectNode unmapped)
      throws UnmappableException {
    String column = c.field().getName();
    switch (c.kind()) {
      case JSON:
        return Json.nodes().textNode(Json.write(v));
      case RECORD:
        if (!v.isObject()) {
          throw new UnmappableException("column " + column + " expects an object");
        }
        return record(v, c.children(), pointer, unmapped);
      default:
        break;
    }
    StandardSQLTypeName type = c.field().getType().getStandardType();
    switch (type) {
      case STRING:
        if (v.isTextual()) {
          return v;
        }
        break;
      case INT64:
        if (v.isNumber() && v.canConvertToExactIntegral() && v.canConvertToLong()) {
          return Json.nodes().numberNode(v.longValue());
        }
        break;
      case FLOAT64:
        if (v.isNumber() && Double.isFinite(v.doubleValue())) {
          return Json.nodes().numberNode(v.doubleValue());
        }
        break;
      case BOOL:
        if (v.isBoolean()) {
          return v;
        }
        break;
      case TIMESTAMP:
        if (v.isTextual()) {
          try {
            Instant t = OffsetDateTime.parse(v.asText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            return Json.nodes().textNode(timestamp(t));
          } catch (DateTimeParseException e) {
            break;
          }
        }
        break;
      case DATE:
        if (v.isTextual()) {
          try {
            return Json.nodes().textNode(LocalDate.parse(v.asText()).toString());
          } catch (DateTimeParseException e) {
            break;
          }
        }
        break;
      default:
        break;
    }
    throw new UnmappableException("a value of column " + column + " is not a " + type);
  }

  /** Reads a JSON-as-STRING column's text back. */
  public static JsonNode parseJson(String text) {
    try {
      return Json.storedReader().readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON text", e);
    }
  }

  /** The values of a row by column, for {@code insertAll}. */
  public static Map<String, Object> toInsertAllRow(ObjectNode row) {
    Map<String, Object> out = new LinkedHashMap<>();
    row.properties().forEach(f -> out.put(f.getKey(), plain(f.getValue())));
    return out;
  }

  private static Object plain(JsonNode v) {
    if (v.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      v.properties().forEach(f -> m.put(f.getKey(), plain(f.getValue())));
      return m;
    }
    if (v.isArray()) {
      List<Object> l = new ArrayList<>(v.size());
      v.forEach(x -> l.add(plain(x)));
      return l;
    }
    if (v.isIntegralNumber()) {
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    return v.isNull() ? null : v.asText();
  }

  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  /** RFC 3339 with exactly the microseconds BigQuery keeps. */
  static String timestamp(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.MICROS));
  }
}
