package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TailCacheTest {

  @TempDir
  Path dir;

  private static List<Envelope> events(String prefix, int n) {
    List<Envelope> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Envelope.builder().id(prefix + i).protocol("test").payloadJson("{\"n\":" + i + "}").build());
    }
    return out;
  }

  private static List<byte[]> rows(List<Envelope> events) {
    return events.stream().map(EnvelopeCodec::encode).collect(Collectors.toList());
  }

  private static List<Long> sequences(List<LogRecord> records) {
    return records.stream().map(LogRecord::sequence).collect(Collectors.toList());
  }

  @Test
  void answersOnlyTheContiguousRunItHoldsAndLeavesTheRestToTheStore() {
    TailCache cache = new TailCache(4, Long.MAX_VALUE);
    List<Envelope> batch = events("a", 6);
    cache.add(1, batch, rows(batch));

    assertThat(cache.read(0, 10)).as("sequence 1 was evicted").isNull();
    assertThat(sequences(cache.read(2, 10))).containsExactly(3L, 4L, 5L, 6L);
    assertThat(sequences(cache.read(3, 2))).containsExactly(4L, 5L);
    assertThat(cache.read(6, 10)).as("newer than held").isNull();
    assertThat(cache.read(4, 1).get(0).envelope()).isSameAs(batch.get(4));

    List<Envelope> later = events("b", 2);
    cache.add(9, later, rows(later));
    assertThat(cache.read(4, 10)).as("a gap clears what was held").isNull();
    assertThat(sequences(cache.read(8, 10))).containsExactly(9L, 10L);
  }

  @Test
  void forgetsWhatRetentionDeleted() {
    TailCache cache = new TailCache(10, Long.MAX_VALUE);
    List<Envelope> batch = events("e", 5);
    cache.add(1, batch, rows(batch));
    cache.dropThrough(3);
    assertThat(cache.read(0, 10)).isNull();
    assertThat(sequences(cache.read(3, 10))).containsExactly(4L, 5L);
    cache.dropThrough(9);
    assertThat(cache.read(4, 10)).isNull();
    List<Envelope> more = events("f", 1);
    cache.add(6, more, rows(more));
    assertThat(sequences(cache.read(5, 10))).containsExactly(6L);
  }

  @Test
  void staysWithinItsByteBound() {
    List<Envelope> batch = events("c", 10);
    List<byte[]> rows = rows(batch);
    TailCache cache = new TailCache(100, rows.get(0).length * 3L);
    cache.add(1, batch, rows);
    assertThat(cache.read(6, 10)).isNull();
    assertThat(sequences(cache.read(7, 10))).containsExactly(8L, 9L, 10L);
  }

  @Test
  void theLogAnswersItsLatestRecordsFromMemoryExactlyAsItWouldFromTheFile() throws Exception {
    try (SqliteRingBuffer log = SqliteRingBuffer.builder(dir.resolve("log.db")).build()) {
      List<Envelope> batch = events("d", 50);
      log.append(batch).join();
      List<LogRecord> fromMemory = log.read(10, 100);
      log.forgetTail();
      List<LogRecord> fromFile = log.read(10, 100);

      assertThat(fromMemory).hasSize(40).isEqualTo(fromFile);
      assertThat(fromMemory.get(0).envelope()).isSameAs(batch.get(10));
      assertThat(fromFile.get(0).envelope()).isNotSameAs(batch.get(10));
      for (int i = 0; i < fromMemory.size(); i++) {
        assertThat(EnvelopeCodec.encode(fromMemory.get(i).envelope()))
            .isEqualTo(EnvelopeCodec.encode(fromFile.get(i).envelope()));
      }
    }
  }
}
