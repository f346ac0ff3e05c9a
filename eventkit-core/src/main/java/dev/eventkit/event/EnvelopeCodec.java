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
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.eventkit.internal.json.Json;
import dev.eventkit.internal.text.WellFormedText;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
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
  private static final int ENVELOPE_DEPTH_MARGIN = 8;

  /**
   * The largest wire form an envelope keeps: beyond it, its text and bytes together would double what delivery's
   * byte bounds (estimated from the text) allow in memory, and re-encoding costs little next to the size.
   */
  static final int KEEP_ENCODED_MAX_BYTES = 64 * 1024;

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

  /**
   * Encodes an envelope as UTF-8 JSON. An envelope that was decoded, or encoded before, returns a copy of its wire
   * form without encoding again (up to 64 KiB, which an envelope keeps).
   */
  public static byte[] encode(Envelope e) {
    byte[] known = e.encodedOrNull();
    if (known != null) {
      return known.clone();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + e.payloadJson().length());
    write(e, out);
    byte[] bytes = out.toByteArray();
    if (bytes.length > KEEP_ENCODED_MAX_BYTES) {
      return bytes;
    }
    e.keepEncoded(bytes);
    return bytes.clone();
  }

  /**
   * Writes one envelope as UTF-8 JSON (no trailing newline) to a stream, which is not closed. An envelope that was
   * decoded, or encoded before, is written as a copy of its wire form.
   */
  public static void writeTo(Envelope e, OutputStream out) {
    byte[] known = e.encodedOrNull();
    if (known != null) {
      try {
        out.write(known);
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      return;
    }
    write(e, out);
  }

  private static void write(Envelope e, OutputStream out) {
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
   * {@link Envelope} can hold is readable with the envelope's own levels around it. One streaming pass; when the
   * bytes hold nothing but what the envelope holds (as whatever {@link #encode} wrote does) and are at most
   * 64 KiB long, the envelope keeps a copy, and {@link #encode}/{@link #writeTo} copy that
   * instead of encoding again.
   *
   * @throws IllegalArgumentException for bytes that are not an envelope of a known version; the message names the
   *     problem and a byte position, never the content
   */
  public static Envelope decode(byte[] bytes) {
    try (JsonParser p = DECODER.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not an encoded envelope: not a JSON object");
      }
      Parts parts = new Parts();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "v" -> parts.version = t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT
              ? p.getIntValue() : odd(parts, p).asInt(-1);
          case "id" -> parts.id = text(parts, p);
          case "protocol" -> parts.protocol = text(parts, p);
          case "stream" -> parts.stream = text(parts, p);
          case "schema" -> parts.schema = text(parts, p);
          case "payload" -> parts.payload = rawValue(p, bytes);
          case "contexts" -> parts.contexts = readContexts(parts, p, bytes);
          case "sentAt" -> parts.sentAt = text(parts, p);
          case "receivedAt" -> parts.receivedAt = text(parts, p);
          case "clientIp" -> parts.clientIp = text(parts, p);
          case "userAgent" -> parts.userAgent = text(parts, p);
          case "validation" -> {
            readValidation(parts, p, bytes);
            parts.hasValidation = true;
          }
          case "collector" -> {
            parts.collector = readCollector(parts, p);
            parts.hasCollector = true;
          }
          case "attributes" -> parts.attributes = readAttributes(parts, p);
          default -> {
            // Not a field of this version: read (so that it must be well-formed) and ignored.
            parts.exact = false;
            p.skipChildren();
          }
        }
      }
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("not an encoded envelope: content after the object");
      }
      Envelope e = parts.toEnvelope();
      if (parts.exact && parts.hasValidation && parts.hasCollector && bytes.length <= KEEP_ENCODED_MAX_BYTES
          && isOneLine(bytes)) {
        e.keepEncoded(bytes.clone());
      }
      return e;
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

  private static final byte[] VALID = "{\"status\":\"valid\"}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] NOT_VALIDATED = "{\"status\":\"not_validated\"}".getBytes(StandardCharsets.UTF_8);

  /**
   * The validation outcome: the two plain ones recognised from their bytes as the encoder writes them, anything
   * else read as a tree. Only the plain ones are known to come back exactly; an invalid event's details are
   * re-encoded.
   */
  private static void readValidation(Parts parts, JsonParser p, byte[] bytes) throws IOException {
    int start = (int) p.currentTokenLocation().getByteOffset();
    if (p.currentToken().isStructStart()) {
      p.skipChildren();
    } else {
      p.finishToken();
    }
    int end = (int) p.currentLocation().getByteOffset();
    if (java.util.Arrays.equals(bytes, start, end, VALID, 0, VALID.length)) {
      parts.validationValue = Validation.valid();
    } else if (java.util.Arrays.equals(bytes, start, end, NOT_VALIDATED, 0, NOT_VALIDATED.length)) {
      parts.validationValue = Validation.notValidated();
    } else {
      parts.exact = false;
      parts.validation = Json.storedReader().readTree(new java.io.ByteArrayInputStream(bytes, start, end - start));
    }
  }

  /** Whether no byte is a control character: JSON strings cannot hold one, so compact JSON on one line. */
  private static boolean isOneLine(byte[] bytes) {
    for (byte b : bytes) {
      if (b >= 0 && b < 0x20) {
        return false;
      }
    }
    return true;
  }

  /** A string field's value; anything else as a tree would read it ({@link JsonNode#asText()}), not exact. */
  private static String text(Parts parts, JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_STRING) {
      return parts.exactText(p.getText());
    }
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      parts.exact = false;
      return null;
    }
    return odd(parts, p).asText();
  }

  /** A value as {@link JsonNode#asText()} reads it (a null is {@code "null"}); anything but a string is inexact. */
  private static String asText(Parts parts, JsonParser p) throws IOException {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      parts.exact = false;
      return "null";
    }
    return text(parts, p);
  }

  /** A value of an unexpected shape, read as a tree so that it is decoded as {@link #fromTree} would. */
  private static JsonNode odd(Parts parts, JsonParser p) throws IOException {
    parts.exact = false;
    return FIELD_READER.readTree(p);
  }

  private static CollectorInfo readCollector(Parts parts, JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      JsonNode n = odd(parts, p);
      return new CollectorInfo(n.path("name").asText(), n.path("version").asText());
    }
    String name = null;
    String version = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      if ("name".equals(field)) {
        name = asText(parts, p);
      } else if ("version".equals(field)) {
        version = asText(parts, p);
      } else {
        parts.exact = false;
        p.skipChildren();
      }
    }
    if (name == null || version == null) {
      parts.exact = false;
    }
    return new CollectorInfo(name == null ? "" : name, version == null ? "" : version);
  }

  private static Map<String, String> readAttributes(Parts parts, JsonParser p) throws IOException {
    Map<String, String> map = new HashMap<>();
    if (p.currentToken() != JsonToken.START_OBJECT) {
      odd(parts, p);
      return map;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = parts.exactText(p.currentName());
      p.nextToken();
      map.put(key, asText(parts, p));
    }
    return map;
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

  private static List<Entity> readContexts(Parts parts, JsonParser p, byte[] bytes) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new IllegalArgumentException("not an encoded envelope: contexts is not an array");
    }
    List<Entity> list = new ArrayList<>();
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String schema = null;
      String data = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if ("schema".equals(name) && p.currentToken() == JsonToken.VALUE_STRING) {
          schema = parts.exactText(p.getText());
        } else if ("data".equals(name)) {
          data = rawValue(p, bytes);
        } else {
          parts.exact = false;
          p.skipChildren();
        }
      }
      if (schema == null || data == null) {
        parts.exact = false;
      }
      list.add(new Entity(schema == null ? "" : schema, data == null ? "null" : data));
    }
    if (p.currentToken() != JsonToken.END_ARRAY) {
      throw new IllegalArgumentException("not an encoded envelope: a context is not an object");
    }
    if (list.isEmpty()) {
      // The encoder leaves out an empty contexts array.
      parts.exact = false;
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
    Parts parts = new Parts();
    parts.version = n.path("v").asInt(-1);
    parts.id = text(n, "id");
    parts.protocol = text(n, "protocol");
    parts.stream = text(n, "stream");
    parts.schema = text(n, "schema");
    JsonNode payload = n.get("payload");
    parts.payload = payload == null ? null : Json.write(payload);
    JsonNode contexts = n.get("contexts");
    if (contexts != null) {
      List<Entity> list = new ArrayList<>(contexts.size());
      for (JsonNode c : contexts) {
        list.add(new Entity(c.path("schema").asText(), Json.write(c.get("data"))));
      }
      parts.contexts = list;
    }
    parts.sentAt = text(n, "sentAt");
    parts.receivedAt = text(n, "receivedAt");
    parts.clientIp = text(n, "clientIp");
    parts.userAgent = text(n, "userAgent");
    parts.validation = n.path("validation");
    JsonNode collector = n.path("collector");
    parts.collector = new CollectorInfo(collector.path("name").asText(), collector.path("version").asText());
    JsonNode attributes = n.get("attributes");
    if (attributes != null) {
      Map<String, String> map = new TreeMap<>();
      for (Map.Entry<String, JsonNode> a : attributes.properties()) {
        map.put(a.getKey(), a.getValue().asText());
      }
      parts.attributes = map;
    }
    // Trees are re-serialised, so checking the payload text again is cheap insurance.
    parts.checkJson = true;
    return parts.toEnvelope();
  }

  /** The fields of an envelope as read, before they are checked and built into one. */
  private static final class Parts {
    int version = -1;
    String id;
    String protocol;
    String stream;
    String schema;
    String payload;
    List<Entity> contexts;
    String sentAt;
    String receivedAt;
    String clientIp;
    String userAgent;
    JsonNode validation = MissingNode.getInstance();
    /** The outcome when recognised without a tree; else read from {@link #validation}. */
    Validation validationValue;
    CollectorInfo collector = new CollectorInfo("", "");
    Map<String, String> attributes;
    boolean hasValidation;
    boolean hasCollector;
    /** Whether the bytes read hold exactly the result's values, as encoding it writes them (in any field order). */
    boolean exact = true;
    /** Whether the payload and contexts text still needs the builder's one-value check. */
    boolean checkJson;

    /** A string as read; one the envelope will change (an unpaired surrogate) makes the bytes inexact. */
    String exactText(String s) {
      if (WellFormedText.of(s) != s) {
        exact = false;
      }
      return s;
    }

    Envelope toEnvelope() {
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException("unknown envelope format version " + version);
      }
      if (payload == null) {
        throw new IllegalArgumentException("not an encoded envelope: no payload");
      }
      try {
        Envelope.Builder b = Envelope.builder()
            .id(required(id, "id"))
            .protocol(required(protocol, "protocol"))
            .stream(stream)
            .schema(schema)
            .receivedAt(instant(receivedAt, "receivedAt", true))
            .sentAt(instant(sentAt, "sentAt", false))
            .clientIp(clientIp)
            .userAgent(userAgent);
        if (stream == null) {
          exact = false;
        }
        if (checkJson) {
          b.payloadJson(payload);
          if (contexts != null) {
            b.contexts(contexts);
          }
        } else {
          b.checkedJson(payload, contexts == null ? List.of() : contexts);
        }
        b.validation(validationValue != null ? validationValue : readValidation(validation));
        b.collector(collector);
        if (attributes != null) {
          if (attributes.isEmpty()) {
            exact = false;
          }
          b.ownedAttributes(attributes);
        }
        return b.build();
      } catch (IllegalArgumentException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("not a valid envelope: " + e.getClass().getSimpleName()
            + (e instanceof IllegalStateException ? " (" + e.getMessage() + ")" : ""));
      }
    }
  }

  private static Instant instant(String s, String field, boolean required) {
    if (s == null) {
      if (required) {
        throw new IllegalArgumentException("not a valid envelope: no " + field);
      }
      return null;
    }
    Instant plain = InstantText.parsePlain(s);
    if (plain != null) {
      return plain;
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

  private static String required(String s, String field) {
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
