package dev.eventkit.gcp.bigquery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.gcp.gcs.GcsFormat;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import org.json.JSONObject;

/**
 * The warehouse row of an envelope: the table schema eventkit creates, and the conversions between envelopes and
 * rows used by the load jobs ({@link #gcsFormat()} lines), the Storage Write API and {@code insertAll}.
 *
 * <p>Columns (snake_case, since the Storage Write API lower-cases field names):
 * <pre>
 *   event_id STRING REQUIRED          the envelope id
 *   protocol STRING REQUIRED          stream STRING REQUIRED       schema STRING
 *   payload STRING REQUIRED           the payload, as compact JSON text
 *   contexts STRING                   [{"schema":…,"data":…}] as JSON text; null when there are none
 *   sent_at TIMESTAMP                 received_at TIMESTAMP REQUIRED (the table's DAY partitioning column)
 *   client_ip STRING                  user_agent STRING
 *   validation_status STRING REQUIRED valid | invalid | not_validated
 *   validation STRING REQUIRED        the full validation object (status, error, message, violations) as JSON
 *   collector_name STRING REQUIRED    collector_version STRING REQUIRED
 *   attributes STRING                 the attribute map as JSON text; null when empty
 *   envelope_version INT64 REQUIRED   {@link EnvelopeCodec#FORMAT_VERSION}
 * </pre>
 * The JSON-valued columns are STRING rather than BigQuery's JSON type: STRING holding JSON text is correct on the
 * real service ({@code JSON_VALUE(payload, '$.event')}, {@code PARSE_JSON(payload)} work on it), whereas the
 * emulator the tests run against cannot round-trip JSON columns on any write path (it stringifies numbers on
 * loads and stores the text as a JSON string on streaming writes). Timestamps are kept to microseconds, the
 * precision of BigQuery's TIMESTAMP.
 *
 * <p>Stateless and thread-safe. {@link #fromJson} throws {@link IllegalArgumentException} for a row that does not
 * describe an envelope.
 */
public final class EnvelopeRow {

  public static final String EVENT_ID = "event_id";
  public static final String PROTOCOL = "protocol";
  public static final String STREAM = "stream";
  public static final String SCHEMA = "schema";
  public static final String PAYLOAD = "payload";
  public static final String CONTEXTS = "contexts";
  public static final String SENT_AT = "sent_at";
  public static final String RECEIVED_AT = "received_at";
  public static final String CLIENT_IP = "client_ip";
  public static final String USER_AGENT = "user_agent";
  public static final String VALIDATION_STATUS = "validation_status";
  public static final String VALIDATION = "validation";
  public static final String COLLECTOR_NAME = "collector_name";
  public static final String COLLECTOR_VERSION = "collector_version";
  public static final String ATTRIBUTES = "attributes";
  public static final String ENVELOPE_VERSION = "envelope_version";

  /** The name of {@link #gcsFormat()}, stored with each object the GCS sink writes in it. */
  public static final String FORMAT_NAME = "bigquery-row-v1";

  private static final Schema TABLE_SCHEMA = Schema.of(
      required(EVENT_ID, StandardSQLTypeName.STRING),
      required(PROTOCOL, StandardSQLTypeName.STRING),
      required(STREAM, StandardSQLTypeName.STRING),
      nullable(SCHEMA, StandardSQLTypeName.STRING),
      required(PAYLOAD, StandardSQLTypeName.STRING),
      nullable(CONTEXTS, StandardSQLTypeName.STRING),
      nullable(SENT_AT, StandardSQLTypeName.TIMESTAMP),
      required(RECEIVED_AT, StandardSQLTypeName.TIMESTAMP),
      nullable(CLIENT_IP, StandardSQLTypeName.STRING),
      nullable(USER_AGENT, StandardSQLTypeName.STRING),
      required(VALIDATION_STATUS, StandardSQLTypeName.STRING),
      required(VALIDATION, StandardSQLTypeName.STRING),
      required(COLLECTOR_NAME, StandardSQLTypeName.STRING),
      required(COLLECTOR_VERSION, StandardSQLTypeName.STRING),
      nullable(ATTRIBUTES, StandardSQLTypeName.STRING),
      required(ENVELOPE_VERSION, StandardSQLTypeName.INT64));

