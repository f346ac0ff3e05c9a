package dev.eventkit.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.eventkit.event.Envelope;
import dev.eventkit.event.EnvelopeCodec;
import dev.eventkit.testing.Envelopes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only the SQLite log does (group commits, a full disk, bookkeeping errors, cursor drops racing commits); the
 * behaviour all logs share is eventkit-testing's {@code RingBufferContract}, which that module's tests run against
 * this log.
 */
class SqliteRingBufferTest {

  @TempDir
  Path dir;

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

  @Test
  void aFullDiskFailsWholeGroupsStoresNothingOfThemAndRecoversByItself() throws Exception {
    Path file = dir.resolve("full-disk.db");
    Set<String> acknowledged = new HashSet<>();
    Set<String> refused = new HashSet<>();
    try (SqliteRingBuffer log = SqliteRingBuffer.at(file)) {
      log.openCursor("sink");
      log.append(Envelopes.tracks("warm", 1)).join();
      acknowledged.add("warm0");
      long pages = log.limitPagesForTest(1_000_000).join();
      log.limitPagesForTest(pages + 20).join();
      // Concurrent appends, so that groups hold several of them; keep going until several groups have failed.
      int failures = 0;
      for (int round = 0; round < 200 && failures < 6; round++) {
        Map<CompletableFuture<Long>, List<Envelope>> pending = new HashMap<>();
        for (int i = 0; i < 4; i++) {
          List<Envelope> batch = Envelopes.tracks("r" + round + "b" + i + "-", 10);
          pending.put(log.append(batch), batch);
        }
        for (Map.Entry<CompletableFuture<Long>, List<Envelope>> p : pending.entrySet()) {
          try {
            p.getKey().get(10, TimeUnit.SECONDS);
            p.getValue().forEach(e -> acknowledged.add(e.id()));
          } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(SQLException.class);
            p.getValue().forEach(x -> refused.add(x.id()));
            failures++;
          }
        }
      }
      assertThat(failures).isGreaterThanOrEqualTo(6);
      LogHealth failing = log.health();
      assertThat(failing.state()).isEqualTo(LogHealth.State.FAILING);
      assertThat(failing.failingSince()).isNotNull();
      assertThat(failing.lastError()).isEqualTo("SQLITE_FULL");
      assertThat(failing.failedCommits()).isPositive();
      assertThat(log.stats().health().isFailing()).isTrue();

      // Space returns: the log notices by itself (a probe write while idle), then appends and cursor moves work.
      log.limitPagesForTest(1_000_000).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> !log.health().isFailing());
      List<Envelope> after = Envelopes.tracks("after", 5);
      log.append(after).get(10, TimeUnit.SECONDS);
      after.forEach(e -> acknowledged.add(e.id()));
      log.commit("sink", log.lastSequence()).get(10, TimeUnit.SECONDS);
      assertThat(log.health().lastError()).isEqualTo("SQLITE_FULL");
      assertStoredExactly(log, acknowledged, refused);
    }
    try (SqliteRingBuffer log = SqliteRingBuffer.at(file)) {
      assertStoredExactly(log, acknowledged, refused);
      assertThat(log.openCursor("sink")).isEqualTo(log.lastSequence());
    }
  }

  private static void assertStoredExactly(RingBuffer log, Set<String> acknowledged, Set<String> refused) {
    List<String> stored = new ArrayList<>();
    log.read(0, 100_000).forEach(r -> stored.add(r.envelope().id()));
    assertThat(stored).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(acknowledged);
    assertThat(stored).doesNotContainAnyElementsOf(refused);
  }

  @Test
  void anErrorAfterTheCommitNeverFailsTheAppendsItStored() throws Exception {
    try (SqliteRingBuffer log = SqliteRingBuffer.at(dir.resolve("after-commit.db"))) {
      log.openCursor("sink");
      AtomicInteger calls = new AtomicInteger();
      log.afterCommitForTest = () -> {
        if (calls.getAndIncrement() == 0) {
          throw new SQLException("bookkeeping failed");
        }
      };
      assertThat(log.append(Envelopes.tracks("a", 2)).get(10, TimeUnit.SECONDS)).isEqualTo(2);
      // The append is answered before the bookkeeping runs.
      await().atMost(Duration.ofSeconds(10)).until(() -> log.health().bookkeepingErrors() == 1);
      assertThat(log.health().isFailing()).isFalse();
      assertThat(log.append(Envelopes.tracks("b", 1)).get(10, TimeUnit.SECONDS)).isEqualTo(3);
      log.commit("sink", 1).get(10, TimeUnit.SECONDS);
      assertThat(log.read(0, 10)).extracting(r -> r.envelope().id()).containsExactly("a0", "a1", "b0");
      assertThat(log.stats().unconsumedEvents()).isEqualTo(2);
      long twoRecords = log.read(1, 10).stream().mapToLong(r -> EnvelopeCodec.encode(r.envelope()).length).sum();
      assertThat(log.stats().unconsumedBytes()).isEqualTo(twoRecords);
    }
  }

  @Test
  void retentionDeletesInSmallSlicesAndAnAppendArrivingMeanwhileIsAnsweredFirst() throws Exception {
    RetentionPolicy keepNothing = RetentionPolicy.builder().maxRetainedEvents(0).build();
    try (SqliteRingBuffer log = SqliteRingBuffer.builder(dir.resolve("slices.db")).retention(keepNothing).build()) {
      log.openCursor("sink");
      for (int i = 0; i < 5; i++) {
        log.append(Envelopes.tracks("a" + i + "-", 2_000)).get(30, TimeUnit.SECONDS);
      }
      log.commit("sink", 10_000).get(10, TimeUnit.SECONDS);
      List<Long> slices = new CopyOnWriteArrayList<>();
      List<String> answered = new CopyOnWriteArrayList<>();
      CompletableFuture<Long> meanwhile = new CompletableFuture<>();
      log.pruneSliceForTest = deleted -> {
        slices.add(deleted);
        if (slices.size() == 1) {
          // Arrives while the prune is under way, as requests do.
          log.append(Envelopes.tracks("late", 1)).whenComplete((seq, e) -> {
            answered.add("append");
            meanwhile.complete(seq);
          });
        }
      };
      CompletableFuture<Void> pruned = log.prune().whenComplete((v, e) -> answered.add("prune"));
      pruned.get(30, TimeUnit.SECONDS);
      assertThat(meanwhile.get(10, TimeUnit.SECONDS)).isEqualTo(10_001);
      assertThat(slices).allMatch(n -> n <= 1_000);
      assertThat(slices.stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000);
      assertThat(answered).containsExactly("append", "prune");
      assertThat(log.read(0, 10)).extracting(r -> r.envelope().id()).containsExactly("late0");
    }
  }

  @Test
  void commitsNeverCheckpointAndTheWalStaysNearItsBoundWhileAppendsNeverPause() throws Exception {
    Path file = dir.resolve("bounded.db");
    long bound = 1 << 20;
    try (SqliteRingBuffer log = SqliteRingBuffer.builder(file).maxWalBytes(bound).build()) {
      assertThat(log.writerPragmaForTest("wal_autocheckpoint").get(10, TimeUnit.SECONDS)).isZero();
      // Four appenders, each with a batch in flight, keep the writer busy: about 20 MB in all.
      ExecutorService threads = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> appenders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          String prefix = "t" + t + "-";
          appenders.add(threads.submit(() -> {
            for (int i = 0; i < 100; i++) {
              log.append(Envelopes.tracks(prefix + i + "-", 200)).join();
            }
          }));
        }
        for (Future<?> f : appenders) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        threads.shutdownNow();
      }
      assertThat(log.lastSequence()).isEqualTo(80_000);
      // With no cursor nothing counts as consumed: this is every byte appended.
      long written = log.stats().unconsumedBytes();
      assertThat(written).isGreaterThan(16L << 20);
      // Without checkpoints the WAL would hold all of it. The bound is soft (the writer never waits for the
      // checkpointer, so a slow checkpoint lets the WAL overshoot), hence the margin.
      assertThat(Files.size(dir.resolve("bounded.db-wal"))).isLessThan(written / 3);
    }
  }

  @Test
  @SuppressWarnings("try") // the resource holds the database lock for the duration of its block
  void aCommitQueuedBehindTheDropOfItsCursorDoesNotBringTheCursorBack() throws Exception {
    Path file = dir.resolve("drop.db");
    try (SqliteRingBuffer log = SqliteRingBuffer.at(file)) {
      log.openCursor("gone");
      log.append(Envelopes.tracks("a", 5)).join();
      CompletableFuture<Void> dropped;
      CompletableFuture<Void> late;
      try (AutoCloseable held = SqliteWriteLock.hold(log)) {
        dropped = log.dropCursor("gone");
        // The writer has taken the drop and waits for the lock; the commit is asked for while the cursor still
        // looks open, and is written in the next group, after the drop.
        await().atMost(Duration.ofSeconds(10)).until(() -> log.queuedForTest() == 0);
        late = log.commit("gone", 5);
      }
      dropped.get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalArgumentException.class);
      assertThat(log.cursors()).isEmpty();
    }
    try (SqliteRingBuffer log = SqliteRingBuffer.at(file)) {
      assertThat(log.cursors()).isEmpty();
    }
  }
}
