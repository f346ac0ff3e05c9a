package dev.eventkit.event;

import com.fasterxml.jackson.databind.JsonNode;
import dev.eventkit.internal.json.Json;
import java.util.Objects;

/**
 * A self-describing JSON value: a schema URI and the data it describes. Used for the contexts attached to an event
 * (Snowplow's "entities") and for self-describing events.
 *
 * <p>Immutable and thread-safe: the data is held as its JSON text, and {@link #data()} parses a fresh tree on every
 * call, so no caller can change what another one sees.
 *
 * @param schema the schema URI, such as {@code iglu:com.acme/cart/jsonschema/1-0-0}; never null
 * @param dataJson the data as JSON text; never null
 */
public record Entity(String schema, String dataJson) {

  public Entity {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(dataJson, "dataJson");
  }

  /** Creates an entity from a parsed tree; the tree is serialised, so later changes to it are not seen. */
  public static Entity of(String schema, JsonNode data) {
    return new Entity(schema, Json.write(data));
  }

  /** Returns a newly parsed copy of the data. */
  public JsonNode data() {
    return Json.read(dataJson);
  }
}
