package dev.eventkit.health;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A component that reports into {@code GET /health} beside the log and the sinks, such as a schema registry whose
 * remote source is down. An unhealthy component makes the overall status {@code degraded} (still 200: the
 * collector keeps accepting events).
 *
 * <p>Thread-safety: called from request threads; must be cheap and must not block. Failure modes: an exception is
 * reported as an unhealthy component, never as a failed health request.
 */
public interface HealthCheck {

  /** The component's state now. */
  Result check();

  /**
   * A component's state. Immutable.
   *
   * @param healthy whether the component works as configured
   * @param details what to show under the component's name; never secrets
   */
  record Result(boolean healthy, JsonNode details) {}
}
