package dev.eventkit.schema;

import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of looking one schema up in a {@link SchemaRegistry}, as an event naming it would see it. Immutable
 * and thread-safe.
 *
 * @param uri the schema URI looked up
 * @param outcome found (usable or not: see {@code info}), held by no source, or not fetchable now
 * @param info what the registry knows of it; null unless found
 * @param text the schema document as its source served it; null unless found
 * @param problem why it could not be fetched; null unless unavailable
 * @param retryAt when the registry will ask its sources again; null unless unavailable
 */
public record SchemaLookup(SchemaUri uri, Outcome outcome, SchemaInfo info, String text, String problem,
    Instant retryAt) {

  /** Whether a source held the schema. */
  public enum Outcome {
    /** A source held it; {@link SchemaInfo#state()} says whether it is usable. */
    FOUND,
    /** No source holds it. */
    NOT_FOUND,
    /** A source that might hold it could not be reached. */
    UNAVAILABLE
  }

  public SchemaLookup {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(outcome, "outcome");
  }
}
