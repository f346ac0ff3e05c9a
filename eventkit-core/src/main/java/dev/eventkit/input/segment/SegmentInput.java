package dev.eventkit.input.segment;

import dev.eventkit.internal.http.PathName;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.Input;
import dev.eventkit.http.Intake;
import dev.eventkit.internal.http.JsonBody;
import dev.eventkit.http.ItemRejection;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Rejection;
import dev.eventkit.http.Route;
import dev.eventkit.internal.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Segment-style events: {@code POST /collect} and {@code /collect/{stream}} (one event or a JSON array), and the
 * Segment HTTP API ({@code POST /v1/track|identify|page|screen|group|alias}, {@code /v1/batch} and
 * {@code /v1/import}), so Segment's own libraries can point at the collector. {@code /collect} also takes
 * self-describing {@code {"schema", "data"}} events.
 *
 * <p>Segment's browser library sends its write key in the body as {@code writeKey}: {@link #writeKeyInBody} finds
 * it there (for a collector that requires keys), and it is removed from every event before anything is stored,
 * whether keys are required or not.
 *
 * <p>Each event is checked by {@link SegmentMessage#parse}; in a batch, good events are kept and bad ones are listed in the
 * response. The envelope id is the event's {@code messageId} when given. Accepts {@code application/json} and
 * {@code text/plain} (what browsers' {@code sendBeacon} sends). Stateless and thread-safe.
 */
public final class SegmentInput implements Input {

  /** Protocol name recorded in envelopes. */
  public static final String PROTOCOL = "segment";

  private static final String[] MEDIA_TYPES = {"application/json", "text/plain"};
  /** The body field in which Segment's browser library sends the write key. */
  private static final String WRITE_KEY = "writeKey";

  private final String collectPath;
  private final String segmentStream;

  private SegmentInput(Builder b) {
    this.collectPath = b.collectPath;
    this.segmentStream = b.segmentStream;
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
    for (SegmentEventType t : SegmentEventType.values()) {
      if (t != SegmentEventType.SELF_DESCRIBING) {
        routes.add(Route.post("/v1/" + t.wireName(), MEDIA_TYPES));
      }
    }
    routes.add(Route.post("/v1/batch", MEDIA_TYPES));
    routes.add(Route.post("/v1/import", MEDIA_TYPES));
    return routes;
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
    if (template.startsWith("/v1/")) {
      String last = template.substring(4);
      if (last.equals("batch") || last.equals("import")) {
        return readSegmentBatch(root, context);
      }
      SegmentEventType type = SegmentEventType.fromWireName(last).orElseThrow();
      return readItems(List.of(root), type, segmentStream, null, null, context);
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
    Instant batchSentAt = null;
    if (sentAt != null && sentAt.isTextual()) {
      try {
        batchSentAt = java.time.OffsetDateTime.parse(sentAt.textValue()).toInstant();
      } catch (java.time.format.DateTimeParseException e) {
        return Intake.rejected(Rejection.badRequest("wrong_format", "field 'sentAt' must be an ISO-8601 time",
            "sentAt"));
      }
    }
    List<JsonNode> items = new ArrayList<>();
    batch.forEach(items::add);
    return readItems(items, null, segmentStream, sharedContext != null && sharedContext.isObject()
        ? (ObjectNode) sharedContext : null, batchSentAt, context);
  }

  private Intake readItems(List<JsonNode> items, SegmentEventType impliedType, String stream, ObjectNode sharedContext,
      Instant batchSentAt, RequestContext context) {
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
        event = SegmentMessage.parse(item, impliedType);
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

    private Builder() {}

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
