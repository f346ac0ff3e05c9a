package dev.eventkit.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ValidationMessage;
import dev.eventkit.event.Entity;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.Validation;
import dev.eventkit.event.ValidationError;
import dev.eventkit.event.Violation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@link Validator} backed by a {@link SchemaRegistry}: checks an envelope's payload against the schema it
 * claims and each attached context against its own, within size and depth limits.
 *
 * <p>Outcomes:
 *
 * <ul>
 *   <li>larger than {@code maxEventBytes} (everything the envelope stores that the request determines: id,
 *       stream, schema, payload, contexts, client address, user agent and attributes, in UTF-8) or nested deeper
 *       than {@code maxDepth}:
 *       {@code size_violation}, nothing else checked;
 *   <li>a malformed schema URI: {@code protocol_violation}; a schema no source holds, or that cannot be fetched:
 *       {@code schema_not_found}; a schema that is not usable JSON Schema: {@code schema_invalid}; data that does
 *       not conform: {@code payload_invalid}. All problems of the payload and every context are listed as
 *       violations (up to {@code maxViolations}); the error is the gravest of them, in that order;
 *   <li>everything conforms: valid — unless the payload names no schema, in which case it is
 *       {@linkplain Validation#notValidated() not validated} (its contexts were still checked, and a failing
 *       context still makes it invalid).
 * </ul>
 *
 * <p>An envelope without a schema (a plain Segment event) can be given one by its stream and event name (the
 * payload's {@code event} field) with {@link Builder#eventSchema}; the whole event document is then validated.
 * Violation pointers point into the envelope's wire form: {@code /payload/price}, {@code /contexts/0/data/id},
 * {@code /schema}, {@code /contexts/1/schema}.
 *
 * <p>Thread-safe. Never throws for any envelope; messages name schema keywords and URIs, never payload values.
 */
public final class SchemaValidator implements Validator {

  /** The stream wildcard for {@link Builder#eventSchema}. */
  public static final String ANY_STREAM = "*";

  private final SchemaRegistry registry;
  private final int maxDepth;
  private final int maxEventBytes;
  private final int maxViolations;
  private final Map<String, Map<String, SchemaUri>> eventSchemas;

  private SchemaValidator(Builder b) {
    this.registry = b.registry;
    this.maxDepth = b.maxDepth;
    this.maxEventBytes = b.maxEventBytes;
    this.maxViolations = b.maxViolations;
    Map<String, Map<String, SchemaUri>> m = new HashMap<>();
    b.eventSchemas.forEach((k, v) -> m.put(k, Map.copyOf(v)));
    this.eventSchemas = Map.copyOf(m);
  }

  /** A validator with default limits over a registry. */
  public static SchemaValidator create(SchemaRegistry registry) {
    return builder(registry).build();
  }

  public static Builder builder(SchemaRegistry registry) {
    return new Builder(registry);
  }

  /** The registry this validator resolves schemas with. */
  public SchemaRegistry registry() {
    return registry;
  }

  @Override
  public Validation validate(Envelope envelope) {
    if (storedBytes(envelope) > maxEventBytes) {
      return Validation.invalid(ValidationError.SIZE_VIOLATION,
          "the event is larger than " + maxEventBytes + " bytes",
          List.of(new Violation("", "maxEventBytes", "what the event stores (payload, contexts, attributes, client "
              + "address and agent) exceeds " + maxEventBytes + " bytes")));
    }
    JsonNode payload = envelope.payload();
    if (depth(payload) > maxDepth) {
      return tooDeep("/payload");
    }
    List<JsonNode> contexts = new ArrayList<>(envelope.contexts().size());
    for (int i = 0; i < envelope.contexts().size(); i++) {
      JsonNode data = envelope.contexts().get(i).data();
      if (depth(data) > maxDepth) {
        return tooDeep("/contexts/" + i + "/data");
      }
      contexts.add(data);
    }

    Outcome outcome = new Outcome();
    String schema = envelope.schema();
    String schemaPointer = "/schema";
    boolean claimed = schema != null;
    if (!claimed) {
      SchemaUri mapped = mappedSchema(envelope.stream(), payload);
      if (mapped != null) {
        schema = mapped.toString();
        schemaPointer = "/payload/event";
        claimed = true;
      }
    }
    if (claimed) {
      check(schema, schemaPointer, payload, "/payload", "payload", outcome);
    }
    for (int i = 0; i < contexts.size(); i++) {
      check(envelope.contexts().get(i).schema(), "/contexts/" + i + "/schema", contexts.get(i),
          "/contexts/" + i + "/data", "context " + i, outcome);
    }
    if (outcome.error != null) {
      return Validation.invalid(outcome.error, outcome.summary(), outcome.violations);
    }
    return claimed ? Validation.valid() : Validation.notValidated();
  }

  private SchemaUri mappedSchema(String stream, JsonNode payload) {
    if (eventSchemas.isEmpty()) {
      return null;
    }
    JsonNode event = payload.get("event");
    if (event == null || !event.isTextual()) {
      return null;
    }
    Map<String, SchemaUri> forStream = eventSchemas.get(stream);
    SchemaUri uri = forStream == null ? null : forStream.get(event.textValue());
    if (uri == null) {
      Map<String, SchemaUri> any = eventSchemas.get(ANY_STREAM);
      uri = any == null ? null : any.get(event.textValue());
    }
    return uri;
  }

  private void check(String schema, String schemaPointer, JsonNode data, String dataPointer, String what,
      Outcome outcome) {
    SchemaUri uri;
    try {
      uri = SchemaUri.parse(schema);
    } catch (IllegalArgumentException e) {
      outcome.fail(ValidationError.PROTOCOL_VIOLATION, what + " names a malformed schema URI",
          new Violation(schemaPointer, "schema", "malformed schema URI"));
      return;
    }
    Resolution r = registry.resolve(uri);
    switch (r.status()) {
      case NOT_FOUND:
        outcome.fail(ValidationError.SCHEMA_NOT_FOUND, what + ": schema " + uri + " not found",
            new Violation(schemaPointer, "schema", "no schema source holds " + uri));
        return;
      case UNAVAILABLE:
        outcome.fail(ValidationError.SCHEMA_NOT_FOUND, what + ": schema " + uri + " could not be fetched",
            new Violation(schemaPointer, "schema", "schema " + uri + " could not be fetched: " + r.problem()));
        return;
      case INVALID:
        outcome.fail(ValidationError.SCHEMA_INVALID, what + ": schema " + uri + " is unusable",
            new Violation(schemaPointer, "schema", "schema " + uri + " is unusable: " + r.problem()));
        return;
      default:
        break;
    }
    Set<ValidationMessage> messages;
    try {
      messages = r.schema().validate(data);
    } catch (RuntimeException | StackOverflowError e) {
      outcome.fail(ValidationError.SCHEMA_INVALID, what + ": schema " + uri + " failed while validating",
          new Violation(schemaPointer, "schema", "schema " + uri + " failed while validating"));
      return;
    }
    if (messages.isEmpty()) {
      return;
    }
    List<Violation> found = new ArrayList<>(messages.size());
    for (ValidationMessage m : messages) {
      found.add(violation(m, dataPointer));
    }
    found.sort((a, b) -> a.pointer().equals(b.pointer()) ? a.keyword().compareTo(b.keyword())
        : a.pointer().compareTo(b.pointer()));
    outcome.fail(ValidationError.PAYLOAD_INVALID,
        what + " does not conform to " + uri + " (" + found.size() + " violation" + (found.size() == 1 ? "" : "s")
            + ")", found.toArray(new Violation[0]));
  }

  private static Violation violation(ValidationMessage m, String prefix) {
    String at = m.getInstanceLocation() == null ? "" : m.getInstanceLocation().toString();
    String keyword = m.getType() == null ? "schema" : m.getType();
    String property = m.getProperty();
    if (property != null && (keyword.equals("required") || keyword.equals("additionalProperties")
        || keyword.equals("unevaluatedProperties") || keyword.equals("dependentRequired"))) {
      at = at + "/" + property.replace("~", "~0").replace("/", "~1");
    }
    String message = m.getMessage();
    String located = m.getInstanceLocation() == null ? null : m.getInstanceLocation() + ": ";
    if (message == null) {
      message = keyword;
    } else if (located != null && message.startsWith(located)) {
      message = message.substring(located.length());
    }
    return new Violation(prefix + at, keyword, message);
  }

  private Validation tooDeep(String pointer) {
    return Validation.invalid(ValidationError.SIZE_VIOLATION, "the event is nested deeper than " + maxDepth,
        List.of(new Violation(pointer, "maxDepth", "nested deeper than " + maxDepth + " levels")));
  }

  /** Containers nest this deep: a scalar is 0, {@code {}} is 1. Iterative, so hostile input cannot overflow. */
  static int depth(JsonNode root) {
    int max = 0;
    Deque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    while (!stack.isEmpty()) {
      Object[] top = stack.pop();
      JsonNode n = (JsonNode) top[0];
      int d = (Integer) top[1];
      if (n.isContainerNode()) {
        d++;
        max = Math.max(max, d);
        for (Iterator<JsonNode> it = n.elements(); it.hasNext();) {
          JsonNode child = it.next();
          if (child.isContainerNode()) {
            stack.push(new Object[] {child, d});
          }
        }
      }
    }
    return max;
  }

  /** UTF-8 length of {@code s}, stopping early once it is past {@code limit}. */
  /**
   * The UTF-8 size of everything an envelope stores that the request determines: id, stream, schema, payload,
   * contexts, client address, user agent and attributes (keys and values). Counting stops soon after the limit.
   */
  private long storedBytes(Envelope e) {
    long bytes = 0;
    for (String s : new String[] {e.id(), e.stream(), e.schema(), e.payloadJson(), e.clientIp(), e.userAgent()}) {
      bytes += s == null ? 0 : utf8Length(s, maxEventBytes);
    }
    for (Entity c : e.contexts()) {
      bytes += utf8Length(c.schema(), maxEventBytes) + utf8Length(c.dataJson(), maxEventBytes);
      if (bytes > maxEventBytes) {
        return bytes;
      }
    }
    for (Map.Entry<String, String> a : e.attributes().entrySet()) {
      bytes += utf8Length(a.getKey(), maxEventBytes) + utf8Length(a.getValue(), maxEventBytes);
      if (bytes > maxEventBytes) {
        return bytes;
      }
    }
    return bytes;
  }

  static long utf8Length(String s, long limit) {
    long n = 0;
    for (int i = 0; i < s.length() && n <= limit; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** Accumulates the problems of one envelope; the error is the gravest seen. */
  private final class Outcome {
    ValidationError error;
    final List<Violation> violations = new ArrayList<>();
    final List<String> summaries = new ArrayList<>();

    void fail(ValidationError e, String summary, Violation... found) {
      if (error == null || rank(e) < rank(error)) {
        error = e;
      }
      summaries.add(summary);
      for (Violation v : found) {
        if (violations.size() < maxViolations) {
          violations.add(v);
        }
      }
    }

    String summary() {
      String s = String.join("; ", summaries);
      return s.length() > 1000 ? s.substring(0, 1000) + "…" : s;
    }
  }

  private static int rank(ValidationError e) {
    switch (e) {
      case SIZE_VIOLATION:
        return 0;
      case PROTOCOL_VIOLATION:
        return 1;
      case SCHEMA_NOT_FOUND:
        return 2;
      case SCHEMA_INVALID:
        return 3;
      default:
        return 4;
    }
  }

  /**
   * Configures a {@link SchemaValidator}; not thread-safe. Defaults: depth 40, 256 KiB per event (all it stores,
   * attributes and headers included), 100 violations kept per event, no event-name mappings. {@link #build()} throws
   * {@link IllegalArgumentException} for non-positive limits.
   */
  public static final class Builder {
    private final SchemaRegistry registry;
    private int maxDepth = 40;
    private int maxEventBytes = 256 * 1024;
    private int maxViolations = 100;
    private final Map<String, Map<String, SchemaUri>> eventSchemas = new HashMap<>();

    private Builder(SchemaRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The deepest nesting of objects and arrays allowed in a payload or context. */
    public Builder maxDepth(int depth) {
      this.maxDepth = depth;
      return this;
    }

    /**
     * The largest event (UTF-8 bytes of what the envelope stores: payload, contexts, attributes, id, stream,
     * schema, client address and agent) validated; larger ones are size violations.
     */
    public Builder maxEventBytes(int bytes) {
      this.maxEventBytes = bytes;
      return this;
    }

    /** The most violations recorded per event. */
    public Builder maxViolations(int max) {
      this.maxViolations = max;
      return this;
    }

    /**
     * Validates events without a schema whose payload {@code event} field is {@code eventName}, in {@code stream}
     * (or any stream: {@link #ANY_STREAM}), against {@code schemaUri}. A stream's own mapping wins over the
     * wildcard. Throws {@link IllegalArgumentException} for a malformed URI.
     */
    public Builder eventSchema(String stream, String eventName, String schemaUri) {
      Objects.requireNonNull(stream, "stream");
      Objects.requireNonNull(eventName, "eventName");
      SchemaUri uri = SchemaUri.parse(Objects.requireNonNull(schemaUri, "schemaUri"));
      eventSchemas.computeIfAbsent(stream, k -> new HashMap<>()).put(eventName, uri);
      return this;
    }

    public SchemaValidator build() {
      if (maxDepth < 1 || maxEventBytes < 1 || maxViolations < 1) {
        throw new IllegalArgumentException("maxDepth, maxEventBytes and maxViolations must be positive");
      }
      if (maxDepth > dev.eventkit.internal.json.Json.MAX_NESTING_DEPTH) {
        throw new IllegalArgumentException("maxDepth must not exceed the parser's limit of "
            + dev.eventkit.internal.json.Json.MAX_NESTING_DEPTH);
      }
      return new SchemaValidator(this);
    }
  }
}
