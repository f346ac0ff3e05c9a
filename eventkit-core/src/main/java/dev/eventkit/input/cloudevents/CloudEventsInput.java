package dev.eventkit.input.cloudevents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
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
import dev.eventkit.schema.SchemaUri;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * CloudEvents 1.0 over HTTP on {@code POST /cloudevents} and {@code POST /cloudevents/{stream}} (path configurable),
 * in all three modes of the HTTP binding: structured ({@code application/cloudevents+json}), batch
 * ({@code application/cloudevents-batch+json}, a JSON array of structured events, possibly empty) and binary
 * (attributes in {@code ce-*} headers, the data as the body with its own {@code Content-Type}). Any other request
 * without {@code ce-specversion} is 415.
 *
 * <p>Each event becomes an envelope whose payload is the event's data: JSON data as JSON; text data as a JSON
 * string; binary data ({@code data_base64}, or a non-text binary body) as a base64 JSON string with attribute
 * {@code dataEncoding=base64}; no data as JSON {@code null}. The context attributes ({@code specversion, id,
 * source, type, subject, time, dataschema, datacontenttype} and extensions) are kept verbatim as envelope
 * attributes. {@code dataschema} is the envelope's schema and must be a schema URI the registry understands
 * ({@code iglu:} or a relative name); anything else is refused with 400 naming it.
 *
 * <p>Envelope id: CloudEvents ids are unique only per source, so the envelope id is a name-based UUID (version 3)
 * of source and id together. A redelivered event (same source and id) gets the same envelope id, two sources'
 * equal ids do not collide, and the original id stays in attribute {@code id}.
 *
 * <p>Required attributes missing, a {@code specversion} other than 1.0, a {@code time} that is not RFC 3339, a
 * malformed extension: 400 (per event in a batch). Immutable and thread-safe.
 */
public final class CloudEventsInput implements Input {

  /** Protocol name recorded in envelopes. */
  public static final String PROTOCOL = "cloudevents";
  public static final String STRUCTURED = "application/cloudevents+json";
  public static final String BATCH = "application/cloudevents-batch+json";

