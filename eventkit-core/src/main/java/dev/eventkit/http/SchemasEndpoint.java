package dev.eventkit.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.internal.http.PathName;
import dev.eventkit.internal.json.Json;
import dev.eventkit.schema.SchemaInfo;
import dev.eventkit.schema.SchemaLookup;
import dev.eventkit.schema.SchemaRegistry;
import dev.eventkit.schema.SchemaUri;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Read-only routes for humans and tools over a {@link SchemaRegistry}:
 *
 * <ul>
 *   <li>{@code GET /schemas}: every schema the registry holds or its sources list, with its source and state,
 *       and the registry's health;
 *   <li>{@code GET /schemas/{uri}}: one schema with where it came from. The URI may be written as is
 *       ({@code /schemas/iglu:com.acme/checkout/jsonschema/1-0-0}) or URL-encoded as a single segment
 *       ({@code /schemas/iglu%3Acom.acme%2Fcheckout%2Fjsonschema%2F1-0-0}); hosts decode the path, so both arrive
 *       alike. A malformed URI is 400, an unknown one 404, one that cannot be fetched now 503 with
 *       {@code Retry-After}.
 * </ul>
 *
 * <p>Looking a schema up here fetches it like an event naming it would (and is cached the same way). Error
 * messages never repeat the requested URI, and sources appear by their names (a directory as {@code dir:NAME}, not
 * its path). Immutable and thread-safe.
 */
public final class SchemasEndpoint implements Endpoint {

  /** Schema URIs have at most this many '/'-separated parts below the base path. */
  private static final int MAX_SEGMENTS = 12;

  private final SchemaRegistry registry;
  private final String basePath;
  private final Clock clock;

  private SchemasEndpoint(SchemaRegistry registry, String basePath, Clock clock) {
    this.registry = registry;
    this.basePath = basePath;
    this.clock = clock;
  }

  /** The routes at {@code /schemas}. */
  public static SchemasEndpoint create(SchemaRegistry registry) {
    return at(registry, "/schemas");
  }

  /** The routes at another base path, such as {@code /admin/schemas}. */
  public static SchemasEndpoint at(SchemaRegistry registry, String basePath) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(basePath, "basePath");
    PathName.requireBasePath("basePath", basePath);
    return new SchemasEndpoint(registry, basePath, Clock.systemUTC());
  }

  @Override
  public List<Route> routes() {
    List<Route> routes = new ArrayList<>();
    routes.add(Route.get(basePath));
    StringBuilder t = new StringBuilder(basePath);
    for (int i = 0; i < MAX_SEGMENTS; i++) {
      t.append("/{s").append(i).append('}');
      routes.add(Route.get(t.toString()));
    }
    return routes;
  }

  @Override
  public HttpResponse handle(HttpRequest request, RequestContext context) {
    if (context.pathParameters().isEmpty()) {
      return listing();
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < MAX_SEGMENTS; i++) {
      String p = context.pathParameters().get("s" + i);
      if (p != null) {
        parts.add(p);
      }
    }
    String text = String.join("/", parts);
    SchemaUri uri;
    try {
      uri = SchemaUri.parse(text);
    } catch (IllegalArgumentException e) {
      return Rejection.badRequest("invalid_schema_uri", "malformed schema URI: expected "
          + "iglu:vendor/name/format/MODEL-REVISION-ADDITION or a relative name such as com.acme/checkout/v1.json",
          "uri").toResponse();
    }
    SchemaLookup r = registry.lookup(uri);
    switch (r.outcome()) {
      case NOT_FOUND:
        return new Rejection(404, "schema_not_found", "no schema source holds this schema", "uri").toResponse();
      case UNAVAILABLE:
        long seconds = Math.max(1, Duration.between(clock.instant(), r.retryAt()).toSeconds());
        return new Rejection(503, "schema_unavailable", "the schema could not be fetched now; retry later", "uri")
            .toResponse().withHeader("Retry-After", Long.toString(seconds));
      default:
        ObjectNode body = describe(r.info());
        try {
          body.set("schema", Json.reader().readTree(r.text()));
        } catch (JacksonException e) {
          // An unusable schema may not even be JSON; its problem says so.
        }
        return HttpResponse.json(200, body);
    }
  }

  private HttpResponse listing() {
    ObjectNode body = Json.object();
    ArrayNode list = body.putArray("schemas");
    for (SchemaInfo s : registry.schemas()) {
      list.add(describe(s));
    }
    body.set("registry", registry.health().toJson());
    return HttpResponse.json(200, body);
  }

  private static ObjectNode describe(SchemaInfo s) {
    ObjectNode n = Json.object();
    n.put("uri", s.uri());
    n.put("source", s.source());
    n.put("state", s.state().wireName());
    if (s.dialect() != null) {
      n.put("dialect", s.dialect().name().toLowerCase(java.util.Locale.ROOT));
    }
    if (s.loadedAt() != null) {
      n.put("loadedAt", s.loadedAt().toString());
    }
    if (s.problem() != null) {
      n.put("problem", s.problem());
    }
    return n;
  }
}
