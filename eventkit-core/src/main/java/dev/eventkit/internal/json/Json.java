package dev.eventkit.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The project's JSON configuration, made once: strict about duplicate keys and trailing tokens, and bounded in
 * nesting depth so that a hostile body cannot exhaust the stack. Numbers are read exactly (integers as int, long or
 * BigInteger, anything else as BigDecimal) and written back with the same value: {@code 1e400} as {@code 1E+400},
 * {@code 0.1000000000000000000001} unchanged. It hands out only immutable readers and writers,
 * never the mapper, so no caller can reconfigure what every other caller relies on.
 *
 * <p>Not API: internal to eventkit's modules and may change without notice. Thread-safe. {@link #read} throws
 * {@link IllegalArgumentException} for text that is not JSON; callers on the request path parse with
 * {@link #reader()} themselves to turn the error into a rejection.
 */
public final class Json {

  /** Deepest nesting any parser in the project accepts; schema validation applies its own, lower limit. */
  public static final int MAX_NESTING_DEPTH = 200;

  /**
   * Deepest nesting in what the project wrote itself: an accepted document (at most {@link #MAX_NESTING_DEPTH}
   * deep) inside the few levels an encoded envelope wraps around it (its payload, a context's data, a failed
   * event's raw body), with room to spare. Reading back stored envelopes with the client limit would refuse events
   * already acknowledged.
   */
  public static final int MAX_STORED_NESTING_DEPTH = MAX_NESTING_DEPTH + 8;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      // Numbers keep the value the client sent: a fraction or exponent is read as BigDecimal (a double turned 1e400
      // into "Infinity" and cut decimals to 17 digits), and its trailing zeros stay (1.10 is not rewritten 1.1).
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  static {
    MAPPER.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
  }

  private static final ObjectMapper STORED = MAPPER.copy();

  static {
    STORED.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(MAX_STORED_NESTING_DEPTH).build());
  }

  private static final ObjectReader READER = MAPPER.reader();
  private static final ObjectReader STORED_READER = STORED.reader();
  private static final ObjectWriter WRITER = MAPPER.writer();

  private Json() {}

  /** An immutable reader with the project's settings. */
  public static ObjectReader reader() {
    return READER;
  }

  /**
   * An immutable reader with the project's settings for what the project wrote itself (encoded envelopes in the
   * log, files and messages), which allows {@link #MAX_STORED_NESTING_DEPTH}; never for client input.
   */
  public static ObjectReader storedReader() {
    return STORED_READER;
  }

  /** An immutable writer with the project's settings. */
  public static ObjectWriter writer() {
    return WRITER;
  }

  /** The streaming factory behind the reader and writer, for token-level codecs; do not reconfigure it. */
  public static JsonFactory factory() {
    return MAPPER.getFactory();
  }

  /** Makes tree nodes. */
  public static JsonNodeFactory nodes() {
    return MAPPER.getNodeFactory();
  }

  /** A new empty object node. */
  public static ObjectNode object() {
    return MAPPER.getNodeFactory().objectNode();
  }

  /** A new empty array node. */
  public static ArrayNode array() {
    return MAPPER.getNodeFactory().arrayNode();
  }

  /** Parses JSON text that the project wrote itself, so a failure is a bug, not bad input. */
  public static JsonNode read(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Checks that {@code text} is exactly one JSON value, nested at most {@link #MAX_STORED_NESTING_DEPTH} deep, and returns
   * it without surrounding whitespace. One streaming pass, no tree; the same rules (depth, duplicate keys) as every
   * parser in the project, so text that passes is text the log can read back.
   *
   * @param field names the value in the exception's message, such as {@code payload}
   * @throws IllegalArgumentException when the text is empty, malformed, deeper than the limit or more than one
   *     value; the message names {@code field} and a position, never the text itself
   */
  public static String requireOneValue(String text, String field) {
    // The stored limit: an envelope may wrap a client document one level deeper (a failed event keeps the body).
    try (JsonParser p = STORED.getFactory().createParser(text)) {
      if (p.nextToken() == null) {
        throw new IllegalArgumentException(field + " must be one JSON value, but is empty");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new IllegalArgumentException(field + " must be one JSON value, but more follows at character "
            + p.currentTokenLocation().getCharOffset());
      }
    } catch (StreamConstraintsException e) {
      throw new IllegalArgumentException(field + " exceeds a parser limit: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      // The parser's own message may quote the text, so only the position is passed on.
      long at = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
      throw new IllegalArgumentException(field + " is not valid JSON (at character " + at + ")");
    } catch (IOException e) {
      throw new IllegalStateException("reading a string cannot fail", e);
    }
    return text.strip();
  }

  /** Serialises a tree to compact JSON text. */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise JSON tree", e);
    }
  }
}
