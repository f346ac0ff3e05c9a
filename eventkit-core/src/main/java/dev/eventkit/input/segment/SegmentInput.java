package dev.eventkit.input.segment;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Envelope;
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
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Segment-style events: {@code POST /collect} and {@code /collect/{stream}} (one event or a JSON array), and the
 * Segment tracking API, so that Segment's and RudderStack's libraries, browser and mobile, can point at the
 * collector. {@code /collect} also takes self-describing {@code {"schema", "data"}} events.
 *
 * <p>The tracking API: {@code POST /v1/track|identify|page|screen|group|alias} and the short paths analytics.js
 * uses, {@code /v1/t|i|p|s|g|a}; batches on {@code /v1/batch}, {@code /v1/import}, {@code /v1/b} (analytics.js
 * batching, Segment's mobile libraries) and {@code /beacon/v1/batch} (RudderStack's {@code sendBeacon} delivery).
 * These routes read the body as JSON whatever its declared type (browsers send {@code text/plain} to spare a CORS
 * preflight, beacons whatever their blob says), answer 200 as Segment does (RudderStack's mobile libraries take
 * nothing else as success), and store each event as Segment does: {@code timestamp} corrected for the device's
 * clock skew, the device time in {@code originalTimestamp}, {@code sentAt} and {@code receivedAt} (see
 * {@link SegmentMessage#parse(JsonNode, SegmentEventType, SegmentMessage.ApiTimes)}). {@code /collect} stores
 * events as sent and takes {@code application/json} or {@code text/plain}.
 *
 * <p>On every route a {@code writeKey} in the body is removed before the event is stored ({@link #writeKeyInBody}
 * finds it for a collector that requires keys); the key in
 * {@code Authorization} or in the query is never stored either. Each event is checked by {@link SegmentMessage#parse};
 * in a batch, good events are kept and bad ones are listed in the response. The envelope id is the event's
 * {@code messageId} when given. Stateless and thread-safe.
 *
 * <p>A batch's shared {@code context} is copied into each of its events, so a small request can stand for much more
 * stored data; a batch whose context, copied into every event, would exceed {@link Builder#maxSharedContextBytes}
 * (default {@value #DEFAULT_MAX_SHARED_CONTEXT_BYTES} bytes in all) is refused whole with 413
 * {@code batch_context_too_large} before anything is copied.
 */
public final class SegmentInput implements Input {

  /** Protocol name recorded in envelopes. */
  public static final String PROTOCOL = "segment";

  private static final String[] MEDIA_TYPES = {"application/json", "text/plain"};
  /** The body field in which Segment's browser library sends the write key. */
  private static final String WRITE_KEY = "writeKey";

  /** The tracking API's batch routes: Segment's, analytics.js' short one, RudderStack's beacon. */
  private static final List<String> BATCH_ROUTES = List.of("/v1/batch", "/v1/import", "/v1/b", "/beacon/v1/batch");

  /** The default bound on a batch's shared context times its events, in bytes of JSON. */
  public static final long DEFAULT_MAX_SHARED_CONTEXT_BYTES = 8L * 1024 * 1024;

  private final String collectPath;
  private final String segmentStream;
  private final long maxSharedContextBytes;

  private SegmentInput(Builder b) {
    this.collectPath = b.collectPath;
    this.segmentStream = b.segmentStream;
    this.maxSharedContextBytes = b.maxSharedContextBytes;
  }

  public static SegmentInput create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public List<Route> routes() {
    List<Route> routes = new ArrayList<>();
    routes.add(Route.post(collectPath, MEDIA_TYPES));
    routes.add(Route.post(collectPath + "/{stream}", MEDIA_TYPES));
    // No media types: the tracking API takes JSON whatever the declared type.
    for (SegmentEventType t : SegmentEventType.values()) {
      if (t != SegmentEventType.SELF_DESCRIBING) {
        routes.add(Route.post("/v1/" + t.wireName()));
        routes.add(Route.post("/v1/" + shortName(t)));
      }
    }
    BATCH_ROUTES.forEach(path -> routes.add(Route.post(path)));
    return routes;
  }

  /** The one-letter path analytics.js posts each type to: {@code t}, {@code i}, {@code p}, … */
  private static String shortName(SegmentEventType type) {
    return type.wireName().substring(0, 1);
  }

  private static SegmentEventType fromPathName(String name) {
    for (SegmentEventType t : SegmentEventType.values()) {
      if (t != SegmentEventType.SELF_DESCRIBING && (t.wireName().equals(name) || shortName(t).equals(name))) {
        return t;
      }
    }
    throw new IllegalStateException("no Segment route " + name);
  }

  private boolean isTrackingApi(Route route) {
    String t = route.template();
    return !t.equals(collectPath) && !t.equals(collectPath + "/{stream}");
  }

  /** The top-level {@code writeKey} string of a JSON object body, found without building a tree; else null. */
  @Override
  public String writeKeyInBody(HttpRequest request) {
    byte[] body = request.body();
    if (body.length == 0) {
      return null;
    }
    try (JsonParser p = Json.reader().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (WRITE_KEY.equals(name) && value == JsonToken.VALUE_STRING) {
          return p.getText();
        }
        p.skipChildren();
      }
      return null;
    } catch (IOException | RuntimeException e) {
      return null; // not JSON: read() answers that
    }
  }

  @Override
  public Intake read(HttpRequest request, RequestContext context) {
    String template = context.route().template();
    JsonBody body = JsonBody.parse(request.body());
    if (body.isRejected()) {
      return Intake.rejected(body.rejection());
    }
    JsonNode root = body.node();
    if (isTrackingApi(context.route())) {
      if (BATCH_ROUTES.contains(template)) {
        return readSegmentBatch(root, context);
      }
      SegmentEventType type = fromPathName(template.substring(template.lastIndexOf('/') + 1));
      return readItems(List.of(root), type, segmentStream, null, new SegmentMessage.ApiTimes(context.receivedAt(),
          null), context);
    }
    String stream = context.pathParameter("stream", Envelope.DEFAULT_STREAM);
    if (!PathName.isValid(stream)) {
      return Intake.rejected(Rejection.badRequest("invalid_stream",
          "a stream name is 1-128 letters, digits, '.', '_' or '-'", "stream"));
    }
    List<JsonNode> items = new ArrayList<>();
    if (root.isArray()) {
      if (root.isEmpty()) {
        return Intake.rejected(Rejection.badRequest("empty_batch", "the batch holds no events", null));
      }
      root.forEach(items::add);
    } else {
      items.add(root);
    }
    return readItems(items, null, stream, null, null, context);
  }

  /**
   * On the tracking API, 200 where the default answers 202: Segment answers 200, and RudderStack's mobile libraries
   * retry anything else, which would store the batch again.
   */
  @Override
  public HttpResponse respond(Intake intake, RequestContext context) {
    HttpResponse r = Input.super.respond(intake, context);
    if (r.status() != 202 || !isTrackingApi(context.route())) {
      return r;
    }
    return HttpResponse.json(200, Json.read(r.bodyText()));
  }

  private Intake readSegmentBatch(JsonNode root, RequestContext context) {
    if (!root.isObject()) {
      return Intake.rejected(Rejection.badRequest("wrong_type", "a batch request is a JSON object", null));
    }
    JsonNode batch = root.get("batch");
    if (batch == null || !batch.isArray()) {
      return Intake.rejected(Rejection.badRequest(batch == null ? "missing_field" : "wrong_type",
          "field 'batch' must be an array of events", "batch"));
    }
    if (batch.isEmpty()) {
      return Intake.rejected(Rejection.badRequest("empty_batch", "the batch holds no events", "batch"));
    }
    JsonNode sharedContext = root.get("context");
    JsonNode sentAt = root.get("sentAt");
    String batchSentAt = null;
    if (sentAt != null && sentAt.isTextual()) {
      if (SegmentMessage.parseTime(sentAt.textValue()) == null) {
        return Intake.rejected(Rejection.badRequest("wrong_format", "field 'sentAt' must be an ISO-8601 time",
            "sentAt"));
      }
      batchSentAt = sentAt.textValue();
    }
    if (sharedContext != null && sharedContext.isObject()
        && (long) Json.write(sharedContext).length() * batch.size() > maxSharedContextBytes) {
      return Intake.rejected(new Rejection(413, "batch_context_too_large",
          "the batch's context copied into each of its "
              + batch.size() + " events would exceed " + maxSharedContextBytes + " bytes; send smaller batches",
          "context"));
    }
    List<JsonNode> items = new ArrayList<>();
    batch.forEach(items::add);
    return readItems(items, null, segmentStream, sharedContext != null && sharedContext.isObject()
        ? (ObjectNode) sharedContext : null, new SegmentMessage.ApiTimes(context.receivedAt(), batchSentAt), context);
  }

  /** Reads events; {@code api} is null on {@code /collect}, which stores events as sent. */
  private Intake readItems(List<JsonNode> items, SegmentEventType impliedType, String stream, ObjectNode sharedContext,
      SegmentMessage.ApiTimes api, RequestContext context) {
    Instant batchSentAt = api == null || api.batchSentAt() == null ? null : SegmentMessage.parseTime(api.batchSentAt());
    List<Envelope> envelopes = new ArrayList<>(items.size());
    List<ItemRejection> rejected = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      if (item.isObject()) {
        ((ObjectNode) item).remove(WRITE_KEY); // a key is never stored
      }
      if (sharedContext != null && item.isObject()) {
        mergeContext((ObjectNode) item, sharedContext);
      }
      SegmentMessage event;
      try {
        event = SegmentMessage.parse(item, impliedType, api);
      } catch (SegmentFormatException e) {
        rejected.add(new ItemRejection(i, Rejection.badRequest(e.code(), e.getMessage(), e.field())));
        continue;
      }
      Envelope.Builder b = context.envelope(PROTOCOL)
          .id(event.messageId())
          .stream(stream)
          .schema(event.schema())
          .payloadJson(event.json())
          .sentAt(event.sentAt() != null ? event.sentAt() : batchSentAt)
          .attribute("eventType", event.type().wireName());
      if (event.type() == SegmentEventType.SELF_DESCRIBING) {
        // As on /sd: the payload is what the schema describes.
        b.protocol("selfdescribing").payloadJson(event.dataJson()).contexts(event.contexts());
      }
      envelopes.add(b.build());
    }
    return Intake.of(envelopes, rejected);
  }

  /** Segment's rule: batch-level context fills in what an event's own context does not say. */
  private static void mergeContext(ObjectNode event, ObjectNode shared) {
    JsonNode own = event.get("context");
    if (own == null || own.isNull()) {
      event.set("context", shared.deepCopy());
    } else if (own.isObject()) {
      for (Map.Entry<String, JsonNode> f : shared.properties()) {
        if (!own.has(f.getKey())) {
          ((ObjectNode) own).set(f.getKey(), f.getValue().deepCopy());
        }
      }
    }
  }

  /** Builder; not thread-safe. Defaults: {@code /collect}, and stream {@code default} for the Segment API. */
  public static final class Builder {
    private String collectPath = "/collect";
    private String segmentStream = Envelope.DEFAULT_STREAM;
    private long maxSharedContextBytes = DEFAULT_MAX_SHARED_CONTEXT_BYTES;

    private Builder() {}

    /**
     * The most a batch's shared {@code context} may add to storage once copied into each event (its JSON length
     * times the events in the batch); a larger batch is refused with 413. Default
     * {@value SegmentInput#DEFAULT_MAX_SHARED_CONTEXT_BYTES}.
     */
    public Builder maxSharedContextBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxSharedContextBytes must be positive");
      }
      this.maxSharedContextBytes = bytes;
      return this;
    }

    public Builder collectPath(String path) {
      this.collectPath = Objects.requireNonNull(path, "collectPath");
      return this;
    }

    /** The stream that events arriving through the Segment API ({@code /v1/...}) belong to. */
    public Builder segmentStream(String stream) {
      this.segmentStream = Objects.requireNonNull(stream, "segmentStream");
      return this;
    }

    public SegmentInput build() {
      PathName.requireBasePath("collectPath", collectPath);
      if (!PathName.isValid(segmentStream)) {
        throw new IllegalArgumentException("invalid segmentStream name");
      }
      return new SegmentInput(this);
    }
  }
}