  private static final GcsFormat FORMAT = new GcsFormat() {
    @Override
    public String name() {
      return FORMAT_NAME;
    }

    @Override
    public void write(Envelope envelope, OutputStream out) throws IOException {
      out.write(Json.writer().writeValueAsBytes(toJson(envelope)));
    }

    @Override
    public Envelope read(byte[] line) {
      JsonNode row;
      try {
        row = Json.storedReader().readTree(line);
      } catch (IOException e) {
        throw new IllegalArgumentException("not a JSON row", e);
      }
      return fromJson(row);
    }

    @Override
    public String toString() {
      return FORMAT_NAME;
    }
  };

  private EnvelopeRow() {}

  private static Field required(String name, StandardSQLTypeName type) {
    return Field.newBuilder(name, type).setMode(Field.Mode.REQUIRED).build();
  }

  private static Field nullable(String name, StandardSQLTypeName type) {
    return Field.newBuilder(name, type).setMode(Field.Mode.NULLABLE).build();
  }

  /** The schema of tables eventkit creates. */
  public static Schema schema() {
    return TABLE_SCHEMA;
  }

  /**
   * The {@code GcsSink} line format that BigQuery load jobs read: one row (as {@link #toJson}) per line. The
   * loader only loads objects written in it.
   */
  public static GcsFormat gcsFormat() {
    return FORMAT;
  }

  /** The row as a JSON object, columns in schema order, timestamps as RFC 3339 text; null columns omitted. */
  public static ObjectNode toJson(Envelope e) {
    JsonNode wire = wireForm(e);
    ObjectNode row = Json.object();
    row.put(EVENT_ID, e.id());
    row.put(PROTOCOL, e.protocol());
    row.put(STREAM, e.stream());
    putIfPresent(row, SCHEMA, e.schema());
    row.put(PAYLOAD, e.payloadJson());
    if (wire.has("contexts")) {
      row.put(CONTEXTS, Json.write(wire.get("contexts")));
    }
    if (e.sentAt() != null) {
      row.put(SENT_AT, timestamp(e.sentAt()));
    }
    row.put(RECEIVED_AT, timestamp(e.receivedAt()));
    putIfPresent(row, CLIENT_IP, e.clientIp());
    putIfPresent(row, USER_AGENT, e.userAgent());
    row.put(VALIDATION_STATUS, wire.path("validation").path("status").asText());
    row.put(VALIDATION, Json.write(wire.get("validation")));
    row.put(COLLECTOR_NAME, e.collector().name());
    row.put(COLLECTOR_VERSION, e.collector().version());
    if (wire.has("attributes")) {
      row.put(ATTRIBUTES, Json.write(wire.get("attributes")));
    }
    row.put(ENVELOPE_VERSION, EnvelopeCodec.FORMAT_VERSION);
    return row;
  }

  /** The row for the Storage Write API: as {@link #toJson}, with timestamps as epoch microseconds. */
  static JSONObject toWriteApiRow(Envelope e) {
    JSONObject row = new JSONObject();
    for (Map.Entry<String, JsonNode> f : toJson(e).properties()) {
      JsonNode v = f.getValue();
      row.put(f.getKey(), v.isNumber() ? (Object) v.longValue() : v.asText());
    }
    row.put(RECEIVED_AT, micros(e.receivedAt()));
    if (e.sentAt() != null) {
      row.put(SENT_AT, micros(e.sentAt()));
    }
    return row;
  }

