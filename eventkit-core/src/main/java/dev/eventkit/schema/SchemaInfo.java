package dev.eventkit.schema;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * What the registry knows of one schema, for listings ({@code GET /schemas}). Immutable and thread-safe.
 *
 * @param uri the schema URI
 * @param source the name of the source it came from (or that lists it)
 * @param state {@link State#CACHED cached}, {@link State#STALE stale}, {@link State#INVALID invalid} or
 *     {@link State#AVAILABLE available}
 * @param dialect the draft it was compiled as; null unless cached
 * @param loadedAt when it was fetched; null unless cached
 * @param problem why it is unusable; null unless invalid
 */
public record SchemaInfo(String uri, String source, State state, SchemaDialect dialect, Instant loadedAt,
    String problem) {

  /** Where a schema stands in the registry. */
  public enum State {
    /** Compiled and fresh. */
    CACHED,
    /** Compiled, past its TTL, kept because its source could not be reached. */
    STALE,
    /** Found, but not a usable JSON Schema; events naming it are invalid ({@code schema_invalid}). */
    INVALID,
    /** Held by a source that can enumerate, not loaded yet. */
    AVAILABLE;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public SchemaInfo {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(state, "state");
  }
}
