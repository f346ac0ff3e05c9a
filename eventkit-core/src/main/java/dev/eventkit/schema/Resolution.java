package dev.eventkit.schema;

import com.networknt.schema.JsonSchema;
import java.time.Instant;

/**
 * What the registry made of one schema URI, as cached: found and compiled, found but unusable, held by no source,
 * or not fetchable because sources failed. Immutable and thread-safe (networknt schemas are safe to share once
 * initialised).
 */
record Resolution(SchemaUri uri, Status status, String source, String text, JsonSchema schema,
    SchemaDialect dialect, String problem, Instant loadedAt, Instant expiresAt, boolean stale) {

  enum Status {
    FOUND, INVALID, NOT_FOUND, UNAVAILABLE
  }

  boolean isHit() {
    return status == Status.FOUND || status == Status.INVALID;
  }

  Resolution staleUntil(Instant until) {
    return new Resolution(uri, status, source, text, schema, dialect, problem, loadedAt, until, true);
  }
}
