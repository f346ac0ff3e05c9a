package dev.eventkit.event;

import dev.eventkit.internal.json.Json;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The envelope's wire form: one compact JSON object, tagged {@code "v":}{@value #FORMAT_VERSION}, used by the log,
 * the file sink and every sink that stores whole envelopes. Field names are stable; a reader rejects a version it
 * does not know rather than guessing.
 *
 * <p>Thread-safe and stateless. {@link #decode} throws {@link IllegalArgumentException} for bytes that are not an
 * envelope of a known version.
 */
public final class EnvelopeCodec {

  /** The version written into every encoded envelope. */
  public static final int FORMAT_VERSION = 1;

  private static final JsonFactory FACTORY = Json.factory();

  private EnvelopeCodec() {}

  /** Encodes an envelope as UTF-8 JSON. */
  public static byte[] encode(Envelope e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + e.payloadJson().length());
    writeTo(e, out);
    return out.toByteArray();
  }

  /** Writes one envelope as UTF-8 JSON (no trailing newline) to a stream, which is not closed. */
  public static void writeTo(Envelope e, OutputStream out) {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      g.writeNumberField("v", FORMAT_VERSION);
      g.writeStringField("id", e.id());
      g.writeStringField("protocol", e.protocol());
      g.writeStringField("stream", e.stream());
      if (e.schema() != null) {
        g.writeStringField("schema", e.schema());
      }
      g.writeFieldName("payload");
      g.writeRawValue(e.payloadJson());
      if (!e.contexts().isEmpty()) {
        g.writeArrayFieldStart("contexts");
        for (Entity c : e.contexts()) {
          g.writeStartObject();
          g.writeStringField("schema", c.schema());
          g.writeFieldName("data");
          g.writeRawValue(c.dataJson());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      if (e.sentAt() != null) {
        g.writeStringField("sentAt", e.sentAt().toString());
      }
      g.writeStringField("receivedAt", e.receivedAt().toString());
      writeOptional(g, "clientIp", e.clientIp());
      writeOptional(g, "userAgent", e.userAgent());
      writeValidation(g, e.validation());
      g.writeObjectFieldStart("collector");
      g.writeStringField("name", e.collector().name());
      g.writeStringField("version", e.collector().version());
      g.writeEndObject();
      if (!e.attributes().isEmpty()) {
        g.writeObjectFieldStart("attributes");
        for (Map.Entry<String, String> a : e.attributes().entrySet()) {
          g.writeStringField(a.getKey(), a.getValue());
        }
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static void writeOptional(JsonGenerator g, String name, String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  private static void writeValidation(JsonGenerator g, Validation v) throws IOException {
    g.writeObjectFieldStart("validation");
    g.writeStringField("status", v.status().name().toLowerCase(java.util.Locale.ROOT));
    if (v.error() != null) {
      g.writeStringField("error", v.error().wireName());
    }
    writeOptional(g, "message", v.message());
    if (!v.violations().isEmpty()) {
      g.writeArrayFieldStart("violations");
      for (Violation x : v.violations()) {
        g.writeStartObject();
        g.writeStringField("pointer", x.pointer());
        g.writeStringField("keyword", x.keyword());
        g.writeStringField("message", x.message());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  /** Decodes what {@link #encode} wrote. */
  public static Envelope decode(byte[] bytes) {
    JsonNode n;
    try {
      n = Json.storedReader().readTree(bytes);
    } catch (IOException ex) {
      throw new IllegalArgumentException("not an encoded envelope", ex);
    }
    return fromTree(n);
  }

  /** Decodes an envelope from its parsed wire form. */
  public static Envelope fromTree(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not an encoded envelope");
    }
    int version = n.path("v").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException("unknown envelope format version " + version);
    }
    Envelope.Builder b = Envelope.builder()
        .id(text(n, "id"))
        .protocol(text(n, "protocol"))
        .stream(text(n, "stream"))
        .schema(text(n, "schema"))
        .payloadJson(Json.write(n.get("payload")))
        .receivedAt(Instant.parse(text(n, "receivedAt")))
        .clientIp(text(n, "clientIp"))
        .userAgent(text(n, "userAgent"));
    String sentAt = text(n, "sentAt");
    if (sentAt != null) {
      b.sentAt(Instant.parse(sentAt));
    }
    JsonNode contexts = n.get("contexts");
    if (contexts != null) {
      List<Entity> list = new ArrayList<>(contexts.size());
      for (JsonNode c : contexts) {
        list.add(new Entity(c.path("schema").asText(), Json.write(c.get("data"))));
      }
      b.contexts(list);
    }
    b.validation(readValidation(n.path("validation")));
    JsonNode collector = n.path("collector");
    b.collector(new CollectorInfo(collector.path("name").asText(), collector.path("version").asText()));
    JsonNode attributes = n.get("attributes");
    if (attributes != null) {
      Map<String, String> map = new TreeMap<>();
      for (Map.Entry<String, JsonNode> a : attributes.properties()) {
        map.put(a.getKey(), a.getValue().asText());
      }
      b.attributes(map);
    }
    return b.build();
  }

  private static Validation readValidation(JsonNode v) {
    String status = v.path("status").asText("not_validated");
    switch (status) {
      case "valid":
        return Validation.valid();
      case "invalid":
        List<Violation> violations = new ArrayList<>();
        for (JsonNode x : v.path("violations")) {
          violations.add(new Violation(x.path("pointer").asText(), x.path("keyword").asText(),
              x.path("message").asText()));
        }
        return Validation.invalid(ValidationError.fromWireName(v.path("error").asText()),
            text(v, "message"), violations);
      default:
        return Validation.notValidated();
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
