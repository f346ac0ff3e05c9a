package dev.eventkit.delivery;

import static dev.eventkit.testing.Flushing.flushed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.Pipeline;
import dev.eventkit.buffer.RetentionPolicy;
import dev.eventkit.buffer.SqliteRingBuffer;
import dev.eventkit.event.Envelope;
import dev.eventkit.sink.InMemorySink;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink resumes from its saved cursor; when records below it went missing in between (not by retention, which saved
 * cursors hold back, but by a restored or hand-edited log), the sink skips them: the gap is counted in its status
 * (and logged), never passed over silently.
 */
class CursorGapTest {

  private static final RetentionPolicy KEEP_NO_CONSUMED = RetentionPolicy.builder().maxRetainedEvents(0).build();

  @TempDir
  Path dir;

  private SqliteRingBuffer open() {
    return SqliteRingBuffer.builder(dir.resolve("wal.db")).retention(KEEP_NO_CONSUMED).build();
  }

  private static SinkStatus statusOf(Pipeline p, String sink) {
    return p.status().sinks().stream().filter(s -> s.sink().equals(sink)).findFirst().orElseThrow();
  }

  @Test
  void aSinkAddedBackAfterRetentionRemovedItsEventsCountsTheGap() throws Exception {
    try (SqliteRingBuffer log = open()) {
      log.openCursor("returning");
      log.openCursor("staying");
      log.append(Envelopes.tracks("x", 10)).join();
      log.commit("returning", 3).join();
      log.commit("staying", 10).join();
    }
    // Saved cursors hold retention back, so the log itself never leaves a gap; records can still go missing
    // below a cursor by other means (a log restored from an older copy, rows deleted by hand). Stand-in: delete them.
    try (SqliteRingBuffer log = open()) {
      log.openCursor("staying");
      log.append(Envelopes.tracks("y", 5)).join();
      log.commit("staying", 15).join();
    }
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("wal.db"));
        java.sql.Statement s = c.createStatement()) {
      s.executeUpdate("DELETE FROM log WHERE seq <= 15");
    }
    try (SqliteRingBuffer log = open()) {
      log.append(Envelopes.tracks("z", 5)).join();
    }
    InMemorySink returning = new InMemorySink("returning");
    InMemorySink fresh = new InMemorySink("fresh");
    try (Pipeline p = Pipeline.builder().ringBuffer(open()).sink(returning).sink(fresh).build().start()) {
      List<Envelope> got = returning.awaitCount(5, Duration.ofSeconds(10));
      assertThat(got).extracting(Envelope::id).containsExactly("z0", "z1", "z2", "z3", "z4");
      assertThat(flushed(p, Duration.ofSeconds(10))).isTrue();
      // Sequences 4 to 15 were removed while the sink was away.
      assertThat(statusOf(p, "returning").skippedEvents()).isEqualTo(12);
      // A new sink starts at the oldest retained record: nothing skipped.
      assertThat(fresh.envelopes()).extracting(Envelope::id).containsExactly("z0", "z1", "z2", "z3", "z4");
      assertThat(statusOf(p, "fresh").skippedEvents()).isZero();
    }
  }
}
