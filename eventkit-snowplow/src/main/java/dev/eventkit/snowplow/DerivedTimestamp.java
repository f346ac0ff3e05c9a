package dev.eventkit.snowplow;

import java.time.Duration;
import java.time.Instant;

/**
 * Snowplow's rule for the time an event most likely happened ({@code derived_tstamp}): the tracker's true
 * timestamp ({@code ttm}) when it sets one; otherwise the collector's receive time moved back by how long the
 * event waited on the device ({@code stm - dtm}) when both device times are known and the event was created before
 * it was sent; otherwise the collector's receive time. The rule trusts the device clock only for a difference, so
 * a device whose clock is wrong by a constant still yields the right time.
 *
 * <p>Stateless and thread-safe.
 */
final class DerivedTimestamp {

  private DerivedTimestamp() {}

  /**
   * @param collector when the collector received the event; never null
   * @param created {@code dtm}, or null
   * @param sent {@code stm}, or null
   * @param trueTime {@code ttm}, or null
   */
  static Instant derive(Instant collector, Instant created, Instant sent, Instant trueTime) {
    if (trueTime != null) {
      return trueTime;
    }
    if (created != null && sent != null && created.isBefore(sent)) {
      return collector.minus(Duration.between(created, sent));
    }
    return collector;
  }
}
