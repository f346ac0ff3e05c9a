package dev.eventkit.delivery;

/** A sink's delivery health, as shown by {@code GET /health}. */
public enum SinkState {
  /** The last delivery succeeded (or there was nothing to deliver). */
  OK,
  /** A delivery failed and is being retried; it has not failed for long. */
  RETRYING,
  /** Deliveries have been failing for longer than the failing threshold. */
  FAILING,
  /** The sink's dispatcher has stopped. */
  STOPPED
}
