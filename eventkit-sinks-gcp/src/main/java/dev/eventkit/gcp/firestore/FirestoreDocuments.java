package dev.eventkit.gcp.firestore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.Timestamp;
import dev.eventkit.event.CollectorInfo;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import dev.eventkit.internal.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Firestore form of an envelope, written by {@link FirestoreSink}: one document per event, whose id is the
 * event id, in a collection per stream. Fields (absent ones are left out):
 *
 * <pre>
 * v            1 (this layout's version)
 * id, protocol, stream, schema, clientIp, userAgent     strings
 * receivedAt, sentAt                                      timestamps (Firestore keeps microseconds)
 * payloadJson  the payload as JSON text (the default: one field, one index entry, whatever the payload holds)
 * payload      instead, with {@code toDocument(e, true)}: the payload as a map, queryable field by field, when a
 *              map can hold it exactly (else payloadJson: a payload that is not an object, an array directly
 *              inside an array, an integer beyond 64 bits, an empty or __reserved__ key, nesting deeper than 20)
 * contexts     [{schema, dataJson}] — or [{schema, data | dataJson}] by the same rule as the payload
 * validation   {status: valid|invalid|not_validated, error, message, violations: [{pointer, keyword, message}]}
 * collector    {name, version}
 * attributes   {key: value}
 * </pre>
 *
 * <p>Ids: Firestore forbids {@code /} in ids, the ids {@code .} and {@code ..}, and ids like {@code __x__}. Such
 * characters are percent-escaped ({@code %} itself too, so distinct event ids stay distinct documents); ids that
 * need none — every UUID, every Segment messageId in practice — are used as they are.
 *
 * <p>Stateless and thread-safe. {@link #toEnvelope} throws {@link IllegalArgumentException} for a document that
 * is not of this layout.
 */
public final class FirestoreDocuments {

  /** The version of this layout, stored in field {@code v}. */
  public static final long LAYOUT_VERSION = 1;
  /** Firestore's limit for document and collection ids, in UTF-8 bytes. */
  static final int MAX_ID_BYTES = 1500;
  private static final int MAX_DEPTH = 20;

  private FirestoreDocuments() {}

  /** The document id for an event id; see the class comment for the escaping. */
  public static String documentId(String eventId) {
    return escape(eventId);
  }

  /**
   * A document id spread over the key space for an event id: the first 32 hex digits (128 bits) of the SHA-256 of
   * its UTF-8 bytes. Time-ordered event ids (UUIDv7, {@code ajs-next-<timestamp>}) used as they are would write to
   * one end of the key range, a hot spot; the event id stays in field {@code id}.
   */
  public static String hashedDocumentId(String eventId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(eventId.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
    }
  }

  /** The collection of a stream's events: the prefix and the stream, escaped like document ids. */
  public static String collectionId(String prefix, String stream) {
    return escape(prefix + stream);
  }

  private static String escape(String id) {
    if (id.isEmpty()) {
      return "%"; // escaping never yields a lone %, so this cannot collide
    }
    StringBuilder b = new StringBuilder(id.length());
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c == '%') {
        b.append("%25");
      } else if (c == '/') {
        b.append("%2F");
      } else {
        b.append(c);
      }
    }
    String s = b.toString();
    if (s.equals(".") || s.equals("..")) {
      return s.replace(".", "%2E");
    }
    if (s.length() >= 4 && s.startsWith("__") && s.endsWith("__")) {
      return "%5F" + s.substring(1);
    }
    return s;
  }

  /** Whether an id is short enough for Firestore once escaped. */
  static boolean fits(String escapedId) {
    return escapedId.getBytes(StandardCharsets.UTF_8).length <= MAX_ID_BYTES;
  }

  /** The document for an envelope, with payload and context data as JSON text ({@code toDocument(e, false)}). */
  public static Map<String, Object> toDocument(Envelope e) {
    return toDocument(e, false);
  }

  /**
   * The document for an envelope. With {@code jsonAsMaps} the payload and context data are stored as maps where a
   * map can hold them exactly, so they can be queried field by field; Firestore then indexes every nested field
   * (up to 40,000 index entries per document, each adding write latency and storage) unless exempted. Without, they
   * are JSON text: one string field each. {@link #toEnvelope} reads either form.
   */
  public static Map<String, Object> toDocument(Envelope e, boolean jsonAsMaps) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("v", LAYOUT_VERSION);
    d.put("id", e.id());
    d.put("protocol", e.protocol());
    d.put("stream", e.stream());
    putIfPresent(d, "schema", e.schema());
    putJson(d, "payload", e.payload(), 1, jsonAsMaps);
    if (!e.contexts().isEmpty()) {
      List<Object> contexts = new ArrayList<>(e.contexts().size());
      for (Entity c : e.contexts()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", c.schema());
        putJson(m, "data", c.data(), 3, jsonAsMaps);
        contexts.add(m);
      }
      d.put("contexts", contexts);
    }
    if (e.sentAt() != null) {
      d.put("sentAt", timestamp(e.sentAt()));
    }
    d.put("receivedAt", timestamp(e.receivedAt()));
    putIfPresent(d, "clientIp", e.clientIp());
    putIfPresent(d, "userAgent", e.userAgent());
    d.put("validation", validation(e.validation()));
    Map<String, Object> collector = new LinkedHashMap<>();
    collector.put("name", e.collector().name());
    collector.put("version", e.collector().version());
    d.put("collector", collector);
    if (!e.attributes().isEmpty()) {
      d.put("attributes", new TreeMap<>(e.attributes()));
    }
    return d;
  }

  private static void putIfPresent(Map<String, Object> d, String field, Object value) {
    if (value != null) {
      d.put(field, value);
    }
  }

  /**
   * Stores JSON as a map under {@code field} when maps are asked for and Firestore can hold it exactly, else as
   * text under field+Json.
   */
  private static void putJson(Map<String, Object> d, String field, JsonNode json, int depth, boolean asMap) {
    Object value = asMap && json.isObject() ? toValue(json, depth) : null;
    if (value != null) {
      d.put(field, value);
    } else {
      d.put(field + "Json", Json.write(json));
    }
  }

  private static final Object NOT_REPRESENTABLE = new Object();

  /** A Firestore value for a JSON node, or null when it cannot be stored exactly. */
  private static Object toValue(JsonNode n, int depth) {
    Object v = convert(n, depth, false);
    return v == NOT_REPRESENTABLE ? null : v;
  }

  private static Object convert(JsonNode n, int depth, boolean insideArray) {
    if (depth > MAX_DEPTH) {
      return NOT_REPRESENTABLE;
    }
    switch (n.getNodeType()) {
      case OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : n.properties()) {
          String key = f.getKey();
          if (key.isEmpty() || (key.length() >= 4 && key.startsWith("__") && key.endsWith("__"))
              || key.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            return NOT_REPRESENTABLE;
          }
          Object v = convert(f.getValue(), depth + 1, false);
          if (v == NOT_REPRESENTABLE) {
            return v;
          }
          m.put(key, v);
        }
        return m;
      }
      case ARRAY: {
        if (insideArray) {
          return NOT_REPRESENTABLE; // Firestore arrays cannot hold arrays
        }
        List<Object> l = new ArrayList<>(n.size());
        for (JsonNode item : n) {
          Object v = convert(item, depth + 1, true);
          if (v == NOT_REPRESENTABLE) {
            return v;
          }
          l.add(v);
        }
        return l;
      }
      case STRING:
        return n.textValue();
      case BOOLEAN:
        return n.booleanValue();
      case NULL:
        return null;
      case NUMBER:
        if (n.isIntegralNumber()) {
          return n.canConvertToLong() ? (Object) n.longValue() : NOT_REPRESENTABLE;
        }
        double d = n.doubleValue();
        return Double.isFinite(d) ? (Object) d : NOT_REPRESENTABLE;
      default:
        return NOT_REPRESENTABLE;
    }
  }

  private static Map<String, Object> validation(Validation v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", v.status().name().toLowerCase(Locale.ROOT));
    if (v.error() != null) {
      m.put("error", v.error().wireName());
    }
    putIfPresent(m, "message", v.message());
    if (!v.violations().isEmpty()) {
      List<Object> list = new ArrayList<>();
      for (Violation x : v.violations()) {
        Map<String, Object> vm = new LinkedHashMap<>();
        vm.put("pointer", x.pointer());
        vm.put("keyword", x.keyword());
        vm.put("message", x.message());
        list.add(vm);
      }
      m.put("violations", list);
    }
    return m;
  }

  private static Timestamp timestamp(Instant i) {
    return Timestamp.ofTimeSecondsAndNanos(i.getEpochSecond(), i.getNano());
  }

  /**
   * The envelope a document holds, as read back with {@code DocumentSnapshot.getData()}. Timestamps come back
   * with Firestore's microsecond precision; payload numbers come back as 64-bit integers or doubles.
   */
  public static Envelope toEnvelope(Map<String, Object> d) {
    if (d == null || !(d.get("v") instanceof Long) || (Long) d.get("v") != LAYOUT_VERSION) {
      throw new IllegalArgumentException("not an eventkit event document of layout " + LAYOUT_VERSION);
    }
    Envelope.Builder b = Envelope.builder()
        .id(string(d, "id"))
        .protocol(string(d, "protocol"))
        .stream(string(d, "stream"))
        .schema(string(d, "schema"))
        .payloadJson(jsonOf(d, "payload"))
        .receivedAt(instant(d.get("receivedAt")))
        .sentAt(instant(d.get("sentAt")))
        .clientIp(string(d, "clientIp"))
        .userAgent(string(d, "userAgent"));
    Object contexts = d.get("contexts");
    if (contexts instanceof List) {
      List<Entity> list = new ArrayList<>();
      for (Object c : (List<?>) contexts) {
        Map<String, Object> m = map(c);
        list.add(new Entity(string(m, "schema"), jsonOf(m, "data")));
      }
      b.contexts(list);
    }
    b.validation(readValidation(map(d.get("validation"))));
    Map<String, Object> collector = map(d.get("collector"));
    b.collector(new CollectorInfo(string(collector, "name"), string(collector, "version")));
    Object attributes = d.get("attributes");
    if (attributes instanceof Map) {
      Map<String, String> a = new TreeMap<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) attributes).entrySet()) {
        a.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
      }
      b.attributes(a);
    }
    return b.build();
  }

  private static Validation readValidation(Map<String, Object> m) {
    String status = string(m, "status");
    if (status == null || status.equals("not_validated")) {
      return Validation.notValidated();
    }
    if (status.equals("valid")) {
      return Validation.valid();
    }
    List<Violation> violations = new ArrayList<>();
    Object list = m.get("violations");
    if (list instanceof List) {
      for (Object o : (List<?>) list) {
        Map<String, Object> v = map(o);
        violations.add(new Violation(string(v, "pointer"), string(v, "keyword"), string(v, "message")));
      }
    }
    String error = string(m, "error");
    if (error == null) {
      throw new IllegalArgumentException("not an eventkit event document: an invalid event without its error");
    }
    return Validation.invalid(ValidationError.fromWireName(error), string(m, "message"), violations);
  }

  private static String jsonOf(Map<String, Object> m, String field) {
    Object text = m.get(field + "Json");
    if (text instanceof String) {
      return (String) text;
    }
    return Json.write(toJson(m.get(field)));
  }

  private static JsonNode toJson(Object v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (v == null) {
      return f.nullNode();
    }
    if (v instanceof Map) {
      ObjectNode o = f.objectNode();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        o.set(String.valueOf(e.getKey()), toJson(e.getValue()));
      }
      return o;
    }
    if (v instanceof List) {
      ArrayNode a = f.arrayNode();
      for (Object item : (List<?>) v) {
        a.add(toJson(item));
      }
      return a;
    }
    if (v instanceof String) {
      return f.textNode((String) v);
    }
    if (v instanceof Boolean) {
      return f.booleanNode((Boolean) v);
    }
    if (v instanceof Long || v instanceof Integer) {
      return f.numberNode(((Number) v).longValue());
    }
    if (v instanceof Number) {
      return f.numberNode(((Number) v).doubleValue());
    }
    throw new IllegalArgumentException("unexpected value of type " + v.getClass().getSimpleName());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    if (!(o instanceof Map)) {
      throw new IllegalArgumentException("not an eventkit event document: a map field is missing");
    }
    return (Map<String, Object>) o;
  }

  private static String string(Map<String, Object> m, String field) {
    Object v = m.get(field);
    return v == null ? null : v.toString();
  }

  private static Instant instant(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Timestamp) {
      Timestamp t = (Timestamp) v;
      return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
    throw new IllegalArgumentException("not an eventkit event document: a timestamp field holds "
        + v.getClass().getSimpleName());
  }
}
