package dev.eventkit.benchmarks;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.buffer.Durability;
import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Runs each benchmark body once, outside JMH, to prove it does what its score claims to measure. */
class BenchmarkSmokeTest {

  @Test
  void collectMakesTheEventDurableAndDeliversIt() throws Exception {
    SqliteCollectBenchmark b = new SqliteCollectBenchmark();
    b.maxBatchDelayMs = 1;
    b.durability = Durability.NORMAL;
    b.open();
    try {
      b.collectThreads01();
      b.collectThreads08();
      b.collectThreads32();
      assertThat(b.pipeline().status().accepted()).isEqualTo(3);
      assertThat(flushed(b.pipeline(), Duration.ofSeconds(30))).isTrue();
      assertThat(b.sink().delivered()).isEqualTo(3);
    } finally {
      b.close();
    }
  }

  @Test
  void rawInsertWritesWholeBatchesOfTheEncodedEnvelope() throws Exception {
    RawSqliteInsertBenchmark b = new RawSqliteInsertBenchmark();
    b.synchronous = "NORMAL";
    b.open();
    try {
      b.insertBatchOf0001();
      b.insertBatchOf0100();
      b.insertBatchOf1000();
      try (Statement s = b.connection().createStatement();
          ResultSet r = s.executeQuery("SELECT count(*), min(size), max(size), max(length(body)) FROM log")) {
        r.next();
        assertThat(r.getLong(1)).isEqualTo(1101);
        assertThat(r.getInt(2)).isEqualTo(b.bodyBytes());
        assertThat(r.getInt(3)).isEqualTo(b.bodyBytes());
        assertThat(r.getInt(4)).isEqualTo(EnvelopeCodec.encode(TrackEvents.envelope()).length);
      }
    } finally {
      b.close();
    }
  }

  @Test
  void codecRoundTripsTheTrackEnvelope() {
    EnvelopeCodecBenchmark b = new EnvelopeCodecBenchmark();
    b.prepare();
    Envelope original = TrackEvents.envelope();
    assertThat(EnvelopeCodec.decode(b.encode())).isEqualTo(original);
    assertThat(b.decode()).isEqualTo(original);
  }

  @Test
  void fixtureIsATrackEventAsTheSegmentInputRecordsIt() {
    Envelope e = TrackEvents.envelope();
    assertThat(e.protocol()).isEqualTo("segment");
    assertThat(e.id()).isEqualTo(TrackEvents.MESSAGE_ID);
    assertThat(e.attributes()).containsEntry("eventType", "track");
    assertThat(e.payload().path("event").asText()).isEqualTo("Order Completed");
  }
}
