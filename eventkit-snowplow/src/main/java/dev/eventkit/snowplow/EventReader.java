package dev.eventkit.snowplow;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.internal.json.Json;
import dev.eventkit.internal.text.WellFormedText;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one tracker-protocol event (its parameters, as strings) into an envelope, or lists every way it breaks the
 * protocol. The envelope shape is described in this module's README and in {@link SnowplowInput}.
 *
 * <p>Stateless and thread-safe. Never throws for any parameter values.
 */
final class EventReader {

  /** The all-zero network user id Snowplow records for requests that ask for anonymity. */
  static final String ANONYMOUS_USER_ID = "00000000-0000-0000-0000-000000000000";

  static final String ATTR = "snowplow.";
  static final String ATTR_EVENT_TYPE = ATTR + "eventType";
  static final String ATTR_PATH = ATTR + "path";
  static final String ATTR_NETWORK_USER_ID = ATTR + "network_userid";
  static final String ATTR_ANONYMOUS = ATTR + "anonymous";
  static final String ATTR_REDIRECT = ATTR + "redirect";
  static final String ATTR_PARAM = ATTR + "param.";

  private static final Set<String> PLATFORMS =
      Set.of("web", "mob", "pc", "srv", "app", "tv", "cnsl", "iot", "headset");
  private static final Pattern UUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern MILLIS = Pattern.compile("[0-9]{1,15}");
  /** 9999-12-31T23:59:59.999Z: the latest time Snowplow accepts. */
  private static final long MAX_MILLIS = 253_402_300_799_999L;
  private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]{1,3})?");
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]{1,18}");
  private static final Pattern DIMENSIONS = Pattern.compile("([0-9]{1,9})x([0-9]{1,9})");

  /** Parameters copied one to one into canonical attributes. */
  private static final Map<String, String> COMMON = new LinkedHashMap<>();

  static {
    COMMON.put("tna", "name_tracker");
    COMMON.put("aid", "app_id");
    COMMON.put("p", "platform");
    COMMON.put("tv", "v_tracker");
    COMMON.put("tz", "os_timezone");
    COMMON.put("tid", "txn_id");
    COMMON.put("uid", "user_id");
    COMMON.put("duid", "domain_userid");
    COMMON.put("sid", "domain_sessionid");
    COMMON.put("vid", "domain_sessionidx");
    COMMON.put("fp", "user_fingerprint");
    COMMON.put("url", "page_url");
    COMMON.put("page", "page_title");
    COMMON.put("refr", "page_referrer");
    COMMON.put("lang", "br_lang");
    COMMON.put("cookie", "br_cookies");
    COMMON.put("cd", "br_colordepth");
    COMMON.put("cs", "doc_charset");
    COMMON.put("mac", "mac_address");
    COMMON.put("f_pdf", "br_features_pdf");
    COMMON.put("f_qt", "br_features_quicktime");
    COMMON.put("f_realp", "br_features_realplayer");
    COMMON.put("f_wma", "br_features_windowsmedia");
    COMMON.put("f_dir", "br_features_director");
    COMMON.put("f_fla", "br_features_flash");
    COMMON.put("f_java", "br_features_java");
    COMMON.put("f_gears", "br_features_gears");
    COMMON.put("f_ag", "br_features_silverlight");
  }

  /** Parameters of two numbers ({@code 1280x720}) and the attribute pair they fill when well-formed. */
  private static final Map<String, String[]> DIMENSION_PARAMS = Map.of(
      "res", new String[] {"dvce_screenwidth", "dvce_screenheight"},
      "vp", new String[] {"br_viewwidth", "br_viewheight"},
      "ds", new String[] {"doc_width", "doc_height"});

  /** Parameters the reader interprets itself for every event type. */
  private static final Set<String> HANDLED = Set.of("e", "eid", "dtm", "stm", "ttm", "ue_pr", "ue_px", "co", "cx",
      "ip", "ua", "nuid", "tnuid");

  private enum Kind { TEXT, DECIMAL, INTEGER }

  private record Field(String param, String name, Kind kind) {}

  private static final List<Field> PAGE = List.of(new Field("url", "page_url", Kind.TEXT),
      new Field("page", "page_title", Kind.TEXT), new Field("refr", "page_referrer", Kind.TEXT));
  private static final List<Field> PING = List.of(new Field("pp_mix", "pp_xoffset_min", Kind.INTEGER),
      new Field("pp_max", "pp_xoffset_max", Kind.INTEGER), new Field("pp_miy", "pp_yoffset_min", Kind.INTEGER),
      new Field("pp_may", "pp_yoffset_max", Kind.INTEGER));
  private static final List<Field> STRUCTURED = List.of(new Field("se_ca", "se_category", Kind.TEXT),
      new Field("se_ac", "se_action", Kind.TEXT), new Field("se_la", "se_label", Kind.TEXT),
      new Field("se_pr", "se_property", Kind.TEXT), new Field("se_va", "se_value", Kind.DECIMAL));
  private static final List<Field> TRANSACTION = List.of(new Field("tr_id", "tr_orderid", Kind.TEXT),
      new Field("tr_af", "tr_affiliation", Kind.TEXT), new Field("tr_tt", "tr_total", Kind.DECIMAL),
      new Field("tr_tx", "tr_tax", Kind.DECIMAL), new Field("tr_sh", "tr_shipping", Kind.DECIMAL),
      new Field("tr_ci", "tr_city", Kind.TEXT), new Field("tr_st", "tr_state", Kind.TEXT),
      new Field("tr_co", "tr_country", Kind.TEXT), new Field("tr_cu", "tr_currency", Kind.TEXT));
  private static final List<Field> ITEM = List.of(new Field("ti_id", "ti_orderid", Kind.TEXT),
      new Field("ti_sk", "ti_sku", Kind.TEXT), new Field("ti_nm", "ti_name", Kind.TEXT),
      new Field("ti_na", "ti_name", Kind.TEXT), new Field("ti_ca", "ti_category", Kind.TEXT),
      new Field("ti_pr", "ti_price", Kind.DECIMAL), new Field("ti_qu", "ti_quantity", Kind.INTEGER),
      new Field("ti_cu", "ti_currency", Kind.TEXT));

  /**
   * The parameters each event type reads itself (the shared ones and its own fields); any other becomes a
   * {@code snowplow.param.NAME} attribute. Made once, not per event.
   */
  private static final Map<SnowplowEventType, Set<String>> CONSUMED = consumedByType();

  private static Map<SnowplowEventType, Set<String>> consumedByType() {
    Map<SnowplowEventType, Set<String>> byType = new java.util.EnumMap<>(SnowplowEventType.class);
    for (SnowplowEventType t : SnowplowEventType.values()) {
      Set<String> consumed = new HashSet<>(HANDLED);
      consumed.addAll(COMMON.keySet());
      consumed.addAll(DIMENSION_PARAMS.keySet());
      List<Field> own = switch (t) {
        case PAGE_VIEW -> PAGE;
        case PAGE_PING -> java.util.stream.Stream.concat(PAGE.stream(), PING.stream()).toList();
        case STRUCTURED -> STRUCTURED;
        case TRANSACTION -> TRANSACTION;
        case TRANSACTION_ITEM -> ITEM;
        default -> List.of();
      };
      own.forEach(f -> consumed.add(f.param));
      byType.put(t, Set.copyOf(consumed));
    }
    return byType;
  }

  /**
   * What was made of one event: an envelope, or the violations (at least one) that kept it from being one. The
   * event id and type are filled in as far as they could be read, for the failed event's record.
   */
  record Outcome(Envelope envelope, List<ProtocolViolation> violations, String eventId, SnowplowEventType type) {
    boolean ok() {
      return envelope != null;
    }
  }

  private EventReader() {}

  /**
   * Reads one event.
   *
   * @param params the tracker parameters, by name; an empty value counts as absent
   * @param facts what the request contributes
   * @param payloadData whether the event came in a POST {@code payload_data} body, whose schema also requires
   *     {@code tv} and {@code p}
   */
  static Outcome read(Map<String, String> params, RequestFacts facts, boolean payloadData) {
    List<ProtocolViolation> violations = new ArrayList<>();
    Map<String, String> p = withoutEmptyValues(params);

    SnowplowEventType type = null;
    String e = p.get("e");
    if (e == null) {
      violations.add(ProtocolViolation.parameter("e", "the event type parameter 'e' is required"));
    } else {
      type = SnowplowEventType.fromCode(e).orElse(null);
      if (type == null) {
        violations.add(ProtocolViolation.parameter("e",
            "unknown event type in 'e'; expected one of pv, pp, se, ue, tr, ti"));
      }
    }
    if (payloadData) {
      for (String required : List.of("tv", "p")) {
        if (!p.containsKey(required)) {
          violations.add(ProtocolViolation.parameter(required, "parameter '" + required
              + "' is required in a payload_data event"));
        }
      }
    }
    String eid = p.get("eid");
    if (eid != null && !UUID.matcher(eid).matches()) {
      violations.add(ProtocolViolation.parameter("eid", "the event id 'eid' must be a UUID"));
      eid = null;
    }
    String platform = p.get("p");
    if (platform != null && !PLATFORMS.contains(platform)) {
      violations.add(ProtocolViolation.parameter("p",
          "unknown platform in 'p'; expected one of web, mob, pc, srv, app, tv, cnsl, iot, headset"));
    }
    Instant created = millis(p, "dtm", violations);
    Instant sent = millis(p, "stm", violations);
    Instant trueTime = millis(p, "ttm", violations);

    ObjectNode payload = Json.object();
    String schema = type == null ? null : type.schema();
    JsonNode eventData = null;
    if (type != null) {
      switch (type) {
        case PAGE_VIEW -> fields(p, PAGE, payload, violations);
        case PAGE_PING -> {
          fields(p, PAGE, payload, violations);
          fields(p, PING, payload, violations);
        }
        case STRUCTURED -> fields(p, STRUCTURED, payload, violations);
        case TRANSACTION -> fields(p, TRANSACTION, payload, violations);
        case TRANSACTION_ITEM -> fields(p, ITEM, payload, violations);
        case SELF_DESCRIBING -> {
          JsonNode inner = selfDescribing(p, violations);
          if (inner != null) {
            schema = inner.get("schema").textValue();
            eventData = inner.get("data");
          }
        }
        default -> throw new IllegalStateException("unhandled event type " + type);
      }
    }
    List<Entity> contexts = contexts(p, violations);

    if (!violations.isEmpty()) {
      return new Outcome(null, List.copyOf(violations), eid, type);
    }

    Instant collector = facts.context().receivedAt();
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put(ATTR_EVENT_TYPE, type.canonicalName());
    putRequestAttributes(attributes, facts);
    attributes.put(ATTR + "collector_tstamp", collector.toString());
    putTime(attributes, "dvce_created_tstamp", created);
    putTime(attributes, "dvce_sent_tstamp", sent);
    putTime(attributes, "true_tstamp", trueTime);
    attributes.put(ATTR + "derived_tstamp", DerivedTimestamp.derive(collector, created, sent, trueTime).toString());
    COMMON.forEach((param, name) -> {
      String v = p.get(param);
      if (v != null) {
        attributes.put(ATTR + name, v);
      }
    });
    DIMENSION_PARAMS.forEach((param, names) -> {
      String v = p.get(param);
      if (v == null) {
        return;
      }
      Matcher m = DIMENSIONS.matcher(v);
      if (m.matches()) {
        attributes.put(ATTR + names[0], m.group(1));
        attributes.put(ATTR + names[1], m.group(2));
      } else {
        attributes.put(ATTR_PARAM + param, v);
      }
    });
    String networkUserId = first(p.get("tnuid"), p.get("nuid"), facts.cookieUserId());
    if (networkUserId != null) {
      attributes.put(ATTR_NETWORK_USER_ID, networkUserId);
    }
    String ip = first(p.get("ip"), facts.clientIp());
    if (ip != null) {
      attributes.put(ATTR + "user_ipaddress", ip);
    }
    String headerAgent = WellFormedText.of(facts.context().userAgent());
    String agent = first(p.get("ua"), headerAgent);
    if (agent != null) {
      attributes.put(ATTR + "useragent", agent);
    }
    urlAttributes(p.get("url"), "page_url", true, attributes);
    urlAttributes(p.get("refr"), "refr_url", false, attributes);
    Set<String> consumed = CONSUMED.get(type);
    p.forEach((k, v) -> {
      if (!consumed.contains(k)) {
        attributes.put(ATTR_PARAM + k, v);
      }
    });

    Envelope.Builder b = facts.context().envelope(SnowplowInput.PROTOCOL)
        .stream(facts.stream())
        .clientIp(facts.clientIp())
        .userAgent(headerAgent)
        .schema(schema)
        .payloadJson(eventData != null ? Json.write(eventData) : Json.write(payload))
        .contexts(contexts)
        .sentAt(sent)
        .attributes(attributes);
    if (eid != null) {
      b.id(eid);
    }
    return new Outcome(b.build(), List.of(), eid, type);
  }

  /** The parameters with a value: {@code params} itself when all have one. */
  private static Map<String, String> withoutEmptyValues(Map<String, String> params) {
    for (String v : params.values()) {
      if (v == null || v.isEmpty()) {
        Map<String, String> p = new LinkedHashMap<>();
        params.forEach((k, value) -> {
          if (value != null && !value.isEmpty()) {
            p.put(k, value);
          }
        });
        return p;
      }
    }
    return params;
  }

  /** The attributes every envelope of a request carries, failed ones included. */
  static void putRequestAttributes(Map<String, String> attributes, RequestFacts facts) {
    attributes.put(ATTR_PATH, facts.path());
    if (facts.anonymous()) {
      attributes.put(ATTR_ANONYMOUS, "true");
    }
    if (facts.redirect() != null) {
      attributes.put(ATTR_REDIRECT, facts.redirect());
    }
    if (facts.cookieUserId() != null) {
      attributes.put(ATTR_NETWORK_USER_ID, facts.cookieUserId());
    }
  }

  private static String first(String... candidates) {
    for (String c : candidates) {
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  private static Instant millis(Map<String, String> p, String name, List<ProtocolViolation> violations) {
    String v = p.get(name);
    if (v == null) {
      return null;
    }
    if (!MILLIS.matcher(v).matches() || Long.parseLong(v) > MAX_MILLIS) {
      violations.add(ProtocolViolation.parameter(name, "timestamp '" + name
          + "' must be milliseconds since the Unix epoch, no later than year 9999"));
      return null;
    }
    return Instant.ofEpochMilli(Long.parseLong(v));
  }

  private static void putTime(Map<String, String> attributes, String name, Instant t) {
    if (t != null) {
      attributes.put(ATTR + name, t.toString());
    }
  }

  private static void fields(Map<String, String> p, List<Field> fields, ObjectNode payload,
      List<ProtocolViolation> violations) {
    for (Field f : fields) {
      String v = p.get(f.param);
      if (v == null || payload.has(f.name)) {
        continue;
      }
      switch (f.kind) {
        case TEXT -> payload.put(f.name, v);
        case DECIMAL -> {
          // Kept exactly as sent (as BigDecimal, not double: 0.1000000000000000000001 stays so); values beyond a
          // double's range are refused, since Snowplow's canonical event types these fields as doubles.
          boolean ok = v.length() <= 64 && DECIMAL.matcher(v).matches() && Double.isFinite(Double.parseDouble(v));
          if (ok) {
            payload.put(f.name, new BigDecimal(v));
          } else {
            violations.add(ProtocolViolation.parameter(f.param, "parameter '" + f.param + "' must be a number"));
          }
        }
        case INTEGER -> {
          if (INTEGER.matcher(v).matches()) {
            payload.put(f.name, Long.parseLong(v));
          } else {
            violations.add(ProtocolViolation.parameter(f.param, "parameter '" + f.param + "' must be an integer"));
          }
        }
        default -> throw new IllegalStateException("unhandled kind " + f.kind);
      }
    }
  }

  /**
   * The inner {@code {schema, data}} of a self-describing event, from {@code ue_px} (base64, preferred) or
   * {@code ue_pr}; null after recording a violation.
   */
  private static JsonNode selfDescribing(Map<String, String> p, List<ProtocolViolation> violations) {
    boolean encoded = p.containsKey("ue_px");
    String param = encoded ? "ue_px" : "ue_pr";
    if (!encoded && !p.containsKey("ue_pr")) {
      violations.add(ProtocolViolation.parameter("ue_pr",
          "a self-describing event (e=ue) needs its event in 'ue_pr' or base64 'ue_px'"));
      return null;
    }
    JsonNode wrapper = json(p.get(param), param, encoded, violations);
    if (wrapper == null) {
      return null;
    }
    JsonNode schema = wrapper.isObject() ? wrapper.get("schema") : null;
    if (schema == null || !schema.isTextual()
        || !IgluUri.matches(schema.textValue(), SnowplowSchemas.SNOWPLOW_VENDOR, "unstruct_event", 1, 0)) {
      violations.add(ProtocolViolation.parameter(param, "'" + param + "' must be a self-describing JSON whose "
          + "schema is iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-*"));
      return null;
    }
    JsonNode inner = wrapper.get("data");
    if (!isSelfDescribing(inner)) {
      violations.add(ProtocolViolation.parameter(param, "the data of '" + param + "' must be the event as a "
          + "self-describing JSON: {\"schema\": an Iglu URI, \"data\": …}"));
      return null;
    }
    return inner;
  }

  /** The entities of {@code cx} (base64, preferred) or {@code co}; empty after recording a violation. */
  private static List<Entity> contexts(Map<String, String> p, List<ProtocolViolation> violations) {
    boolean encoded = p.containsKey("cx");
    String param = encoded ? "cx" : "co";
    if (!encoded && !p.containsKey("co")) {
      return List.of();
    }
    if (!encoded) {
      List<Entity> plain = PlainContexts.entities(p.get("co"));
      if (plain != null) {
        return plain;
      }
    }
    JsonNode wrapper = json(p.get(param), param, encoded, violations);
    if (wrapper == null) {
      return List.of();
    }
    JsonNode schema = wrapper.isObject() ? wrapper.get("schema") : null;
    if (schema == null || !schema.isTextual()
        || !IgluUri.matches(schema.textValue(), SnowplowSchemas.SNOWPLOW_VENDOR, "contexts", 1, 0)) {
      violations.add(ProtocolViolation.parameter(param, "'" + param + "' must be a self-describing JSON whose "
          + "schema is iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-*"));
      return List.of();
    }
    JsonNode data = wrapper.get("data");
    if (data == null || !data.isArray()) {
      violations.add(ProtocolViolation.parameter(param, "the data of '" + param + "' must be an array of "
          + "self-describing JSONs"));
      return List.of();
    }
    List<Entity> out = new ArrayList<>(data.size());
    for (int i = 0; i < data.size(); i++) {
      JsonNode entity = data.get(i);
      if (!isSelfDescribing(entity)) {
        violations.add(ProtocolViolation.parameter(param, "context " + i + " of '" + param + "' must be a "
            + "self-describing JSON: {\"schema\": an Iglu URI, \"data\": …}"));
        return List.of();
      }
      out.add(Entity.of(entity.get("schema").textValue(), entity.get("data")));
    }
    return out;
  }

  private static boolean isSelfDescribing(JsonNode node) {
    if (node == null || !node.isObject() || !node.has("data")) {
      return false;
    }
    JsonNode schema = node.get("schema");
    return schema != null && schema.isTextual() && IgluUri.isValid(schema.textValue());
  }

  /** Parses a JSON parameter, base64-decoding it first when {@code encoded}; null after recording a violation. */
  private static JsonNode json(String value, String param, boolean encoded, List<ProtocolViolation> violations) {
    String text = value;
    if (encoded) {
      byte[] bytes = LenientBase64.decode(value);
      if (bytes == null) {
        violations.add(ProtocolViolation.parameter(param, "'" + param
            + "' is not base64 (standard or URL-safe alphabet)"));
        return null;
      }
      try {
        text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
      } catch (CharacterCodingException e) {
        violations.add(ProtocolViolation.parameter(param, "'" + param + "' does not decode to UTF-8 text"));
        return null;
      }
    }
    try {
      JsonNode node = WellFormedText.of(Json.reader().readTree(text));
      if (node == null || node.isMissingNode()) {
        violations.add(ProtocolViolation.parameter(param, "'" + param + "' holds no JSON"));
        return null;
      }
      return node;
    } catch (JacksonException e) {
      violations.add(ProtocolViolation.parameter(param, "'" + param + "' is not valid JSON"
          + (encoded ? " after base64 decoding" : "")));
      return null;
    }
  }

  private static void urlAttributes(String url, String prefix, boolean marketing, Map<String, String> attributes) {
    if (url == null) {
      return;
    }
    UrlParts parts = UrlParts.parse(url);
    if (parts == null) {
      return;
    }
    Map<String, String> named = new LinkedHashMap<>();
    parts.putInto(named, prefix);
    if (marketing) {
      named.putAll(parts.marketing());
    }
    named.forEach((k, v) -> attributes.put(ATTR + k, v));
  }
}
