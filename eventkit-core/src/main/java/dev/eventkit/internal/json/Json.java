package dev.eventkit.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The project's JSON configuration, made once: strict about duplicate keys and trailing tokens, and bounded in
 * nesting depth so that a hostile body cannot exhaust the stack. It hands out only immutable readers and writers,
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

  /** Serialises a tree to compact JSON text. */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise JSON tree", e);
    }
  }
}