  private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z0-9]{1,64}");
  private static final Set<String> STRING_ATTRIBUTES =
      Set.of("specversion", "id", "source", "type", "subject", "time", "dataschema", "datacontenttype");
  private static final int MAX_ATTRIBUTE_LENGTH = 4096;

  private final String path;

  private CloudEventsInput(String path) {
    this.path = path;
  }

  /** The input at {@code /cloudevents}. */
  public static CloudEventsInput create() {
    return at("/cloudevents");
  }

  /** The input at another path; throws {@link IllegalArgumentException} unless it starts and does not end with '/'. */
  public static CloudEventsInput at(String path) {
    Objects.requireNonNull(path, "path");
    PathName.requireBasePath("path", path);
    return new CloudEventsInput(path);
  }

  /** Routes take any media type: binary mode carries the data's own; {@link #read} answers 415 itself. */
  @Override
  public List<Route> routes() {
    return List.of(new Route("POST", path, Set.of()), new Route("POST", path + "/{stream}", Set.of()));
  }

  @Override
  public Intake read(HttpRequest request, RequestContext context) {
    String stream = context.pathParameter("stream", Envelope.DEFAULT_STREAM);
    if (!PathName.isValid(stream)) {
      return Intake.rejected(Rejection.badRequest("invalid_stream",
          "a stream name is 1-128 letters, digits, '.', '_' or '-'", "stream"));
    }
    String mediaType = request.mediaType();
    if (STRUCTURED.equals(mediaType)) {
      JsonBody body = JsonBody.parse(request.body());
      if (body.isRejected()) {
        return Intake.rejected(body.rejection());
      }
      try {
        return Intake.of(List.of(structured(body.node(), stream, context)), List.of());
      } catch (BadEvent e) {
        return Intake.rejected(e.rejection);
      }
    }
    if (BATCH.equals(mediaType)) {
      JsonBody body = JsonBody.parse(request.body());
      if (body.isRejected()) {
        return Intake.rejected(body.rejection());
      }
      if (!body.node().isArray()) {
        return Intake.rejected(Rejection.badRequest("wrong_type", "a batch is a JSON array of events", null));
      }
      List<Envelope> envelopes = new ArrayList<>();
      List<ItemRejection> rejected = new ArrayList<>();
      for (int i = 0; i < body.node().size(); i++) {
        try {
          envelopes.add(structured(body.node().get(i), stream, context));
        } catch (BadEvent e) {
          rejected.add(new ItemRejection(i, e.rejection));
        }
      }
      return Intake.of(envelopes, rejected);
    }
    if (request.header("ce-specversion") != null) {
      try {
        return Intake.of(List.of(binary(request, stream, context)), List.of());
      } catch (BadEvent e) {
        return Intake.rejected(e.rejection);
      }
    }
    return Intake.rejected(new Rejection(415, "unsupported_media_type", "this route takes " + STRUCTURED + ", "
        + BATCH + ", or a binary-mode event with ce-* headers", "Content-Type"));
  }

  private static Envelope structured(JsonNode event, String stream, RequestContext context) throws BadEvent {
    if (!event.isObject()) {
      throw new BadEvent("wrong_type", "a CloudEvent is a JSON object", null);
    }
    Map<String, String> attributes = new TreeMap<>();
    for (Map.Entry<String, JsonNode> f : event.properties()) {
      String name = f.getKey();
      JsonNode v = f.getValue();
      if (name.equals("data") || name.equals("data_base64")) {
        continue;
      }
      checkName(name);
      if (v.isNull()) {
        continue;
      }
      if (STRING_ATTRIBUTES.contains(name)) {
        if (!v.isTextual()) {
          throw new BadEvent("wrong_type", "attribute '" + name + "' must be a string", name);
        }
        attributes.put(name, v.textValue());
      } else if (v.isTextual() || v.isIntegralNumber() || v.isBoolean()) {
        attributes.put(name, v.asText());
      } else {
        throw new BadEvent("wrong_type", "an extension attribute is a string, integer or boolean", name);
      }
    }
    JsonNode data = event.get("data");
    JsonNode base64 = event.get("data_base64");
    boolean hasData = data != null && !data.isNull();
    boolean hasBase64 = base64 != null && !base64.isNull();
    if (hasData && hasBase64) {
      throw new BadEvent("wrong_value", "an event has 'data' or 'data_base64', not both", "data_base64");
    }
    JsonNode payload = NullNode.getInstance();
    if (hasData) {
      payload = data;
    } else if (hasBase64) {
      if (!base64.isTextual() || !isBase64(base64.textValue())) {
        throw new BadEvent("wrong_format", "'data_base64' must be base64 text", "data_base64");
      }
      payload = base64;
      attributes.put("dataEncoding", "base64");
    }
    return envelope(attributes, payload, stream, context);
  }

  private static Envelope binary(HttpRequest request, String stream, RequestContext context) throws BadEvent {
    Map<String, String> attributes = new TreeMap<>();
    for (Map.Entry<String, List<String>> h : request.headers().entrySet()) {
      String header = h.getKey().toLowerCase(Locale.ROOT);
      if (!header.startsWith("ce-") || h.getValue().isEmpty()) {
        continue;
      }
      String name = header.substring(3);
      checkName(name);
      if (h.getValue().size() > 1) {
        throw new BadEvent("wrong_value", "attribute '" + name + "' is given more than once", header);
      }
      attributes.put(name, percentDecode(h.getValue().get(0), header));
    }
    String contentType = request.header("Content-Type");
    if (contentType != null) {
      attributes.put("datacontenttype", contentType);
    }
    byte[] body = request.body();
    JsonNode payload = NullNode.getInstance();
    if (body.length > 0) {
      String mediaType = request.mediaType();
      if (isJson(mediaType)) {
        JsonBody parsed = JsonBody.parse(body);
        if (parsed.isRejected()) {
          throw new BadEvent(parsed.rejection());
        }
        payload = parsed.node();
      } else {
        String text = mediaType != null && mediaType.startsWith("text/") ? utf8(body) : null;
        if (text != null) {
          payload = JsonNodeFactory.instance.textNode(text);
        } else {
          payload = JsonNodeFactory.instance.textNode(Base64.getEncoder().encodeToString(body));
          attributes.put("dataEncoding", "base64");
        }
      }
    }
    return envelope(attributes, payload, stream, context);
  }

  private static Envelope envelope(Map<String, String> attributes, JsonNode payload, String stream,
      RequestContext context) throws BadEvent {
    String specversion = attributes.get("specversion");
    if (specversion == null) {
      throw new BadEvent("missing_field", "attribute 'specversion' is required", "specversion");
    }
    if (!specversion.equals("1.0")) {
      throw new BadEvent("unsupported_specversion", "only CloudEvents specversion 1.0 is supported", "specversion");
    }
    String id = required(attributes, "id");
    String source = required(attributes, "source");
    required(attributes, "type");
    try {
      new URI(source);
    } catch (URISyntaxException e) {
      throw new BadEvent("wrong_format", "attribute 'source' must be a URI reference", "source");
    }
    String time = attributes.get("time");
    if (time != null) {
      try {
        OffsetDateTime.parse(time);
      } catch (DateTimeParseException e) {
        throw new BadEvent("wrong_format", "attribute 'time' must be an RFC 3339 timestamp", "time");
      }
    }
    for (Map.Entry<String, String> a : attributes.entrySet()) {
      if (a.getValue().length() > MAX_ATTRIBUTE_LENGTH) {
        throw new BadEvent("too_long", "attribute '" + a.getKey() + "' is longer than " + MAX_ATTRIBUTE_LENGTH
            + " characters", a.getKey());
      }
    }
    String schema = null;
    String dataschema = attributes.get("dataschema");
    if (dataschema != null) {
      try {
        schema = SchemaUri.parse(dataschema).toString();
      } catch (IllegalArgumentException e) {
        throw new BadEvent("invalid_schema_uri", "attribute 'dataschema': " + e.getMessage(), "dataschema");
      }
    }
    return context.envelope(PROTOCOL)
        .id(envelopeId(source, id))
        .stream(stream)
        .schema(schema)
        .payload(payload)
        .attributes(attributes)
        .build();
  }

  /** A name-based UUID of source and id: stable across redeliveries, distinct across sources. */
  static String envelopeId(String source, String id) {
    String key = source.length() + ":" + source + id;
    return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String required(Map<String, String> attributes, String name) throws BadEvent {
    String v = attributes.get(name);
    if (v == null || v.isEmpty()) {
      throw new BadEvent("missing_field", "attribute '" + name + "' is required", name);
    }
    return v;
  }

  private static void checkName(String name) throws BadEvent {
    if (!ATTRIBUTE_NAME.matcher(name).matches()) {
      throw new BadEvent("invalid_attribute_name", "CloudEvents attribute names are 1-64 lower-case letters and "
          + "digits", null);
    }
  }

  private static boolean isJson(String mediaType) {
    return mediaType == null || mediaType.equals("application/json") || mediaType.equals("text/json")
        || mediaType.endsWith("+json");
  }

  private static boolean isBase64(String s) {
    try {
      Base64.getDecoder().decode(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** The HTTP binding percent-encodes header values outside printable ASCII; '+' stays '+'. */
  private static String percentDecode(String value, String header) throws BadEvent {
    if (value.indexOf('%') < 0) {
      return value;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%' && i + 2 < value.length()
          && Character.digit(value.charAt(i + 1), 16) >= 0 && Character.digit(value.charAt(i + 2), 16) >= 0) {
        out.write(Character.digit(value.charAt(i + 1), 16) * 16 + Character.digit(value.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    String decoded = utf8(out.toByteArray());
    if (decoded == null) {
      throw new BadEvent("wrong_format", "header is not valid percent-encoded UTF-8", header);
    }
    return decoded;
  }

  /** One event refused; carried as an exception only within this class. */
  private static final class BadEvent extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Rejection rejection;

    BadEvent(String code, String message, String field) {
      this(Rejection.badRequest(code, message, field));
    }

    BadEvent(Rejection rejection) {
      super(rejection.code(), null, false, false);
      this.rejection = rejection;
    }
  }
}
