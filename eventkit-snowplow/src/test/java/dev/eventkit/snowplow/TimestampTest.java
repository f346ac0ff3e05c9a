package dev.eventkit.snowplow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@code dtm}, {@code stm}, {@code ttm} and the collector time are recorded, and {@code derived_tstamp} follows
 * Snowplow's rule; a device time without its partner is no violation.
 */
class TimestampTest {

  static final Instant COLLECTOR = Instant.parse("2024-05-01T12:00:00Z");

  @Test
  void ruleByCases() {
    Instant created = Instant.parse("2024-05-01T09:00:00Z");
    Instant sent = Instant.parse("2024-05-01T09:00:30Z");
    Instant trueTime = Instant.parse("2020-01-01T00:00:00Z");
    assertThat(DerivedTimestamp.derive(COLLECTOR, created, sent, null)).isEqualTo(COLLECTOR.minusSeconds(30));
    assertThat(DerivedTimestamp.derive(COLLECTOR, created, sent, trueTime)).isEqualTo(trueTime);
    assertThat(DerivedTimestamp.derive(COLLECTOR, sent, created, null)).as("sent before created").isEqualTo(COLLECTOR);
    assertThat(DerivedTimestamp.derive(COLLECTOR, created, created, null)).isEqualTo(COLLECTOR);
    assertThat(DerivedTimestamp.derive(COLLECTOR, created, null, null)).isEqualTo(COLLECTOR);
    assertThat(DerivedTimestamp.derive(COLLECTOR, null, sent, null)).isEqualTo(COLLECTOR);
  }

  @Test
  void recordedOnTheEnvelope() throws Exception {
    try (TestCollector c = TestCollector.start(SnowplowInput.create())) {
      // A device clock two hours slow that held the event for 90 seconds before sending it.
      c.get("/i?e=pv&aid=queued&dtm=1714557510000&stm=1714557600000");
      c.get("/i?e=pv&aid=dtm-only&dtm=1714557510000");
      c.get("/i?e=pv&aid=stm-only&stm=1714557600000");
      c.get("/i?e=pv&aid=true&ttm=1600000000000&dtm=1714557510000&stm=1714557600000");
      for (Envelope e : c.awaitEvents(4)) {
        Instant collector = Instant.parse(e.attributes().get("snowplow.collector_tstamp"));
        assertThat(collector).isEqualTo(e.receivedAt());
        Instant derived = Instant.parse(e.attributes().get("snowplow.derived_tstamp"));
        switch (e.attributes().get("snowplow.app_id")) {
          case "queued" -> {
            assertThat(derived).isEqualTo(collector.minusSeconds(90));
            assertThat(e.attributes()).containsEntry("snowplow.dvce_created_tstamp", "2024-05-01T09:58:30Z")
                .containsEntry("snowplow.dvce_sent_tstamp", "2024-05-01T10:00:00Z");
            assertThat(e.sentAt()).isEqualTo(Instant.ofEpochMilli(1714557600000L));
          }
          case "dtm-only", "stm-only" -> assertThat(derived).isEqualTo(collector);
          case "true" -> {
            assertThat(derived).isEqualTo(Instant.ofEpochMilli(1600000000000L));
            assertThat(e.attributes()).containsEntry("snowplow.true_tstamp", "2020-09-13T12:26:40Z");
          }
          default -> throw new AssertionError("unexpected event");
        }
      }
      c.drain();
      assertThat(c.invalid.envelopes()).isEmpty();
    }
  }
}
