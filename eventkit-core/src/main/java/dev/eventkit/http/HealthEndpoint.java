package dev.eventkit.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.eventkit.Pipeline;
import dev.eventkit.PipelineStatus;
import dev.eventkit.buffer.LogHealth;
import dev.eventkit.delivery.SinkState;
import dev.eventkit.delivery.SinkStatus;
import dev.eventkit.health.HealthCheck;
import dev.eventkit.internal.json.Json;
import dev.eventkit.internal.metrics.GuardedMetrics;
import dev.eventkit.metrics.CountingMetrics;
import dev.eventkit.metrics.Metrics;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /health}: the log's fill level, each sink's state and lag, the registered {@link HealthCheck}s and the
 * counters; 200 while the pipeline accepts events ({@code ok} or {@code degraded}), 503 when it does not. Immutable
 * and thread-safe; a health check that throws is shown as unhealthy.
 */
final class HealthEndpoint implements Endpoint {

  private final String path;
  private final Pipeline pipeline;
  private final Map<String, HealthCheck> healthChecks;

  HealthEndpoint(String path, Pipeline pipeline, Map<String, HealthCheck> healthChecks) {
    this.path = path;
    this.pipeline = pipeline;
    this.healthChecks = Map.copyOf(healthChecks);
  }

  @Override
  public List<Route> routes() {
    return List.of(Route.get(path));
  }

  @Override
  public HttpResponse handle(HttpRequest request, RequestContext context) {
    PipelineStatus s = pipeline.status();
    ObjectNode body = Json.object();
    boolean degraded = false;
    ArrayNode sinks = Json.array();
    for (SinkStatus st : s.sinks()) {
      ObjectNode n = sinks.addObject();
      n.put("name", st.sink());
      n.put("state", st.state().name().toLowerCase(Locale.ROOT));
      if (st.failingSince() != null) {
        n.put("failingSince", st.failingSince().toString());
      }
      n.put("lagEvents", st.lagEvents());
      n.put("lagSeconds", st.lagSeconds());
      n.put("delivered", st.delivered());
      n.put("retried", st.retried());
      n.put("deadLettered", st.deadLettered());
      if (st.skippedEvents() > 0) {
        n.put("skippedEvents", st.skippedEvents());
      }
      if (st.heldEvents() > 0) {
        n.put("heldEvents", st.heldEvents());
      }
      if (st.lastError() != null) {
        n.put("lastError", st.lastError());
      }
      degraded |= st.state() != SinkState.OK;
    }
    ObjectNode components = Json.object();
    for (Map.Entry<String, HealthCheck> c : new java.util.TreeMap<>(healthChecks).entrySet()) {
      HealthCheck.Result r;
      try {
        r = c.getValue().check();
      } catch (RuntimeException e) {
        r = new HealthCheck.Result(false, Json.nodes().textNode("health check failed"));
      }
      ObjectNode n = components.putObject(c.getKey());
      n.put("healthy", r.healthy());
      if (r.details() != null) {
        n.set("details", r.details());
      }
      degraded |= !r.healthy();
    }
    LogHealth logHealth = s.log().health();
    boolean failing = logHealth.isFailing();
    body.put("status", !s.accepting() ? "unavailable" : failing ? "failing" : degraded ? "degraded" : "ok");
    ObjectNode log = body.putObject("log");
    log.put("lastSequence", s.log().lastSequence());
    log.put("retainedEvents", s.log().retainedEvents());
    log.put("unconsumedEvents", s.log().unconsumedEvents());
    log.put("unconsumedBytes", s.log().unconsumedBytes());
    log.put("fill", s.log().fillRatio());
    body.set("sinks", sinks);
    if (!healthChecks.isEmpty()) {
      body.set("components", components);
    }
    body.put("accepted", s.accepted());
    body.put("invalid", s.invalid());
    body.put("version", pipeline.collectorInfo().version());
    Metrics metrics = pipeline.metrics();
    if (metrics instanceof GuardedMetrics g) {
      metrics = g.delegate();
    }
    if (metrics instanceof CountingMetrics counting) {
      ObjectNode counters = body.putObject("counters");
      counting.snapshot().forEach(counters::put);
    }
    ObjectNode logNode = log;
    logNode.put("state", failing ? "failing" : "ok");
    if (failing) {
      if (logHealth.failingSince() != null) {
        logNode.put("failingSince", logHealth.failingSince().toString());
      }
      if (logHealth.lastError() != null) {
        logNode.put("lastError", logHealth.lastError());
      }
    }
    // 503 while intake refuses (not accepting, or the log cannot store): load balancers stop sending.
    return HttpResponse.json(s.accepting() && !failing ? 200 : 503, body);
  }
}