  /** The row content for {@code insertAll}: as {@link #toJson}, as a map. */
  static Map<String, Object> toInsertAllRow(Envelope e) {
    Map<String, Object> row = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> f : toJson(e).properties()) {
      JsonNode v = f.getValue();
      row.put(f.getKey(), v.isNumber() ? (Object) v.longValue() : v.asText());
    }
    return row;
  }

  /** Rebuilds the envelope from a row in the form {@link #toJson} writes. */
  public static Envelope fromJson(JsonNode row) {
    if (row == null || !row.isObject() || !row.hasNonNull(EVENT_ID)) {
      throw new IllegalArgumentException("not an envelope row");
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> f : row.properties()) {
      if (!f.getValue().isNull()) {
        values.put(f.getKey(), f.getValue().isNumber() ? (Object) f.getValue().longValue() : f.getValue().asText());
      }
    }
    return fromValues(values, v -> Instant.parse((String) v));
  }

  /** Rebuilds the envelope from a row read back with its schema ({@code listTableData}, a query result). */
  public static Envelope fromFieldValues(FieldValueList row) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Field f : TABLE_SCHEMA.getFields()) {
      FieldValue v = row.get(f.getName());
      if (v.isNull()) {
        continue;
      }
      if (f.getType().getStandardType() == StandardSQLTypeName.TIMESTAMP) {
        values.put(f.getName(), v.getTimestampInstant());
      } else if (f.getType().getStandardType() == StandardSQLTypeName.INT64) {
        values.put(f.getName(), v.getLongValue());
      } else {
        values.put(f.getName(), v.getStringValue());
      }
    }
    return fromValues(values, v -> (Instant) v);
  }

  private static Envelope fromValues(Map<String, Object> v, java.util.function.Function<Object, Instant> time) {
    ObjectNode wire = Json.object();
    Object version = v.get(ENVELOPE_VERSION);
    wire.put("v", version instanceof Long ? (Long) version : -1L);
    wire.put("id", text(v, EVENT_ID));
    wire.put("protocol", text(v, PROTOCOL));
    wire.put("stream", text(v, STREAM));
    putIfPresent(wire, "schema", text(v, SCHEMA));
    wire.set("payload", parse(v, PAYLOAD));
    if (v.containsKey(CONTEXTS)) {
      wire.set("contexts", parse(v, CONTEXTS));
    }
    if (v.containsKey(SENT_AT)) {
      wire.put("sentAt", time.apply(v.get(SENT_AT)).toString());
    }
    if (!v.containsKey(RECEIVED_AT)) {
      throw new IllegalArgumentException("row has no " + RECEIVED_AT);
    }
    wire.put("receivedAt", time.apply(v.get(RECEIVED_AT)).toString());
    putIfPresent(wire, "clientIp", text(v, CLIENT_IP));
    putIfPresent(wire, "userAgent", text(v, USER_AGENT));
    wire.set("validation", parse(v, VALIDATION));
    ObjectNode collector = wire.putObject("collector");
    collector.put("name", text(v, COLLECTOR_NAME));
    collector.put("version", text(v, COLLECTOR_VERSION));
    if (v.containsKey(ATTRIBUTES)) {
      wire.set("attributes", parse(v, ATTRIBUTES));
    }
    return EnvelopeCodec.fromTree(wire);
  }

  private static JsonNode wireForm(Envelope e) {
    try {
      return Json.storedReader().readTree(EnvelopeCodec.encode(e));
    } catch (IOException ex) {
      throw new IllegalStateException("the envelope codec wrote invalid JSON", ex);
    }
  }

  private static String text(Map<String, Object> v, String column) {
    Object o = v.get(column);
    return o == null ? null : o.toString();
  }

  private static JsonNode parse(Map<String, Object> v, String column) {
    String text = text(v, column);
    if (text == null) {
      throw new IllegalArgumentException("row has no " + column);
    }
    try {
      return Json.storedReader().readTree(text);
    } catch (IOException ex) {
      throw new IllegalArgumentException("column " + column + " is not JSON", ex);
    }
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

  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000L);
  }
}
