package dev.eventkit.input.selfdescribing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.Input;
import dev.eventkit.http.Intake;
import dev.eventkit.http.ItemRejection;
import dev.eventkit.http.Rejection;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import dev.eventkit.internal.http.JsonBody;
import dev.eventkit.internal.http.PathName;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaUri;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Self-describing JSON events on {@code POST /sd} and {@code POST /sd/{stream}} (path configurable): one event or a
 * non-empty array of them, each
 * {@code {"schema": "<schema URI>", "data": <any JSON>, "contexts": [{"schema", "data"}, …], "id": "…",
 * "sentAt": "<ISO-8601>"}} where {@code schema} and {@code data} are required.
 *
 * <p>The envelope's payload is {@code data}, its schema {@code schema}, its contexts {@code contexts}; its id is
 * {@code id} when given. Checked here: the shape, well-formed schema URIs (a malformed one is refused with 400
 * naming it), no unknown top-level fields (they would otherwise be dropped silently). Not checked here: whether
 * the schemas exist or the data conforms — that is the pipeline's validator, and an unknown schema is accepted and
 * routed as invalid. In a batch, good events are kept and bad ones listed. Accepts {@code application/json} and
 * {@code text/plain} (browsers' {@code sendBeacon}). Immutable and thread-safe.
 */
public final class SelfDescribingInput implements Input {

  /** Protocol name recorded in envelopes. */
  public static final String PROTOCOL = "selfdescribing";

  private static final Set<String> FIELDS = Set.of("schema", "data", "contexts", "id", "sentAt");
  private static final int MAX_ID_LENGTH = 256;

  private final String path;

  private SelfDescribingInput(String path) {
    this.path = path;
  }

  /** The input at {@code /sd}. */
  public static SelfDescribingInput create() {
    return at("/sd");
  }

  /** The input at another path; throws {@link IllegalArgumentException} unless it starts and does not end with '/'. */
  public static SelfDescribingInput at(String path) {
    Objects.requireNonNull(path, "path");
    PathName.requireBasePath("path", path);
    return new SelfDescribingInput(path);
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.post(path, "application/json", "text/plain"),
        Route.post(path + "/{stream}", "application/json", "text/plain"));
  }

  @Override
  public Intake read(HttpRequest request, RequestContext context) {
    String stream = context.pathParameter("stream", Envelope.DEFAULT_STREAM);
    if (!PathName.isValid(stream)) {
      return Intake.rejected(Rejection.badRequest("invalid_stream",
          "a stream name is 1-128 letters, digits, '.', '_' or '-'", "stream"));
    }
    JsonBody body = JsonBody.parse(request.body());
    if (body.isRejected()) {
      return Intake.rejected(body.rejection());
    }
    List<JsonNode> items = new ArrayList<>();
    if (body.node().isArray()) {
      if (body.node().isEmpty()) {
        return Intake.rejected(Rejection.badRequest("empty_batch", "the batch holds no events", null));
      }
      body.node().forEach(items::add);
    } else {
      items.add(body.node());
    }
    List<Envelope> envelopes = new ArrayList<>();
    List<ItemRejection> rejected = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      try {
        envelopes.add(envelope(items.get(i), stream, context));
      } catch (BadItem e) {
        rejected.add(new ItemRejection(i, e.rejection));
      }
    }
    return Intake.of(envelopes, rejected);
  }

  private static Envelope envelope(JsonNode item, String stream, RequestContext context) throws BadItem {
    if (!item.isObject()) {
      throw new BadItem("wrong_type", "a self-describing event is a JSON object", null);
    }
    for (Iterator<String> it = item.fieldNames(); it.hasNext();) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new BadItem("unknown_field", "unknown field; an event has schema, data, contexts, id and sentAt",
            f.length() > 64 ? f.substring(0, 64) : f);
      }
    }
    String schema = schemaUri(item, "schema");
    JsonNode data = item.get("data");
    if (data == null || data.isNull()) {
      throw new BadItem("missing_field", "field 'data' is required", "data");
    }
    Envelope.Builder b = context.envelope(PROTOCOL).stream(stream).schema(schema).payload(data);
    JsonNode contexts = item.get("contexts");
    if (contexts != null && !contexts.isNull()) {
      if (!contexts.isArray()) {
        throw new BadItem("wrong_type", "field 'contexts' must be an array", "contexts");
      }
      List<Entity> entities = new ArrayList<>(contexts.size());
      for (int i = 0; i < contexts.size(); i++) {
        JsonNode c = contexts.get(i);
        String field = "contexts/" + i;
        if (!c.isObject()) {
          throw new BadItem("wrong_type", "a context is a {\"schema\", \"data\"} object", field);
        }
        String cs = schemaUri(c, field + "/schema");
        JsonNode cd = c.get("data");
        if (cd == null || cd.isNull()) {
          throw new BadItem("missing_field", "a context's 'data' is required", field + "/data");
        }
        if (c.size() != 2) {
          throw new BadItem("unknown_field", "a context has only 'schema' and 'data'", field);
        }
        entities.add(new Entity(cs, Json.write(cd)));
      }
      b.contexts(entities);
    }
    JsonNode id = item.get("id");
    if (id != null && !id.isNull()) {
      if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > MAX_ID_LENGTH) {
        throw new BadItem("wrong_type", "field 'id' must be a string of 1-" + MAX_ID_LENGTH + " characters", "id");
      }
      b.id(id.textValue());
    }
    JsonNode sentAt = item.get("sentAt");
    if (sentAt != null && !sentAt.isNull()) {
      b.sentAt(time(sentAt));
    }
    return b.build();
  }

  /** The schema URI at {@code field} (a path such as {@code contexts/0/schema}); refused when malformed. */
  private static String schemaUri(JsonNode node, String field) throws BadItem {
    JsonNode s = node.get("schema");
    if (s == null || s.isNull()) {
      throw new BadItem("missing_field", "field 'schema' is required", field);
    }
    if (!s.isTextual()) {
      throw new BadItem("wrong_type", "field 'schema' must be a string", field);
    }
    try {
      return SchemaUri.parse(s.textValue()).toString();
    } catch (IllegalArgumentException e) {
      throw new BadItem("invalid_schema_uri", e.getMessage(), field);
    }
  }

  private static Instant time(JsonNode n) throws BadItem {
    if (n.isTextual()) {
      try {
        return OffsetDateTime.parse(n.textValue()).toInstant();
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw new BadItem("wrong_format", "field 'sentAt' must be an ISO-8601 time with offset", "sentAt");
  }

  /** One event refused; carried as an exception only within this class. */
  private static final class BadItem extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Rejection rejection;

    BadItem(String code, String message, String field) {
      super(code, null, false, false);
      this.rejection = Rejection.badRequest(code, message, field);
    }
  }
}
