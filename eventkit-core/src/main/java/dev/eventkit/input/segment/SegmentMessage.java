package dev.eventkit.input.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Entity;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaUri;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/**
 * A client event as the Segment spec defines it ({@code track}, {@code identify}, {@code page}, {@code screen},
 * {@code group}, {@code alias}) or a self-describing {@code {"schema": …, "data": …}} event, checked for the fields
 * its type requires.
 *
 * <p>Immutable and thread-safe; the document is held as JSON text. {@link #parse} throws
 * {@link SegmentFormatException} naming the field at fault; it never throws anything else for any JSON input.
 */
final class SegmentMessage {

  /** Segment's own time format: ISO-8601 in UTC with milliseconds. */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);

  /**
   * What the Segment tracking API adds to an event: the time the request was received, and the batch's
   * {@code sentAt} for events that carry none of their own.
   *
   * @param receivedAt when the collector received the request
   * @param batchSentAt the batch's {@code sentAt} as sent, already checked to be ISO-8601; null when absent
   */
  record ApiTimes(Instant receivedAt, String batchSentAt) {
    ApiTimes {
      Objects.requireNonNull(receivedAt, "receivedAt");
    }
  }

  private final SegmentEventType type;
  private final String messageId;
  private final String schema;
  private final Instant timestamp;
  private final Instant sentAt;
  private final String json;
  private final String dataJson;
  private final java.util.List<Entity> contexts;

  private SegmentMessage(SegmentEventType type, String messageId, String schema, Instant timestamp, Instant sentAt,
      String json,
      String dataJson, java.util.List<Entity> contexts) {
    this.type = type;
    this.messageId = messageId;
    this.schema = schema;
    this.timestamp = timestamp;
    this.sentAt = sentAt;
    this.json = json;
    this.dataJson = dataJson;
    this.contexts = contexts;
  }

  /**
   * Checks a document against the Segment spec (or the self-describing shape) and wraps it.
   *
   * <p>Rules: an object; {@code type} one of the six Segment types, or {@code schema} (string) plus {@code data}
   * (object) for self-describing events; {@code userId} or {@code anonymousId} (string or number) on every Segment
   * event; {@code event} on track, {@code groupId} on group, {@code userId} and {@code previousId} on alias;
   * {@code messageId} a string; {@code timestamp}, {@code sentAt} ISO-8601; {@code properties}, {@code traits},
   * {@code context} objects.
   *
   * @param node the parsed document
   * @param defaultType the type implied by the route (Segment's {@code /v1/track}, …), or null
   */
  public static SegmentMessage parse(JsonNode node, SegmentEventType defaultType) throws SegmentFormatException {
    return parse(node, defaultType, null);
  }

  /**
   * As {@link #parse(JsonNode, SegmentEventType)}, and with {@code api} given, the event as Segment's tracking API
   * stores it: {@code timestamp} corrected for the device's clock skew, i.e. the device time ({@code timestamp},
   * else {@code originalTimestamp}) moved by {@code receivedAt - sentAt} (unchanged without a {@code sentAt}; the
   * receive time when the event has no device time), the device time kept as {@code originalTimestamp}, the
   * batch's {@code sentAt} on each event that has none, and {@code receivedAt}.
   *
   * <p>On every route the {@code writeKey} a browser or mobile library puts in the body is removed: it is a
   * credential, never part of the event.
   */
  static SegmentMessage parse(JsonNode node, SegmentEventType defaultType, ApiTimes api)
      throws SegmentFormatException {
    if (node == null || !node.isObject()) {
      throw new SegmentFormatException("wrong_type", null, "an event must be a JSON object");
    }
    ObjectNode o = (ObjectNode) node;
    JsonNode typeNode = o.get("type");
    SegmentEventType type;
    if (typeNode == null || typeNode.isNull()) {
      if (defaultType != null) {
        type = defaultType;
      } else if (o.has("schema") && o.has("data")) {
        type = SegmentEventType.SELF_DESCRIBING;
      } else {
        throw new SegmentFormatException("missing_field", "type", "field 'type' is required");
      }
    } else if (!typeNode.isTextual()) {
      throw new SegmentFormatException("wrong_type", "type", "field 'type' must be a string");
    } else {
      type = SegmentEventType.fromWireName(typeNode.textValue()).orElseThrow(() -> new SegmentFormatException(
          "unknown_event_type", "type", "unknown event type; expected one of track, identify, page, screen, "
              + "group, alias, self_describing"));
      if (defaultType != null && type != defaultType) {
        throw new SegmentFormatException("wrong_value", "type",
            "field 'type' contradicts the route, which takes '" + defaultType.wireName() + "' events");
      }
    }

    o.remove("writeKey");
    String messageId = optionalString(o, "messageId");
    Instant timestamp = optionalTime(o, "timestamp");
    Instant sentAt = optionalTime(o, "sentAt");
    String schema = null;
    String dataJson = null;
    java.util.List<Entity> contexts = java.util.List.of();
    if (type == SegmentEventType.SELF_DESCRIBING) {
      schema = requiredString(o, "schema");
      if (!SchemaUri.isWellFormed(schema)) {
        throw new SegmentFormatException("invalid_schema_uri", "schema", "malformed schema URI: expected "
            + "iglu:vendor/name/format/MODEL-REVISION-ADDITION or a relative name such as com.acme/checkout/v1.json");
      }
      JsonNode data = o.get("data");
      if (data == null || data.isNull()) {
        throw new SegmentFormatException("missing_field", "data", "field 'data' is required");
      }
      if (!data.isObject()) {
        throw new SegmentFormatException("wrong_type", "data", "field 'data' must be an object");
      }
      dataJson = Json.write(data);
      contexts = entities(o.get("contexts"));
    } else {
      checkIdentity(o);
      optionalObject(o, "properties");
      optionalObject(o, "traits");
      optionalObject(o, "context");
      optionalObject(o, "integrations");
      switch (type) {
        case TRACK:
          requiredString(o, "event");
          break;
        case GROUP:
          requiredId(o, "groupId");
          break;
        case ALIAS:
          requiredId(o, "userId");
          requiredId(o, "previousId");
          break;
        case PAGE:
        case SCREEN:
          optionalString(o, "name");
          break;
        default:
          break;
      }
      if (typeNode == null) {
        o.put("type", type.wireName());
      }
      if (api != null) {
        timestamp = applyApiTimes(o, timestamp, sentAt, api);
      }
    }
    return new SegmentMessage(type, messageId, schema, timestamp, sentAt, Json.write(o), dataJson, contexts);
  }

  /**
   * Segment's clock-skew correction, see {@link #parse(JsonNode, SegmentEventType, ApiTimes)}; returns the stored
   * {@code timestamp}.
   */
  private static Instant applyApiTimes(ObjectNode o, Instant timestamp, Instant ownSentAt, ApiTimes api)
      throws SegmentFormatException {
    String deviceText = timestamp != null ? o.get("timestamp").textValue() : optionalString(o, "originalTimestamp");
    Instant device = timestamp != null ? timestamp : optionalTime(o, "originalTimestamp");
    Instant sentAt = ownSentAt;
    if (sentAt == null && api.batchSentAt() != null) {
      o.put("sentAt", api.batchSentAt());
      sentAt = parseTime(api.batchSentAt());
    }
    Instant corrected;
    if (device == null) {
      corrected = api.receivedAt();
      o.put("timestamp", TIME.format(corrected));
    } else {
      o.put("originalTimestamp", deviceText);
      if (sentAt == null) {
        corrected = device;
        o.put("timestamp", deviceText);
      } else {
        corrected = device.plus(Duration.between(sentAt, api.receivedAt()));
        o.put("timestamp", TIME.format(corrected));
      }
    }
    o.put("receivedAt", TIME.format(api.receivedAt()));
    return corrected;
  }

  /** The {@code contexts} of a self-describing event: an array of {@code {"schema", "data"}} objects. */
  private static java.util.List<Entity> entities(JsonNode n) throws SegmentFormatException {
    if (n == null || n.isNull()) {
      return java.util.List.of();
    }
    if (!n.isArray()) {
      throw new SegmentFormatException("wrong_type", "contexts", "field 'contexts' must be an array");
    }
    java.util.List<Entity> out = new java.util.ArrayList<>(n.size());
    for (int i = 0; i < n.size(); i++) {
      JsonNode c = n.get(i);
      String field = "contexts[" + i + "]";
      if (!c.isObject() || !c.path("schema").isTextual() || !c.has("data")) {
        throw new SegmentFormatException("wrong_type", field, "each context is an object with 'schema' and 'data'");
      }
      if (!SchemaUri.isWellFormed(c.get("schema").textValue())) {
        throw new SegmentFormatException("invalid_schema_uri", field + ".schema", "malformed schema URI");
      }
      out.add(Entity.of(c.get("schema").textValue(), c.get("data")));
    }
    return java.util.List.copyOf(out);
  }

  private static void checkIdentity(ObjectNode o) throws SegmentFormatException {
    boolean user = isId(o.get("userId"), "userId");
    boolean anonymous = isId(o.get("anonymousId"), "anonymousId");
    if (!user && !anonymous) {
      throw new SegmentFormatException("missing_field", "userId",
          "one of 'userId' or 'anonymousId' is required");
    }
  }

  private static boolean isId(JsonNode n, String field) throws SegmentFormatException {
    if (n == null || n.isNull()) {
      return false;
    }
    if (n.isTextual()) {
      return !n.textValue().isEmpty();
    }
    if (n.isIntegralNumber()) {
      return true;
    }
    throw new SegmentFormatException("wrong_type", field, "field '" + field + "' must be a string");
  }

  private static void requiredId(ObjectNode o, String field) throws SegmentFormatException {
    if (!isId(o.get(field), field)) {
      throw new SegmentFormatException("missing_field", field, "field '" + field + "' is required");
    }
  }

  private static String requiredString(ObjectNode o, String field) throws SegmentFormatException {
    String s = optionalString(o, field);
    if (s == null || s.isEmpty()) {
      throw new SegmentFormatException("missing_field", field, "field '" + field + "' is required");
    }
    return s;
  }

  private static String optionalString(ObjectNode o, String field) throws SegmentFormatException {
    JsonNode n = o.get(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new SegmentFormatException("wrong_type", field, "field '" + field + "' must be a string");
    }
    return n.textValue();
  }

  private static void optionalObject(ObjectNode o, String field) throws SegmentFormatException {
    JsonNode n = o.get(field);
    if (n != null && !n.isNull() && !n.isObject()) {
      throw new SegmentFormatException("wrong_type", field, "field '" + field + "' must be an object");
    }
  }

  private static Instant optionalTime(ObjectNode o, String field) throws SegmentFormatException {
    String s = optionalString(o, field);
    if (s == null) {
      return null;
    }
    Instant t = parseTime(s);
    if (t == null) {
      throw new SegmentFormatException("wrong_format", field, "field '" + field + "' must be an ISO-8601 time");
    }
    return t;
  }

  /** An ISO-8601 time with an offset ({@code Z} or {@code +hh:mm}); null when {@code s} is not one. */
  static Instant parseTime(String s) {
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e2) {
        return null;
      }
    }
  }

  public SegmentEventType type() {
    return type;
  }

  /** The client's {@code messageId}; null when it sent none. */
  public String messageId() {
    return messageId;
  }

  /** The schema of a self-describing event; null for Segment events. */
  public String schema() {
    return schema;
  }

  /** A self-describing event's {@code data} as JSON text: what its schema describes. Null for Segment events. */
  public String dataJson() {
    return dataJson;
  }

  /** A self-describing event's contexts; empty for Segment events. */
  public java.util.List<Entity> contexts() {
    return contexts;
  }

  /**
   * The event's {@code timestamp}: as sent, or on the tracking API as corrected for clock skew; null when absent.
   */
  public Instant timestamp() {
    return timestamp;
  }

  /** The client's {@code sentAt}; null when absent. */
  public Instant sentAt() {
    return sentAt;
  }

  /** The whole document as compact JSON text (with {@code type} filled in from the route when it was implied). */
  public String json() {
    return json;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SegmentMessage && ((SegmentMessage) o).json.equals(json);
  }

  @Override
  public int hashCode() {
    return Objects.hash(json);
  }

  @Override
  public String toString() {
    return "SegmentMessage{type=" + type.wireName() + "}";
  }
}
