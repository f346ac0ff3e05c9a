package dev.eventkit.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.event.Envelope;
import java.util.function.Function;

/**
 * Common choices of a record key, which decides the partition and so what keeps its order: {@link #eventId()}
 * (the default: spreads evenly, no ordering between events), {@link #userId()} (one user's events in order), or
 * {@link #stream()}. Any {@code Function<Envelope, String>} works; a null key lets the producer spread records.
 *
 * <p>Stateless and thread-safe.
 */
public final class KafkaKeys {

  private KafkaKeys() {}

  /** The event id. */
  public static Function<Envelope, String> eventId() {
    return Envelope::id;
  }

  /** The stream name. */
  public static Function<Envelope, String> stream() {
    return Envelope::stream;
  }

  /**
   * The user id found in the payload — Segment's {@code userId}, else {@code anonymousId}, else Snowplow's
   * {@code uid}, else {@code duid} — or the event id when there is none. Parses the payload once per event.
   */
  public static Function<Envelope, String> userId() {
    return e -> {
      JsonNode p = e.payload();
      for (String field : new String[] {"userId", "anonymousId", "uid", "duid"}) {
        JsonNode v = p.get(field);
        if (v != null && v.isTextual() && !v.asText().isEmpty()) {
          return v.asText();
        }
      }
      return e.id();
    };
  }
}
