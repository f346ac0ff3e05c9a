package dev.eventkit.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.internal.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
 * envelope of a known version, with a message that never quotes the content.
 */
public final class EnvelopeCodec {

  /** The version written into every encoded envelope. */
  public static final int FORMAT_VERSION = 1;

  /**
   * How many levels deeper than {@link Json#MAX_NESTING_DEPTH} the decoder reads: a payload sits one level inside
   * the envelope, a context's data three (envelope, contexts array, context object); the rest is margin.
   */
  public static final int ENVELOPE_DEPTH_MARGIN = 8;

  private static final JsonFactory FACTORY = Json.factory();

  private static final JsonFactory DECODER = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(Json.MAX_NESTING_DEPTH + ENVELOPE_DEPTH_MARGIN).build())
      .build();

  /** Reads the envelope's small fields as trees from inside the envelope, so trailing tokens are expected. */
  private static final ObjectReader FIELD_READER = Json.reader()
      .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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

  /**
   * Decodes what {@link #encode} wrote. The payload and each context's data come back as exactly the text that was
   * encoded (copied from the bytes, never re-serialised), so numbers, escapes and spacing survive. Nesting is
   * allowed {@link #ENVELOPE_DEPTH_MARGIN} levels beyond {@link Json#MAX_NESTING_DEPTH}, so whatever an
   * {@link Envelope} can hold is readable with the envelope's own levels around it.
   *
   * @throws IllegalArgumentException for bytes that are not an envelope of a known version; the message names the
   *     problem and a byte position, never the content
   */
  public static Envelope decode(byte[] bytes) {
    try (JsonParser p = DECODER.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not an encoded envelope: not a JSON object");
      }
      ObjectNode fields = Json.object();
      String payload = null;
      List<Entity> contexts = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if ("payload".equals(name)) {
          payload = rawValue(p, bytes);
        } else if ("contexts".equals(name)) {
          contexts = readContexts(p, bytes);
        } else {
          fields.set(name, FIELD_READER.readTree(p));
        }
      }
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("not an encoded envelope: content after the object");
      }
      return fromParts(fields, payload, contexts);
    } catch (StreamConstraintsException ex) {
      throw new IllegalArgumentException("not a readable envelope: " + ex.getOriginalMessage());
    } catch (JsonProcessingException ex) {
      // Jackson's own message may quote the content; only the position is passed on.
      long at = ex.getLocation() == null ? -1 : ex.getLocation().getByteOffset();
      throw new IllegalArgumentException("not an encoded envelope: malformed JSON at byte " + at);
    } catch (IOException ex) {
      throw new IllegalArgumentException("not an encoded envelope: " + ex.getClass().getSimpleName());
    }
  }

  /** The text of the value the parser is at, copied from the input bytes; leaves the parser at its last token. */
  private static String rawValue(JsonParser p, byte[] bytes) throws IOException {
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (p.currentToken().isStructStart()) {
      p.skipChildren();
    } else {
      p.finishToken();
    }
    int end = (int) p.currentLocation().getByteOffset();
    return new String(bytes, start, end - start, StandardCharsets.UTF_8);
  }

  private static List<Entity> readContexts(JsonParser p, byte[] bytes) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new IllegalArgumentException("not an encoded envelope: contexts is not an array");
    }
    List<Entity> list = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String schema = "";
      String data = "null";
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if ("schema".equals(name) && p.currentToken() == JsonToken.VALUE_STRING) {
          schema = p.getText();
        } else if ("data".equals(name)) {
          data = rawValue(p, bytes);
        } else {
          p.skipChildren();
        }
      }
      list.add(new Entity(schema, data));
    }
    if (p.currentToken() != JsonToken.END_ARRAY) {
      throw new IllegalArgumentException("not an encoded envelope: a context is not an object");
    }
    return list;
  }

  /**
   * Decodes an envelope from its parsed wire form. Numbers in the payload are as the tree holds them (a tree read
   * with default settings has turned decimals into doubles); {@link #decode} keeps the text exact.
   */
  public static Envelope fromTree(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("not an encoded envelope");
    }
    JsonNode payload = n.get("payload");
    JsonNode contexts = n.get("contexts");
    List<Entity> list = null;
    if (contexts != null) {
      list = new ArrayList<>(contexts.size());
      for (JsonNode c : contexts) {
        list.add(new Entity(c.path("schema").asText(), Json.write(c.get("data"))));
      }
    }
    return fromParts(n, payload == null ? null : Json.write(payload), list);
  }

  private static Envelope fromParts(JsonNode n, String payloadJson, List<Entity> contexts) {
    int version = n.path("v").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException("unknown envelope format version " + version);
    }
    if (payloadJson == null) {
      throw new IllegalArgumentException("not an encoded envelope: no payload");
    }
    try {
      Envelope.Builder b = Envelope.builder()
          .id(required(n, "id"))
          .protocol(required(n, "protocol"))
          .stream(text(n, "stream"))
          .schema(text(n, "schema"))
          .payloadJson(payloadJson)
          .receivedAt(instant(n, "receivedAt", true))
          .sentAt(instant(n, "sentAt", false))
          .clientIp(text(n, "clientIp"))
          .userAgent(text(n, "userAgent"));
      if (contexts != null) {
        b.contexts(contexts);
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
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a valid envelope: " + e.getClass().getSimpleName()
          + (e instanceof IllegalStateException ? " (" + e.getMessage() + ")" : ""));
    }
  }

  private static Instant instant(JsonNode n, String field, boolean required) {
    String s = required ? required(n, field) : text(n, field);
    if (s == null) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("not a valid envelope: " + field + " is not an instant");
    }
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

  private static String required(JsonNode n, String field) {
    String s = text(n, field);
    if (s == null) {
      throw new IllegalArgumentException("not a valid envelope: no " + field);
    }
    return s;
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
