package dev.eventkit.schema;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One schema source's state as the registry saw it, for health reports. Immutable and thread-safe.
 *
 * @param name the source's name (never a secret)
 * @param priority its priority; lower is consulted first
 * @param vendorPrefixes the vendors it is consulted for; empty means every vendor
 * @param up false when its last contact failed
 * @param lastSuccessAt when it last answered (found or not found); null when never
 * @param lastFailureAt when it last failed; null when never
 * @param lastError what the last failure was, without secrets or payloads; null when it never failed
 * @param cachedSchemas how many schemas from this source the cache holds now
 */
public record SourceHealth(String name, int priority, List<String> vendorPrefixes, boolean up, Instant lastSuccessAt,
    Instant lastFailureAt, String lastError, int cachedSchemas) {

  public SourceHealth {
    Objects.requireNonNull(name, "name");
    vendorPrefixes = List.copyOf(vendorPrefixes);
  }
}
