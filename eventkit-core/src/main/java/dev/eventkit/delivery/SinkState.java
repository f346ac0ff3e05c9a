package dev.eventkit.delivery;

/** A sink's delivery health, as shown by {@code GET /health}. */
public enum SinkState {
  /** The last delivery succeeded (or there was nothing to deliver). */
  OK,
  /**
   * A delivery failed and is being retried, or events are held (undeliverable, with no dead-letter sink); not for
   * long yet.
   */
  RETRYING,
  /** Deliveries have been failing, or events have been held, for longer than the failing threshold (10 s). */
  FAILING,
  /** The sink's dispatcher has stopped. */
  STOPPED
}
