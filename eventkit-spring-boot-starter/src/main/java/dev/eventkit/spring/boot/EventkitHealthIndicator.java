package dev.eventkit.spring.boot;

import dev.eventkit.Pipeline;
import dev.eventkit.PipelineStatus;
import dev.eventkit.buffer.RingBufferStats;
import dev.eventkit.delivery.SinkState;
import dev.eventkit.delivery.SinkStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Actuator health of a {@link Pipeline}, shown as {@code eventkit} under {@code /actuator/health}: DOWN while the
 * pipeline takes no events (not started, shut down), else UP; the details give the log's fill (unconsumed events
 * and bytes against the capacity) and each sink's state and lag. A sink that is retrying or failing leaves the
 * status UP (the log holds its events) and shows in the details.
 *
 * <p>Thread-safe: each check reads a fresh {@link Pipeline#status()}.
 */
public class EventkitHealthIndicator extends AbstractHealthIndicator {

  private final Pipeline pipeline;

  /** The health of {@code pipeline}. */
  public EventkitHealthIndicator(Pipeline pipeline) {
    super("eventkit health check failed");
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    PipelineStatus status = pipeline.status();
    builder.status(status.accepting() ? "UP" : "DOWN");
    RingBufferStats log = status.log();
    Map<String, Object> logDetails = new LinkedHashMap<>();
    logDetails.put("unconsumedEvents", log.unconsumedEvents());
    logDetails.put("unconsumedBytes", log.unconsumedBytes());
    logDetails.put("fillRatio", log.fillRatio());
    builder.withDetail("accepting", status.accepting());
    builder.withDetail("log", logDetails);
    Map<String, Object> sinks = new LinkedHashMap<>();
    int unhealthy = 0;
    for (SinkStatus s : status.sinks()) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("state", s.state().name());
      d.put("lagEvents", s.lagEvents());
      d.put("lagSeconds", s.lagSeconds());
      if (s.failingSince() != null) {
        d.put("failingSince", s.failingSince().toString());
      }
      if (s.state() != SinkState.OK) {
        unhealthy++;
      }
      sinks.put(s.sink(), d);
    }
    builder.withDetail("sinks", sinks);
    builder.withDetail("sinksNotOk", unhealthy);
  }
}
