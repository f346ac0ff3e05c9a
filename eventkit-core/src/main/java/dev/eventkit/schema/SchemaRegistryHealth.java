package dev.eventkit.schema;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.internal.json.Json;
import java.util.List;

/**
 * A snapshot of a {@link SchemaRegistry}'s health: each source up or down with its last error, and what the cache
 * holds. Immutable and thread-safe.
 *
 * @param sources each source in the order it is consulted
 * @param cachedSchemas schemas in the cache (found, including stale copies and unusable schemas)
 * @param cachedMisses remembered misses (schemas no source held, or that could not be fetched)
 */
public record SchemaRegistryHealth(List<SourceHealth> sources, int cachedSchemas, int cachedMisses) {

  public SchemaRegistryHealth {
    sources = List.copyOf(sources);
  }

  /** True when every source answered its last request. */
  public boolean healthy() {
    return sources.stream().allMatch(SourceHealth::up);
  }

  /** The snapshot as JSON, for a health endpoint: {@code {"status": "ok"|"degraded", "sources": [...], …}}. */
  public ObjectNode toJson() {
    ObjectNode root = Json.object();
    root.put("status", healthy() ? "ok" : "degraded");
    root.put("cachedSchemas", cachedSchemas);
    root.put("cachedMisses", cachedMisses);
    ArrayNode list = root.putArray("sources");
    for (SourceHealth s : sources) {
      ObjectNode n = list.addObject();
      n.put("name", s.name());
      n.put("priority", s.priority());
      if (!s.vendorPrefixes().isEmpty()) {
        ArrayNode v = n.putArray("vendorPrefixes");
        s.vendorPrefixes().forEach(v::add);
      }
      n.put("state", s.up() ? "up" : "down");
      if (s.lastSuccessAt() != null) {
        n.put("lastSuccessAt", s.lastSuccessAt().toString());
      }
      if (s.lastFailureAt() != null) {
        n.put("lastFailureAt", s.lastFailureAt().toString());
      }
      if (s.lastError() != null) {
        n.put("lastError", s.lastError());
      }
      n.put("cachedSchemas", s.cachedSchemas());
    }
    return root;
  }
}
