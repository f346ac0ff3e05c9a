package dev.eventkit.micrometer;

import dev.eventkit.http.Endpoint;
import dev.eventkit.http.HttpRequest;
import dev.eventkit.http.HttpResponse;
import dev.eventkit.http.RequestContext;
import dev.eventkit.http.Route;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * {@code GET /metrics}: a Prometheus scrape of a {@link PrometheusMeterRegistry} in the text exposition format
 * (version 0.0.4), as a collector route: {@code Collector.builder(pipeline).endpoint(new PrometheusEndpoint(registry))}.
 * Needs {@code io.micrometer:micrometer-registry-prometheus} on the class path (an optional dependency of this
 * module).
 *
 * <p>Thread-safety: thread-safe; each request renders the registry afresh. Failure modes: an exception while
 * rendering is answered by the collector as a generic JSON 500 and logged. The body holds metric names and tags
 * only, never event data; like the health route it is for operators, so expose it only where they can reach it.
 */
public final class PrometheusEndpoint implements Endpoint {

  /** The content type of Prometheus' text exposition format. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private final Route route;

  /** Serves {@code registry} at {@code GET /metrics}. */
  public PrometheusEndpoint(PrometheusMeterRegistry registry) {
    this(registry, "/metrics");
  }

  /** Serves {@code registry} at {@code GET path}. */
  public PrometheusEndpoint(PrometheusMeterRegistry registry, String path) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.route = Route.get(Objects.requireNonNull(path, "path"));
  }

  @Override
  public List<Route> routes() {
    return List.of(route);
  }

  @Override
  public HttpResponse handle(HttpRequest request, RequestContext context) {
    byte[] body = registry.scrape(CONTENT_TYPE).getBytes(StandardCharsets.UTF_8);
    return HttpResponse.of(200, CONTENT_TYPE, body).withHeader("Cache-Control", "no-store");
  }
}
