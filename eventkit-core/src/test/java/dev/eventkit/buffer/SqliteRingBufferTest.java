package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventkit.testing.Envelopes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteRingBufferTest extends RingBufferContract {

  @TempDir
  Path dir;

  @Override
  RingBuffer create(RetentionPolicy retention) {
    return SqliteRingBuffer.builder(dir.resolve("wal-" + System.nanoTime() + ".db")).retention(retention).build();
  }

  @Override
  void prune(RingBuffer log) {
    ((SqliteRingBuffer) log).prune().join();
  }

  @Test
  void recordsAndCursorsSurviveReopening() {
    Path file = dir.resolve("reopen.db");
    try (SqliteRingBuffer log = SqliteRingBuffer.at(file)) {
      log.openCursor("sink");
      log.append(Envelopes.tracks("a", 5)).join();
      log.commit("sink", 3).join();
    }
    try (SqliteRingBuffer log = SqliteRingBuffer.at(file)) {
      assertThat(log.lastSequence()).isEqualTo(5);
      assertThat(log.openCursor("sink")).isEqualTo(3);
      assertThat(log.read(3, 10)).extracting(r -> r.envelope().id()).containsExactly("a3", "a4");
      assertThat(log.append(Envelopes.tracks("b", 1)).join()).isEqualTo(6);
      assertThat(log.stats().unconsumedEvents()).isEqualTo(3);
    }
  }

  @Test
  void sequencesAreNotReusedAfterRetentionEmptiesTheLog() {
    Path file = dir.resolve("reuse.db");
    RetentionPolicy keepNothing = RetentionPolicy.builder().maxRetainedEvents(0).maxAge(Duration.ZERO).build();
    try (SqliteRingBuffer log = SqliteRingBuffer.builder(file).retention(keepNothing).build()) {
      log.openCursor("s");
      log.append(Envelopes.tracks("a", 3)).join();
      log.commit("s", 3).join();
      log.prune().join();
      assertThat(log.read(0, 10)).isEmpty();
    }
    try (SqliteRingBuffer log = SqliteRingBuffer.at(file)) {
      assertThat(log.append(Envelopes.tracks("b", 1)).join()).isEqualTo(4);
      assertThat(log.openCursor("new-consumer")).isEqualTo(3);
    }
  }

  @Test
  void concurrentAppendsShareCommits() {
    try (SqliteRingBuffer log = SqliteRingBuffer.builder(dir.resolve("group.db"))
        .maxBatchDelay(Duration.ofMillis(5)).build()) {
      List<CompletableFuture<Long>> pending = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        pending.add(log.append(Envelopes.tracks("g" + i + "-", 1)));
      }
      pending.forEach(CompletableFuture::join);
      assertThat(log.lastSequence()).isEqualTo(500);
      // 500 appends issued without waiting must have been grouped into far fewer transactions.
      assertThat(log.commitCount()).isLessThan(100);
    }
  }

  @Test
  void fullDurabilityAlsoCommits() {
    try (SqliteRingBuffer log = SqliteRingBuffer.builder(dir.resolve("full.db"))
        .durability(Durability.FULL).build()) {
      assertThat(log.append(Envelopes.tracks("f", 2)).join()).isEqualTo(2);
    }
  }
}
