package dev.eventkit.snowplow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.Input;
import dev.eventkit.http.Intake;
import dev.eventkit.http.ItemRejection;
import dev.eventkit.http.Rejection;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.internal.http.JsonBody;
import dev.eventkit.internal.http.PathName;
import dev.eventkit.internal.id.RandomIds;
import dev.eventkit.internal.json.Json;
import dev.eventkit.internal.text.WellFormedText;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Snowplow tracker protocol, so that Snowplow's trackers can send to an eventkit collector unchanged.
 *
 * <p>Routes: {@code GET /i} (the pixel: query-string events, answered with a 1×1 GIF); {@code POST} (and
 * {@code GET}) {@code /com.snowplowanalytics.snowplow/tp2}, whose body is a {@code payload_data} self-describing
 * JSON holding a batch of events; {@code GET|POST /{vendor}/{version}} for custom paths whose vendor is a
 * reverse-DNS name (such as {@code /com.acme/track}); and {@code GET /r/tp2}, a click redirect, only when
 * {@link Builder#redirectHosts redirect hosts} are configured. CORS preflights are answered by the collector.
 *
 * <p>Each event becomes one envelope: its id is {@code eid}; its schema the self-describing event's own (for
 * {@code ue}) or the one {@link SnowplowEventType#schema()} names; its payload the self-describing event's data or
 * the type's own fields ({@code se_category}, {@code tr_total}, …) as typed JSON; its contexts the entities of
 * {@code cx}/{@code co}; its {@code sentAt} the device's {@code stm}; and its attributes, prefixed
 * {@code snowplow.}, the fields shared by all events under Snowplow's canonical names (timestamps including
 * {@code derived_tstamp}, app and user ids, the network user id, page URL and referrer parts, marketing fields, and
 * every other parameter as {@code snowplow.param.NAME}).
 *
 * <p>A request that breaks the protocol is kept as a failed event ({@link ValidationError#PROTOCOL_VIOLATION},
 * payload holding the raw body or query string) and answered 400 on POST, and with the pixel on GET, since a pixel
 * cannot act on an error. In a POST batch, good events are kept as usual. The network user id cookie is set on
 * every answer unless disabled or the request carries {@code SP-Anonymous}.
 *
 * <p>Immutable and thread-safe; build with {@link #create()} or {@link #builder()}. Never throws for any request:
 * an unexpected failure while reading is itself kept as a failed event.
 */
public final class SnowplowInput implements Input {

  /** Protocol name recorded in envelopes. */
  public static final String PROTOCOL = "snowplow";
  /** The POST (batch) endpoint of the tracker protocol. */
  public static final String TP2_PATH = "/com.snowplowanalytics.snowplow/tp2";
  /** The pixel endpoint. */
  public static final String PIXEL_PATH = "/i";
  /** The click-redirect endpoint. */
  public static final String REDIRECT_PATH = "/r/tp2";

  private static final Logger LOG = LoggerFactory.getLogger(SnowplowInput.class);
  private static final String CUSTOM_PATH = "/{vendor}/{version}";
  private static final Pattern VENDOR = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+");
  private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9-]{1,63}(\\.[a-z0-9-]{1,63})*");

  private final String stream;
  private final NetworkUserIdCookie cookie;
  private final Set<String> redirectHosts;
  private final boolean customPaths;

  private SnowplowInput(Builder b) {
    this.stream = b.stream;
    this.cookie = b.cookie;
    this.redirectHosts = Set.copyOf(b.redirectHosts);
    this.customPaths = b.customPaths;
  }

  /** An input with the defaults of {@link Builder}. */
  public static SnowplowInput create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Route> routes() {
    List<Route> routes = new ArrayList<>();
    routes.add(Route.get(PIXEL_PATH));
    routes.add(Route.get(TP2_PATH));
    routes.add(new Route("POST", TP2_PATH, Set.of()));
    if (!redirectHosts.isEmpty()) {
      routes.add(Route.get(REDIRECT_PATH));
    }
    if (customPaths) {
      routes.add(Route.get(CUSTOM_PATH));
      routes.add(new Route("POST", CUSTOM_PATH, Set.of()));
    }
    return routes;
  }

  @Override
  public Intake read(HttpRequest request, RequestContext context) {
    String template = context.route().template();
    if (template.equals(CUSTOM_PATH) && !VENDOR.matcher(context.pathParameter("vendor", "")).matches()) {
      return Intake.rejected(new Rejection(404, "not_found", "no route for this path", null));
    }
    RequestFacts facts = facts(request, context);
    try {
      if (template.equals(REDIRECT_PATH)) {
        return readRedirect(request, facts);
      }
      if (request.method().equals("GET")) {
        return readQuery(request, facts);
      }
      return readBody(request, facts);
    } catch (RuntimeException e) {
      // A bug here must not lose the request: keep it whole as a failed event.
      LOG.warn("could not read a Snowplow request on {}: {}", template, e.toString());
      ProtocolViolation v = ProtocolViolation.body(null, "the collector could not read this request");
      return Intake.rejectedKeeping(new Rejection(400, "unreadable_request", v.message(), null),
          List.of(failed(facts, rawPayload(request), List.of(v), null, null)));
    }
  }

  private RequestFacts facts(HttpRequest request, RequestContext context) {
    boolean anonymous = request.header("SP-Anonymous") != null;
    // The collector's ClientAddressPolicy (trusted proxies, right-most untrusted address) is the one rule.
    String ip = anonymous ? null : context.clientIp();
    String userId = null;
    if (cookie.enabled()) {
      if (anonymous) {
        userId = EventReader.ANONYMOUS_USER_ID;
      } else {
        userId = cookie.read(request);
        if (userId == null) {
          userId = RandomIds.uuid();
        }
      }
    }
    return new RequestFacts(context, WellFormedText.of(ip), userId, anonymous, WellFormedText.of(request.path()),
        stream, null);
  }

  private Intake readQuery(HttpRequest request, RequestFacts facts) {
    Map<String, String> params = firstValues(request.queryParameters());
    return single(params, facts, rawQuery(request), List.of());
  }

  private Intake readRedirect(HttpRequest request, RequestFacts facts) {
    Map<String, String> params = firstValues(request.queryParameters());
    String target = params.remove("u");
    List<ProtocolViolation> violations = new ArrayList<>();
    String location = null;
    if (target == null || target.isEmpty()) {
      violations.add(ProtocolViolation.parameter("u", "a redirect needs its target URL in parameter 'u'"));
    } else {
      location = redirectLocation(target);
      if (location == null) {
        violations.add(ProtocolViolation.parameter("u",
            "the redirect target must be an http(s) URL on an allowed host"));
      }
    }
    if (location != null && !params.containsKey("e")) {
      // Snowplow's rule: a redirect that names no event is a uri_redirect self-describing event.
      ObjectNode wrapper = Json.object();
      wrapper.put("schema", "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0");
      ObjectNode inner = wrapper.putObject("data");
      inner.put("schema", SnowplowSchemas.URI_REDIRECT);
      inner.putObject("data").put("uri", target);
      params.put("e", "ue");
      params.put("ue_pr", Json.write(wrapper));
      params.remove("ue_px");
    }
    return single(params, facts.withRedirect(location), rawQuery(request), violations);
  }

  private Intake single(Map<String, String> params, RequestFacts facts, String raw,
      List<ProtocolViolation> earlier) {
    // A refused redirect that names no event is not read further: its target is the whole story.
    EventReader.Outcome outcome = earlier.isEmpty() || params.containsKey("e")
        ? EventReader.read(params, facts, false) : null;
    if (outcome != null && outcome.ok() && earlier.isEmpty()) {
      return Intake.of(List.of(outcome.envelope()), List.of());
    }
    List<ProtocolViolation> all = new ArrayList<>(earlier);
    if (outcome != null) {
      all.addAll(outcome.violations());
    }
    ObjectNode payload = Json.object();
    payload.put("raw", raw);
    ObjectNode parameters = payload.putObject("parameters");
    params.forEach(parameters::put);
    return Intake.rejectedKeeping(all.get(0).toRejection(),
        List.of(failed(facts, payload, all, outcome == null ? null : outcome.eventId(),
            outcome == null ? null : outcome.type())));
  }

  private Intake readBody(HttpRequest request, RequestFacts facts) {
    List<Map<String, String>> plain = PayloadDataBody.events(request.body());
    if (plain != null) {
      return readEvents(plain, request, facts);
    }
    JsonBody body = JsonBody.parse(request.body());
    if (body.isRejected()) {
      ProtocolViolation v = ProtocolViolation.body(null, body.rejection().message());
      Intake kept = wholeBody(request, facts, null, v);
      if (JsonBody.MALFORMED_UTF8.equals(body.rejection().code())) {
        // Kept as a failed event like any protocol violation, but answered as every JSON route answers bytes
        // that are not UTF-8.
        return Intake.rejectedKeeping(body.rejection(), kept.envelopes());
      }
      return kept;
    }
    JsonNode root = WellFormedText.of(body.node());
    JsonNode schema = root.isObject() ? root.get("schema") : null;
    String schemaUri = schema != null && schema.isTextual() ? schema.textValue() : null;
    if (!IgluUri.matches(schemaUri, SnowplowSchemas.SNOWPLOW_VENDOR, "payload_data", 1, 0)) {
      return wholeBody(request, facts, root, ProtocolViolation.body("schema", payloadDataMismatch(root, schemaUri)));
    }
    JsonNode data = root.get("data");
    if (data == null || !data.isArray() || data.isEmpty()) {
      return wholeBody(request, facts, root, ProtocolViolation.body("data",
          "the payload_data's 'data' must be a non-empty array of events"));
    }
    Map<String, String> query = firstValues(request.queryParameters());
    List<Envelope> envelopes = new ArrayList<>(data.size());
    List<ItemRejection> rejected = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      JsonNode item = data.get(i);
      List<ProtocolViolation> violations = new ArrayList<>();
      Map<String, String> params = new LinkedHashMap<>();
      if (!item.isObject()) {
        violations.add(new ProtocolViolation("/raw", "data", "event " + i + " of the payload_data is not a JSON "
            + "object"));
      } else {
        for (Map.Entry<String, JsonNode> f : item.properties()) {
          if (f.getValue().isTextual()) {
            params.put(f.getKey(), f.getValue().textValue());
          } else {
            // Answers never repeat a name that is not a plain parameter name.
            String which = PathName.isValid(f.getKey()) ? "parameter '" + shortName(f.getKey()) + "'" : "a parameter";
            violations.add(ProtocolViolation.parameter(f.getKey(), which
                + " must be a string, as the tracker protocol sends every parameter"
                + (f.getValue().isNull() ? " (it is null)" : "")));
          }
        }
        params.putAll(query); // Snowplow's rule: query-string parameters apply to every event and win.
      }
      EventReader.Outcome outcome = item.isObject() ? EventReader.read(params, facts, true) : null;
      if (outcome != null && outcome.ok() && violations.isEmpty()) {
        envelopes.add(outcome.envelope());
        continue;
      }
      if (outcome != null) {
        violations.addAll(outcome.violations());
      }
      ObjectNode payload = Json.object();
      payload.put("raw", Json.write(item));
      payload.put("index", i);
      payload.set("parameters", item.isObject() ? item.deepCopy() : Json.object());
      envelopes.add(failed(facts, payload, violations, outcome == null ? null : outcome.eventId(),
          outcome == null ? null : outcome.type()));
      rejected.add(new ItemRejection(i, violations.get(0).toRejection()));
    }
    return Intake.of(envelopes, rejected);
  }

  /**
   * The events of a plain {@code payload_data} body ({@link PayloadDataBody}), read as the tree reading below
   * reads them.
   */
  private Intake readEvents(List<Map<String, String>> events, HttpRequest request, RequestFacts facts) {
    Map<String, String> query = request.rawQuery() == null ? Map.of() : firstValues(request.queryParameters());
    List<Envelope> envelopes = new ArrayList<>(events.size());
    List<ItemRejection> rejected = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Map<String, String> own = events.get(i);
      Map<String, String> params = own;
      if (!query.isEmpty()) {
        params = new LinkedHashMap<>(own);
        params.putAll(query); // Snowplow's rule: query-string parameters apply to every event and win.
      }
      EventReader.Outcome outcome = EventReader.read(params, facts, true);
      if (outcome.ok()) {
        envelopes.add(outcome.envelope());
        continue;
      }
      ObjectNode item = Json.object();
      own.forEach(item::put);
      ObjectNode payload = Json.object();
      payload.put("raw", Json.write(item));
      payload.put("index", i);
      payload.set("parameters", item);
      envelopes.add(failed(facts, payload, outcome.violations(), outcome.eventId(), outcome.type()));
      rejected.add(new ItemRejection(i, outcome.violations().get(0).toRejection()));
    }
    return Intake.of(envelopes, rejected);
  }

  /** A parameter name short enough to quote in a message. */
  private static String shortName(String name) {
    return name.length() <= 64 ? name : name.substring(0, 64) + "…";
  }

  private static String payloadDataMismatch(JsonNode root, String schemaUri) {
    if (IgluUri.isSnowplow(schemaUri, "unstruct_event")) {
      return "the body is an unstruct_event self-describing JSON, not a payload_data batch: a self-describing "
          + "event travels in the 'ue_pr' (or base64 'ue_px') parameter of an event with e=ue, inside "
          + "{\"schema\": \"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\", \"data\": [ … ]}";
    }
    if (root.isArray()) {
      return "the body is a bare array; wrap the events as {\"schema\": "
          + "\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\", \"data\": [ … ]}";
    }
    return "the body must be a self-describing JSON with schema "
        + "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-* and an array of events as 'data'";
  }

  private Intake wholeBody(HttpRequest request, RequestFacts facts, JsonNode parsed, ProtocolViolation v) {
    ObjectNode payload = rawPayload(request);
    if (parsed != null) {
      payload.set("body", parsed);
    }
    return Intake.rejectedKeeping(v.toRejection(), List.of(failed(facts, payload, List.of(v), null, null)));
  }

  /** The request as received: the body (as text, or base64 when it is not UTF-8) or else the query string. */
  private static ObjectNode rawPayload(HttpRequest request) {
    ObjectNode payload = Json.object();
    byte[] body = request.body();
    if (body.length == 0 && request.method().equals("GET")) {
      payload.put("raw", rawQuery(request));
      return payload;
    }
    try {
      payload.put("raw", StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString());
    } catch (CharacterCodingException e) {
      payload.put("rawBase64", Base64.getEncoder().encodeToString(body));
    }
    if (request.rawQuery() != null) {
      payload.put("query", rawQuery(request));
    }
    return payload;
  }

  private static String rawQuery(HttpRequest request) {
    return request.rawQuery() == null ? "" : WellFormedText.of(request.rawQuery());
  }

  /** The first value of each parameter (Snowplow takes one value a name), as well-formed text. */
  private static Map<String, String> firstValues(Map<String, List<String>> query) {
    Map<String, String> out = new LinkedHashMap<>();
    query.forEach((k, v) -> {
      if (!v.isEmpty()) {
        out.putIfAbsent(WellFormedText.of(k), WellFormedText.of(v.get(0)));
      }
    });
    return out;
  }

  private Envelope failed(RequestFacts facts, ObjectNode payload, List<ProtocolViolation> violations,
      String eventId, SnowplowEventType type) {
    Map<String, String> attributes = new LinkedHashMap<>();
    EventReader.putRequestAttributes(attributes, facts);
    if (type != null) {
      attributes.put(EventReader.ATTR_EVENT_TYPE, type.canonicalName());
    }
    String message = violations.get(0).message()
        + (violations.size() > 1 ? " (and " + (violations.size() - 1) + " more)" : "");
    Envelope.Builder b = facts.context().envelope(PROTOCOL)
        .stream(facts.stream())
        .clientIp(facts.clientIp())
        .userAgent(WellFormedText.of(facts.context().userAgent()))
        .payload(payload)
        .attributes(attributes)
        .validation(Validation.invalid(ValidationError.PROTOCOL_VIOLATION, message,
            violations.stream().map(ProtocolViolation::toViolation).toList()));
    if (eventId != null) {
      b.id(eventId);
    }
    return b.build();
  }

  /** The URL to redirect to, normalised, or null when it is not an http(s) URL on an allowed host. */
  private String redirectLocation(String target) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(target);
    } catch (java.net.URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme();
    String host = uri.getHost();
    if (scheme == null || host == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    for (String allowed : redirectHosts) {
      if (allowed.startsWith("*.") ? h.endsWith(allowed.substring(1)) : h.equals(allowed)) {
        return uri.toASCIIString();
      }
    }
    return null;
  }

  @Override
  public HttpResponse respond(Intake intake, RequestContext context) {
    List<Envelope> envelopes = intake.envelopes();
    if (envelopes.isEmpty()) {
      return intake.rejection() != null ? intake.rejection().toResponse() : HttpResponse.pixel();
    }
    boolean failed = intake.rejection() != null || !intake.rejected().isEmpty();
    HttpResponse response;
    if (context.route().template().equals(REDIRECT_PATH)) {
      response = failed ? failure(intake) : HttpResponse.empty(302)
          .withHeader("Location", envelopes.get(0).attributes().get(EventReader.ATTR_REDIRECT))
          .withHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    } else if (context.route().method().equals("GET")) {
      response = HttpResponse.pixel();
    } else if (failed) {
      response = failure(intake);
    } else {
      ObjectNode body = Json.object();
      body.put("status", "accepted");
      body.put("accepted", envelopes.size());
      response = HttpResponse.json(200, body);
    }
    return withCookie(response, envelopes.get(0), context);
  }

  private static HttpResponse failure(Intake intake) {
    int failedCount = 0;
    for (Envelope e : intake.envelopes()) {
      if (e.validation().isInvalid()) {
        failedCount++;
      }
    }
    int accepted = intake.envelopes().size() - failedCount;
    ObjectNode body = Json.object();
    body.put("status", accepted == 0 ? "rejected" : "partial");
    body.put("accepted", accepted);
    body.put("failed", failedCount);
    if (intake.rejection() != null) {
      body.set("error", intake.rejection().errorJson());
    } else {
      body.set("error", intake.rejected().get(0).rejection().errorJson());
      body.put("rejectedCount", intake.rejected().size());
      body.set("rejected", ItemRejection.listJson(intake.rejected()));
    }
    return HttpResponse.json(400, body);
  }

  private HttpResponse withCookie(HttpResponse response, Envelope first, RequestContext context) {
    if (!cookie.enabled() || "true".equals(first.attributes().get(EventReader.ATTR_ANONYMOUS))) {
      return response;
    }
    String id = first.attributes().get(EventReader.ATTR_NETWORK_USER_ID);
    if (!NetworkUserIdCookie.isValue(id)) {
      return response;
    }
    return response.withHeader("Set-Cookie", cookie.setCookie(id, context.receivedAt()));
  }

  /**
   * Configures a {@link SnowplowInput}; not thread-safe. Defaults: stream {@code default}; the network user id
   * cookie with {@link NetworkUserIdCookie#defaults()}; the client address as the collector resolved it (its
   * {@code ClientAddressPolicy} decides which proxy headers count);
   * redirects disabled; custom {@code /{vendor}/{version}} paths enabled.
   */
  public static final class Builder {
    private String stream = Envelope.DEFAULT_STREAM;
    private NetworkUserIdCookie cookie = NetworkUserIdCookie.defaults();
    private final Set<String> redirectHosts = new LinkedHashSet<>();
    private boolean customPaths = true;

    private Builder() {}

    /** The stream Snowplow events are recorded in. */
    public Builder stream(String stream) {
      this.stream = Objects.requireNonNull(stream, "stream");
      return this;
    }

    /** The network user id cookie; {@link NetworkUserIdCookie#disabled()} to neither read nor set one. */
    public Builder cookie(NetworkUserIdCookie cookie) {
      this.cookie = Objects.requireNonNull(cookie, "cookie");
      return this;
    }

    /**
     * Enables {@code GET /r/tp2} and allows redirects to these hosts: an exact host ({@code shop.example.com}) or
     * every subdomain ({@code *.example.com}). Any other target is refused, so the collector is no open redirect.
     */
    public Builder redirectHosts(String... hosts) {
      redirectHosts.clear();
      for (String h : hosts) {
        redirectHosts.add(Objects.requireNonNull(h, "host").toLowerCase(Locale.ROOT));
      }
      return this;
    }

    /** Whether {@code GET|POST /{vendor}/{version}} paths (vendor a reverse-DNS name) take tracker events. */
    public Builder customPaths(boolean enabled) {
      this.customPaths = enabled;
      return this;
    }

    /** Builds the input; throws {@link IllegalArgumentException} naming an invalid setting. */
    public SnowplowInput build() {
      if (!PathName.isValid(stream)) {
        throw new IllegalArgumentException("a stream name is 1-128 letters, digits, '.', '_' or '-'");
      }
      for (String h : redirectHosts) {
        if (!HOST.matcher(h).matches()) {
          throw new IllegalArgumentException("redirect host '" + h
              + "' must be a host name, optionally starting with '*.'");
        }
      }
      return new SnowplowInput(this);
    }
  }
}
