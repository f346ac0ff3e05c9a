package dev.eventkit.gcp.bigquery.tables;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.cloud.bigquery.TableId;
import java.util.Objects;

/**
 * Where one event goes when events are split by schema. Immutable; the row must not be changed once routed.
 *
 * @param kind the destination
 * @param table the typed table; null unless {@link Kind#TYPED}
 * @param row the typed row ({@link TypedRows#row} form); null unless {@link Kind#TYPED}
 * @param reason why the event is not typed; null for {@link Kind#TYPED}. Names schemas and columns, never values
 */
public record Route(Kind kind, TableId table, ObjectNode row, String reason) {

  /** The destinations of an event. */
  public enum Kind {
    /** The schema's table, as {@code row}. */
    TYPED,
    /** The raw events table, unchanged: no schema, not valid, or not mappable. */
    RAW,
    /** The dead-letter sink: its table cannot take it (a change that cannot be applied). */
    DEAD_LETTER,
    /** Not now: the schema registry or BigQuery could not be reached; try again later. */
    RETRY
  }

  public Route {
    Objects.requireNonNull(kind, "kind");
  }

  static Route typed(TableId table, ObjectNode row) {
    return new Route(Kind.TYPED, table, row, null);
  }

  static Route raw(String reason) {
    return new Route(Kind.RAW, null, null, reason);
  }

  static Route deadLetter(String reason) {
    return new Route(Kind.DEAD_LETTER, null, null, reason);
  }

  static Route retry(String reason) {
    return new Route(Kind.RETRY, null, null, reason);
  }
}
