package dev.eventkit.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.internal.id.RandomIds;
import dev.eventkit.internal.json.Json;
import dev.eventkit.internal.text.WellFormedText;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One collected event and everything known about its arrival: what is written to the log and handed to sinks.
 *
 * <p>Immutable and thread-safe: the payload and contexts are held as JSON text; {@link #payload()} parses a fresh
 * tree on each call. Build one with {@link #builder()}; {@link Builder#build()} throws
 * {@link IllegalStateException} when a required field is missing, and the payload and context setters throw
 * {@link IllegalArgumentException} for text that is not exactly one JSON value, so that every envelope can be
 * written and read back. The wire form is written by
 * {@link EnvelopeCodec}, tagged with {@link EnvelopeCodec#FORMAT_VERSION}. An envelope keeps its wire form once it
 * is known (decoded from it, or encoded once), so that writing it again copies bytes; a {@link #toBuilder()} copy
 * starts without one.
 */
public final class Envelope {

  /** The stream an event belongs to when the request names none. */
  public static final String DEFAULT_STREAM = "default";

  private final String id;
  private final String protocol;
  private final String stream;
  private final String schema;
  private final String payloadJson;
  private final List<Entity> contexts;
  private final Instant sentAt;
  private final Instant receivedAt;
  private final String clientIp;
  private final String userAgent;
  private final Validation validation;
  private final CollectorInfo collector;
  private final Map<String, String> attributes;
  /**
   * The wire form, once known: set at most once per instance, to bytes that decode to exactly these values, and
   * never handed out (the codec copies it), so it never changes. Volatile, so that a thread that sees it sees its
   * content.
   */
  private volatile byte[] encoded;

  private Envelope(Builder b) {
    // Every text is made encodable here, once, so that writing an accepted envelope cannot fail.
    this.id = b.id != null ? WellFormedText.of(b.id) : RandomIds.uuid();
    this.protocol = WellFormedText.of(require(b.protocol, "protocol"));
    this.stream = b.stream != null ? WellFormedText.of(b.stream) : DEFAULT_STREAM;
    this.schema = WellFormedText.of(b.schema);
    this.payloadJson = WellFormedText.of(require(b.payloadJson, "payload"));
    this.contexts = wellFormed(b.contexts);
    this.sentAt = b.sentAt;
    this.receivedAt = b.receivedAt != null ? b.receivedAt : Instant.now();
    this.clientIp = WellFormedText.of(b.clientIp);
    this.userAgent = WellFormedText.of(b.userAgent);
    this.validation = b.validation;
    this.collector = b.collector;
    this.attributes = wellFormed(b.attributes);
  }

  /** A copy of {@code e} with another validation outcome: every other value is already checked. */
  private Envelope(Envelope e, Validation validation) {
    this.id = e.id;
    this.protocol = e.protocol;
    this.stream = e.stream;
    this.schema = e.schema;
    this.payloadJson = e.payloadJson;
    this.contexts = e.contexts;
    this.sentAt = e.sentAt;
    this.receivedAt = e.receivedAt;
    this.clientIp = e.clientIp;
    this.userAgent = e.userAgent;
    this.validation = Objects.requireNonNull(validation, "validation");
    this.collector = e.collector;
    this.attributes = e.attributes;
  }

  /** The contexts with well-formed text; the given (immutable) list itself when it already is. */
  private static List<Entity> wellFormed(List<Entity> contexts) {
    List<Entity> entities = null;
    for (int i = 0; i < contexts.size(); i++) {
      Entity c = contexts.get(i);
      String schema = WellFormedText.of(c.schema());
      String data = WellFormedText.of(c.dataJson());
      if (entities == null && (schema != c.schema() || data != c.dataJson())) {
        entities = new java.util.ArrayList<>(contexts.subList(0, i));
      }
      if (entities != null) {
        entities.add(schema == c.schema() && data == c.dataJson() ? c : new Entity(schema, data));
      }
    }
    return entities == null ? contexts : List.copyOf(entities);
  }

  /** An immutable copy with well-formed text; one pass and one copy when the text already is. */
  private static Map<String, String> wellFormed(Map<String, String> attributes) {
    for (Map.Entry<String, String> a : attributes.entrySet()) {
      if (WellFormedText.of(a.getKey()) != a.getKey() || WellFormedText.of(a.getValue()) != a.getValue()) {
        Map<String, String> attrs = new TreeMap<>();
        attributes.forEach((k, v) -> attrs.put(WellFormedText.of(k), WellFormedText.of(v)));
        return Map.copyOf(attrs);
      }
    }
    return Map.copyOf(attributes);
  }

  /** The wire form if known, else null; for {@link EnvelopeCodec} only, which never hands it out. */
  byte[] encodedOrNull() {
    return encoded;
  }

  /** Remembers the wire form; for {@link EnvelopeCodec} only, with bytes that decode to exactly this envelope. */
  void keepEncoded(byte[] bytes) {
    this.encoded = bytes;
  }

  private static <T> T require(T value, String name) {
    if (value == null) {
      throw new IllegalStateException("envelope " + name + " is required");
    }
    return value;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this envelope's values, to derive a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.id = id;
    b.protocol = protocol;
    b.stream = stream;
    b.schema = schema;
    b.payloadJson = payloadJson;
    b.contexts = contexts;
    b.sentAt = sentAt;
    b.receivedAt = receivedAt;
    b.clientIp = clientIp;
    b.userAgent = userAgent;
    b.validation = validation;
    b.collector = collector;
    b.attributes = new HashMap<>(attributes);
    return b;
  }

  /**
   * A copy with another validation outcome, as {@code toBuilder().validation(validation).build()} makes, without
   * checking and copying the unchanged values again.
   */
  public Envelope withValidation(Validation validation) {
    return new Envelope(this, validation);
  }

  /** The event id: the client's own id (Segment {@code messageId}, Snowplow {@code eid}, …) or a random UUID. */
  public String id() {
    return id;
  }

  /** The input protocol that produced the event: {@code segment}, {@code snowplow}, {@code cloudevents}, … */
  public String protocol() {
    return protocol;
  }

  /** The stream (logical destination) the event was sent to; {@value #DEFAULT_STREAM} by default. */
  public String stream() {
    return stream;
  }

  /** The schema URI the event claims, or null when it claims none. */
  public String schema() {
    return schema;
  }

  /** A newly parsed copy of the event payload. */
  public JsonNode payload() {
    return Json.read(payloadJson);
  }

  /** The event payload as compact JSON text. */
  public String payloadJson() {
    return payloadJson;
  }

  /** The contexts (entities) attached to the event, in the order they were sent. */
  public List<Entity> contexts() {
    return contexts;
  }

  /** When the client says it sent the event; null when it does not say. */
  public Instant sentAt() {
    return sentAt;
  }

  /** When the collector received the event. */
  public Instant receivedAt() {
    return receivedAt;
  }

  /** The client's address as the collector determined it; null when unknown. */
  public String clientIp() {
    return clientIp;
  }

  /** The client's {@code User-Agent}; null when absent. */
  public String userAgent() {
    return userAgent;
  }

  /** The validation outcome. */
  public Validation validation() {
    return validation;
  }

  /** The collector that accepted the event. */
  public CollectorInfo collector() {
    return collector;
  }

  /** Protocol-specific attributes (CloudEvents {@code source}, a webhook's name, …), sorted by key. */
  public Map<String, String> attributes() {
    return attributes;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Envelope)) {
      return false;
    }
    Envelope e = (Envelope) o;
    return id.equals(e.id) && protocol.equals(e.protocol) && stream.equals(e.stream)
        && Objects.equals(schema, e.schema) && payloadJson.equals(e.payloadJson) && contexts.equals(e.contexts)
        && Objects.equals(sentAt, e.sentAt) && receivedAt.equals(e.receivedAt)
        && Objects.equals(clientIp, e.clientIp) && Objects.equals(userAgent, e.userAgent)
        && validation.equals(e.validation) && collector.equals(e.collector) && attributes.equals(e.attributes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, protocol, stream, schema, payloadJson, receivedAt);
  }

  /** Names the event without its payload or user data, so that it is safe to log. */
  @Override
  public String toString() {
    return "Envelope{id=" + id + ", protocol=" + protocol + ", stream=" + stream + ", schema=" + schema
        + ", validation=" + validation.status() + "}";
  }

  /**
   * Collects an envelope's values. Not thread-safe; use one builder per envelope. Defaults: a random UUID id, the
   * {@value #DEFAULT_STREAM} stream, {@code receivedAt} now, {@link Validation#notValidated()}, no contexts, and
   * {@link CollectorInfo#DEFAULT}.
   */
  public static final class Builder {
    private String id;
    private String protocol;
    private String stream;
    private String schema;
    private String payloadJson;
    private List<Entity> contexts = List.of();
    private Instant sentAt;
    private Instant receivedAt;
    private String clientIp;
    private String userAgent;
    private Validation validation = Validation.notValidated();
    private CollectorInfo collector = CollectorInfo.DEFAULT;
    // Unsorted: the envelope keeps an immutable copy whose order is unspecified anyway.
    private Map<String, String> attributes = new HashMap<>();

    private Builder() {}

    public Builder id(String id) {
      this.id = id;
      return this;
    }

    public Builder protocol(String protocol) {
      this.protocol = protocol;
      return this;
    }

    public Builder stream(String stream) {
      this.stream = stream;
      return this;
    }

    public Builder schema(String schema) {
      this.schema = schema;
      return this;
    }

    /**
     * Sets the payload from a tree, which is serialised now: later changes to it are not seen. Throws
     * {@link IllegalArgumentException} when it is nested deeper than {@link Json#MAX_NESTING_DEPTH}.
     */
    public Builder payload(JsonNode payload) {
      return payloadJson(Json.write(Objects.requireNonNull(payload, "payload")));
    }

    /**
     * Sets the payload from JSON text, kept exactly as given (numbers, escapes, spacing) apart from whitespace
     * around the value. Throws {@link IllegalArgumentException} naming {@code payload} unless the text is exactly
     * one JSON value nested at most {@link Json#MAX_NESTING_DEPTH} deep: the check is one streaming pass.
     */
    public Builder payloadJson(String payloadJson) {
      this.payloadJson = Json.requireOneValue(Objects.requireNonNull(payloadJson, "payloadJson"), "payload");
      return this;
    }

    /**
     * Sets the contexts (copied). Throws {@link IllegalArgumentException} naming {@code contexts[i].data} when an
     * entity's data is not exactly one JSON value, checked as for {@link #payloadJson}.
     */
    public Builder contexts(List<Entity> contexts) {
      Objects.requireNonNull(contexts, "contexts");
      List<Entity> checked = new java.util.ArrayList<>(contexts.size());
      for (int i = 0; i < contexts.size(); i++) {
        Entity c = Objects.requireNonNull(contexts.get(i), "context");
        String data = Json.requireOneValue(c.dataJson(), "contexts[" + i + "].data");
        checked.add(data.equals(c.dataJson()) ? c : new Entity(c.schema(), data));
      }
      this.contexts = List.copyOf(checked);
      return this;
    }

    /** Takes the map itself as the attributes (no copy): for {@link EnvelopeCodec}, which made it and drops it. */
    Builder ownedAttributes(Map<String, String> attributes) {
      this.attributes = attributes;
      return this;
    }

    /**
     * Sets payload and contexts from text already checked to be one JSON value each, as {@link EnvelopeCodec}'s
     * decoder does while reading them: the check is not repeated.
     */
    Builder checkedJson(String payloadJson, List<Entity> contexts) {
      this.payloadJson = Objects.requireNonNull(payloadJson, "payloadJson");
      this.contexts = List.copyOf(contexts);
      return this;
    }

    public Builder sentAt(Instant sentAt) {
      this.sentAt = sentAt;
      return this;
    }

    public Builder receivedAt(Instant receivedAt) {
      this.receivedAt = receivedAt;
      return this;
    }

    public Builder clientIp(String clientIp) {
      this.clientIp = clientIp;
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    public Builder validation(Validation validation) {
      this.validation = Objects.requireNonNull(validation, "validation");
      return this;
    }

    public Builder collector(CollectorInfo collector) {
      this.collector = Objects.requireNonNull(collector, "collector");
      return this;
    }

    public Builder attribute(String key, String value) {
      attributes.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder attributes(Map<String, String> attributes) {
      Map<String, String> copy = new HashMap<>(attributes);
      copy.keySet().forEach(k -> Objects.requireNonNull(k, "attribute key"));
      this.attributes = copy;
      return this;
    }

    /** Builds the envelope; throws {@link IllegalStateException} when the protocol or payload is missing. */
    public Envelope build() {
      return new Envelope(this);
    }
  }
}
