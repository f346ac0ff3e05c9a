package dev.eventkit.snowplow;

import java.util.Optional;

/**
 * The event types of the Snowplow tracker protocol, by their {@code e} code, with the canonical name Snowplow's
 * enriched events use ({@code event} column) and the schema an envelope of that type claims.
 *
 * <p>A self-describing event claims its own schema (the one inside {@code ue_pr}/{@code ue_px}), so
 * {@link #SELF_DESCRIBING} has none here. The other schemas follow Snowplow's {@code event_vendor} and
 * {@code event_name} for the type; their JSON Schemas ship with this module (see {@link SnowplowSchemas}).
 */
public enum SnowplowEventType {
  PAGE_VIEW("pv", "page_view", SnowplowSchemas.PAGE_VIEW),
  PAGE_PING("pp", "page_ping", SnowplowSchemas.PAGE_PING),
  STRUCTURED("se", "struct", SnowplowSchemas.STRUCTURED),
  SELF_DESCRIBING("ue", "unstruct", null),
  TRANSACTION("tr", "transaction", SnowplowSchemas.TRANSACTION),
  TRANSACTION_ITEM("ti", "transaction_item", SnowplowSchemas.TRANSACTION_ITEM);

  private final String code;
  private final String canonicalName;
  private final String schema;

  SnowplowEventType(String code, String canonicalName, String schema) {
    this.code = code;
    this.canonicalName = canonicalName;
    this.schema = schema;
  }

  /** The {@code e} parameter's value, such as {@code pv}. */
  public String code() {
    return code;
  }

  /** Snowplow's name for the type in enriched events, such as {@code page_view}; the envelope attribute value. */
  public String canonicalName() {
    return canonicalName;
  }

  /** The schema envelopes of this type claim; null for self-describing events, which claim their own. */
  public String schema() {
    return schema;
  }

  /** The type for an {@code e} value; {@code ev} is the protocol's legacy spelling of {@code se}. */
  public static Optional<SnowplowEventType> fromCode(String code) {
    if ("ev".equals(code)) {
      return Optional.of(STRUCTURED);
    }
    for (SnowplowEventType t : values()) {
      if (t.code.equals(code)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
